"""`make bench`: the benchmarks, each measured side by side with its reference in one run, printed
as one table of ratios (these machines are noisy: compare ratios, not absolute times).

    .venv/bin/python -m bench [--quick]

Rows: cold `import function_app` against a bare one-route app; `GET /api/stories` and a story
against devhost serving a static file of the same size; webhook verify-and-enqueue against a raw
enqueue; payments per second through the whole pipeline (local Stripe -> signed webhook -> queue
-> worker -> Cosmos DB) against raw Cosmos writes, with the Cosmos and Stripe round trips per
payment; the privacy gate on its corpus; the story page's bytes and requests. Then the other
benches run as they are (list cache and funding lock; card-testing attack; challenge cost; the story
page's first narrative paint against StoryMapJS, built from its repository, skipped without it).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import time
import uuid
import warnings
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
warnings.filterwarnings("ignore", message="Unverified HTTPS request")
SHIFT = 620
ROWS: list[tuple[str, str, str, str]] = []

from bench.bench_api import timed  # noqa: E402 - the median of n runs, as the other benches take it


def row(what: str, ours: str, reference: str, ratio: str) -> None:
    ROWS.append((what, ours, reference, ratio))
    print(f"  {what}: {ours} vs {reference} -> {ratio}", flush=True)


def cold_import(n: int) -> None:
    bare = (
        "import azure.functions as func\napp = func.FunctionApp()\n"
        "@app.route(route='x')\ndef x(req):\n    return func.HttpResponse('x')\n"
    )

    def run(code: str) -> None:
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True)

    ours, ref = [], []
    for _ in range(n):  # interleaved, so that drift hits both alike
        start = time.perf_counter()
        run("import function_app")
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        run(bare)
        ref.append(time.perf_counter() - start)
    a, b = statistics.median(ours), statistics.median(ref)
    row("cold import function_app vs a bare one-route app", f"{a * 1000:.0f} ms", f"{b * 1000:.0f} ms", f"{a / b:.2f}x")


class RoundTrips:
    """Counts calls to the Cosmos container proxies and Stripe's services made by devhost's worker and
    HTTP threads in this process (the bench's own reads, on the main thread, are not counted)."""

    COSMOS = (
        "read_item",
        "query_items",
        "execute_item_batch",
        "create_item",
        "upsert_item",
        "replace_item",
        "patch_item",
        "delete_item",
    )

    def __init__(self) -> None:
        self.calls: Counter = Counter()

    def install(self) -> None:
        from shared import clients, payments

        for container in (clients.cosmos_container(), clients.guard_container()):
            for name in self.COSMOS:
                setattr(container, name, self._counted(f"cosmos.{name}", getattr(container, name)))
        v1 = payments.stripe_client().v1
        for service, method in (("payment_intents", "retrieve"), ("disputes", "list"), ("charges", "retrieve")):
            cls = type(getattr(v1, service))  # the SDK makes service objects on access: count at the class
            setattr(cls, method, self._counted(f"stripe.{service}.{method}", getattr(cls, method)))

    def _counted(self, name: str, fn):
        import threading

        def wrapper(*args, **kwargs):
            if threading.current_thread() is not threading.main_thread():
                self.calls[name] += 1
            return fn(*args, **kwargs)

        return wrapper

    def total(self, prefix: str) -> int:
        return sum(v for k, v in self.calls.items() if k.startswith(prefix))


def main() -> None:  # noqa: C901 - one sequence of measurements, read top to bottom
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples, and skip the long benches")
    args = parser.parse_args()
    n = 10 if args.quick else 40

    print("1. cold import", flush=True)
    cold_import(5 if args.quick else 11)

    import requests
    import stripe

    from bench import local_portal

    static = ROOT / "web" / "bench-static.json"
    running = contextlib.ExitStack()
    try:
        # the queue worker is started by hand, for the pipeline (4.)
        values, api, host = running.enter_context(
            local_portal(SHIFT, "bench-all", seed=True, webhooks=True, background_triggers=False, STORY_LIST_CACHE_SECONDS="10")
        )
        from azure.core.exceptions import ResourceExistsError
        from azure.storage.queue import QueueClient

        from shared import clients, events_queue, store
        from tests.factories import story as make_story
        from tests.factories import stripe_api

        session = requests.Session()

        print(f"2. API answers vs a static file of the same size (median of {n})", flush=True)
        for label, path in (
            ("GET /api/stories", "/api/stories"),
            ("GET /api/stories/{id}", f"/api/stories/{session.get(api + '/api/stories').json()['items'][0]['id']}"),
        ):
            body = session.get(api + path).content
            static.write_bytes(body)
            ours = timed(lambda p=path: session.get(api + p).raise_for_status(), n)
            ref = timed(lambda: session.get(api + "/bench-static.json").raise_for_status(), n)
            row(
                f"{label} ({len(body) // 1024} KB) vs the same bytes as a static file",
                f"{ours * 1000:.1f} ms",
                f"{ref * 1000:.1f} ms",
                f"{ref / ours:.2f}x static speed",
            )

        print("3. webhook verify-and-enqueue vs a raw enqueue", flush=True)
        secret = values["STRIPE_WEBHOOK_SECRETS"].split(",")[0]
        raw_queue = QueueClient.from_connection_string(values["AzureWebJobsStorage"], "bench-raw")
        with contextlib.suppress(ResourceExistsError):
            raw_queue.create_queue()

        def webhook() -> None:
            payload = json.dumps(
                {
                    "id": f"evt_{uuid.uuid4().hex}",
                    "object": "event",
                    "type": "charge.refunded",
                    "created": int(time.time()),
                    "livemode": False,
                    "data": {
                        "object": {
                            "id": "ch_x",
                            "object": "charge",
                            "payment_intent": "pi_bench",
                            "amount": 100,
                            "amount_refunded": 100,
                            "currency": "usd",
                        }
                    },
                }
            )
            header = stripe.WebhookSignature.generate_signature_header(payload, secret, int(time.time()))
            session.post(api + "/api/webhooks/stripe", data=payload, headers={"Stripe-Signature": header}).raise_for_status()

        notice = events_queue.encode(
            events_queue.PaymentNotice(event_id="evt_x", type="charge.refunded", created=int(time.time()), payment_intent="pi_bench")
        )
        ours = timed(webhook, n)
        ref = timed(lambda: raw_queue.send_message(notice), n)
        row("webhook: verify + enqueue vs a raw enqueue", f"{ours * 1000:.1f} ms", f"{ref * 1000:.1f} ms", f"{ours / ref:.2f}x")

        print("4. payments through the whole pipeline vs raw Cosmos writes", flush=True)
        import threading

        QueueClient.from_connection_string(values["AzureWebJobsStorage"], events_queue.PAYMENT_EVENTS).clear_messages()
        for q in host.queues:
            threading.Thread(target=host.poll_queue, args=(q,), daemon=True).start()
        target = make_story({"shelter": 10**10})
        store.upsert_story(target)
        trips = RoundTrips()
        trips.install()
        payments_n = 15 if args.quick else 40
        client = stripe_api(values)
        start = time.perf_counter()
        for _ in range(payments_n):
            client.v1.payment_intents.create(
                params={
                    "amount": 500,
                    "currency": "usd",
                    "payment_method": "pm_card_visa",
                    "confirm": True,
                    "payment_method_types": ["card"],
                    "metadata": {"story_id": target.id, "need": "shelter"},
                }
            )
        deadline = time.monotonic() + 120
        while store.get_story(target.id)[0].donor_count < payments_n and time.monotonic() < deadline:
            time.sleep(0.05)
        elapsed = time.perf_counter() - start
        counted = store.get_story(target.id)[0].donor_count
        cosmos = trips.total("cosmos.") / max(1, counted)
        stripe_reads = trips.total("stripe.") / max(1, counted)
        container = clients.cosmos_container()
        start = time.perf_counter()
        for i in range(payments_n):
            container.upsert_item({"id": f"raw-{uuid.uuid4().hex}", "storyId": "bench-raw", "n": i})
        raw = time.perf_counter() - start
        row(
            f"pipeline: {counted}/{payments_n} payments end to end vs raw Cosmos writes",
            f"{counted / elapsed:.1f}/s",
            f"{payments_n / raw:.1f}/s",
            f"{(counted / elapsed) / (payments_n / raw):.2f}x",
        )
        row("  round trips per payment (in the worker: Cosmos, Stripe)", f"{cosmos:.1f} Cosmos", f"{stripe_reads:.1f} Stripe", "-")

        print("5. the privacy gate on its corpus", flush=True)
        try:
            from bench.bench_privacy import measure

            caught, leaks, alarms, clean = measure()
            row(
                "privacy gate: leaks caught / false alarms",
                f"{caught}/{leaks}",
                f"{alarms}/{clean}",
                f"recall {caught / leaks:.2f}, false alarms {alarms / max(1, clean):.2f}",
            )
        except ImportError:
            print("  (no privacy corpus here)")

        print("6. the story page: bytes and requests", flush=True)
        from playwright.sync_api import sync_playwright

        from tests.e2e.portal import CHROMIUM, CHROMIUM_ARGS

        sid = session.get(api + "/api/stories").json()["items"][0]["id"]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            cdp = page.context.new_cdp_session(page)
            cdp.send("Network.enable")
            sizes: dict[str, int] = {}
            cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])))
            page.goto(f"{api}/story.html?id={sid}", wait_until="networkidle")
            browser.close()
        row("story page: bytes on the wire, requests", f"{sum(sizes.values()) / 1024:.1f} KB", f"{len(sizes)} requests", "-")
    finally:
        static.unlink(missing_ok=True)
        running.close()

    print("\n| what | ours | reference | ratio |\n|---|---|---|---|")
    for what, ours, ref, ratio in ROWS:
        print(f"| {what} | {ours} | {ref} | {ratio} |")
    if not args.quick:
        for script in ("bench_api.py", "attack_card_testing.py", "bench_challenge.py", "bench_storymap.py"):
            print(f"\n== bench/{script}", flush=True)
            subprocess.run([sys.executable, str(ROOT / "bench" / script)], cwd=ROOT, check=False)


if __name__ == "__main__":
    main()
