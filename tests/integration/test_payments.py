"""The payment pipeline through the real parts: the API, localstripe, its signed webhooks,
Azurite's queue, devhost's queue worker and the Cosmos DB emulator."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from shared import clients, funding, store
from shared.models import StoryDoc

SECRET_INDEX = 0


def new_story(goals: dict[str, int] | None = None, currency: str = "USD") -> StoryDoc:
    """A fresh published story in Cosmos DB, for tests that count money."""
    goals = goals or {"shelter": 10_000_000, "medical": 5_000_000}
    story = StoryDoc.model_validate({
        "id": secrets.token_hex(8), "status": "published", "pseudonym": "Test", "origin": {"country": "TH", "label": "Chiang Mai, Thailand"},
        "headline": "A test story", "summary": "Fictional, for tests.", "currency": currency, "published": "2026-01",
        "needs": [{"need": n, "title": n.title(), "description": "For tests.", "goal": g} for n, g in goals.items()],
        "journey": [{"kind": "home", "title": "Home", "narrative": "Home.", "place": "Chiang Mai", "lat": 18.8,
                     "lon": 99.0, "period": "2020"},
                    {"kind": "future", "title": "Future", "narrative": "Ahead.", "place": "Chiang Mai", "lat": 18.8,
                     "lon": 99.0, "period": "2026"}],
        "consent": {"given": "2026-01", "scope": "tests", "recorded_by": "CW-00"},
    })
    store.upsert_story(story)
    return story


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def event(kind: str, obj: dict, created: int | None = None) -> dict:
    return {"id": f"evt_{uuid.uuid4().hex}", "object": "event", "type": kind, "created": created or int(time.time()),
            "data": {"object": obj}}


def succeeded(story: StoryDoc, need: str, amount: int, pi: str | None = None, name: str | None = None) -> dict:
    metadata = {"story_id": story.id, "need": need, **({"display_name": name} if name else {})}
    return event("payment_intent.succeeded", {"id": pi or f"pi_{uuid.uuid4().hex}", "object": "payment_intent",
                                              "amount": amount, "amount_received": amount,
                                              "currency": story.currency.lower(), "metadata": metadata})


def refunded(story: StoryDoc, need: str, pi: str, amount: int, refunded_total: int) -> dict:
    return event("charge.refunded", {"id": f"ch_{uuid.uuid4().hex}", "object": "charge", "payment_intent": pi,
                                     "amount": amount, "amount_refunded": refunded_total,
                                     "currency": story.currency.lower(),
                                     "metadata": {"story_id": story.id, "need": need}})


def post_webhook(api: str, stack, ev: dict, timestamp: int | None = None, secret: str | None = None) -> requests.Response:
    payload = json.dumps(ev).encode()
    secret = secret or stack.values["STRIPE_WEBHOOK_SECRETS"].split(",")[SECRET_INDEX]
    return requests.post(f"{api}/api/webhooks/stripe", data=payload,
                         headers={"Stripe-Signature": sign(payload, secret, timestamp),
                                  "Content-Type": "application/json"})


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


def raised(story_id: str) -> dict[str, int]:
    story, _ = store.get_story(story_id)
    return {n.need: n.raised for n in story.needs}


def records(story_id: str) -> list[dict]:
    return store.funding_records(story_id)


# ------------------------------------------------------------------ the whole pipeline
def test_donation_flows_from_api_through_stripe_webhook_queue_to_the_story(api, stack, seeded):
    sid, story = next((sid, s) for sid, s in seeded.items()
                      if s.status == "published" and s.currency == "USD")
    before = requests.get(f"{api}/api/stories/{sid}").json()
    need = next(n for n in before["needs"] if n["open"] and n["remaining"] >= 2500)
    r = requests.post(f"{api}/api/donations", headers={"Idempotency-Key": str(uuid.uuid4())}, json={
        "story_id": sid, "need": need["need"], "amount": 2500, "currency": "USD",
        "display_name": "A reader in Lyon", "anonymous": False, "email": "donor@example.org"})
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["amount"] == 2500 and created["client_secret"] and created["publishable_key"]

    intent = _confirm_with_card(stack, created["payment_intent_id"], created["client_secret"])
    assert intent["status"] == "succeeded"

    def updated():
        body = requests.get(f"{api}/api/stories/{sid}").json()
        now = next(n for n in body["needs"] if n["need"] == need["need"])
        return body if now["raised"] == need["raised"] + 2500 else None

    body = wait_for(updated, timeout=15)
    assert body["donor_count"] == before["donor_count"] + 1
    ledger = requests.get(f"{api}/api/stories/{sid}/funding").json()["items"]
    assert {"amount": 2500, "currency": "USD", "need": need["need"], "display_name": "A reader in Lyon"}.items() \
        <= next(e for e in ledger if e["display_name"] == "A reader in Lyon").items()
    text = json.dumps(ledger)
    assert "donor@example.org" not in text and "pi_" not in text
    listed = requests.get(f"{api}/api/stories", params={"limit": 50}).json()["items"]
    assert next(i for i in listed if i["id"] == sid)["totals"]["raised"] == body["totals"]["raised"]


def _confirm_with_card(stack, intent_id: str, client_secret: str, number: str = "4242424242424242") -> dict:
    """What Stripe.js does in the browser: confirm with the card's details, the publishable key and the secret."""
    r = requests.post(f"{stack.values['STRIPE_API_BASE']}/v1/payment_intents/{intent_id}/confirm", json={
        "key": stack.values["STRIPE_PUBLISHABLE_KEY"], "client_secret": client_secret,
        "payment_method_data": {"type": "card", "card": {"number": number, "exp_month": "12", "exp_year": "2034",
                                                         "cvc": "123"}}})
    return r.json()


# ------------------------------------------------------------------ exactly once
def test_same_event_ten_times_in_a_row_and_concurrently_counts_once(api, stack):
    story = new_story()
    ev = succeeded(story, "shelter", 1234)
    for _ in range(10):
        assert post_webhook(api, stack, ev).status_code == 200
    with ThreadPoolExecutor(10) as pool:
        assert all(r.status_code == 200 for r in pool.map(lambda _: post_webhook(api, stack, ev), range(10)))
    message = funding.PaymentEvent.model_validate(
        {"event_id": ev["id"], "type": ev["type"], "created": ev["created"], "payment_intent": ev["data"]["object"]["id"],
         "amount": 1234, "currency": "usd", "metadata": ev["data"]["object"]["metadata"]})
    with ThreadPoolExecutor(10) as pool:
        list(pool.map(lambda _: funding.apply(message), range(10)))
    wait_for(lambda: raised(story.id)["shelter"] == 1234)
    time.sleep(1.5)  # let every queued duplicate be processed
    assert raised(story.id)["shelter"] == 1234
    assert len(records(story.id)) == 1
    assert store.get_story(story.id)[0].donor_count == 1


def test_two_hundred_distinct_events_by_concurrent_workers_give_exact_totals(stack):
    story = new_story()
    amounts = [100 + i for i in range(200)]
    events = [funding.PaymentEvent(event_id=f"evt_{i}", type="payment_intent.succeeded", created=int(time.time()),
                                   payment_intent=f"pi_{story.id}_{i}", amount=a, currency="USD",
                                   metadata={"story_id": story.id, "need": "shelter" if i % 2 else "medical"})
              for i, a in enumerate(amounts)]
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(funding.apply, events + events[:50]))  # 50 duplicates mixed in
    assert results.count(True) == 200
    got = raised(story.id)
    assert got == {"shelter": sum(a for i, a in enumerate(amounts) if i % 2),
                   "medical": sum(a for i, a in enumerate(amounts) if not i % 2)}
    assert len(records(story.id)) == 200
    assert store.get_story(story.id)[0].donor_count == 200


APPLY_IN_A_PROCESS = """
import json, sys
from concurrent.futures import ThreadPoolExecutor
from shared import funding
events = [funding.PaymentEvent.model_validate(e) for e in json.load(sys.stdin)]
with ThreadPoolExecutor(4) as pool:
    print(sum(pool.map(funding.apply, events)))
"""


def test_workers_in_separate_processes_never_count_twice(stack):
    """Separate processes share no lock: only the ETag-guarded batch keeps the totals exact."""
    import subprocess
    import sys
    from pathlib import Path

    story = new_story()
    events = [funding.PaymentEvent(event_id=f"x{i}", type="payment_intent.succeeded", created=int(time.time()),
                                   payment_intent=f"pi_{story.id}_x{i}", amount=1000 + i, currency="USD",
                                   metadata={"story_id": story.id, "need": "shelter"}).model_dump() for i in range(30)]
    shares = [events[0:12] + events[:4], events[12:24] + events[:4], events[24:30] + events[:4]]
    procs = [subprocess.Popen([sys.executable, "-c", APPLY_IN_A_PROCESS], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, cwd=Path(__file__).resolve().parents[2]) for _ in shares]
    outs = [p.communicate(json.dumps(share), timeout=240)[0] for p, share in zip(procs, shares)]
    assert all(p.returncode == 0 for p in procs)
    assert sum(int(o.strip().splitlines()[-1]) for o in outs) == 30
    assert raised(story.id)["shelter"] == sum(1000 + i for i in range(30))
    assert len(records(story.id)) == 30


def test_refund_before_its_payment_ends_with_correct_totals(api, stack):
    story = new_story({"shelter": 100_000})
    pi = f"pi_{uuid.uuid4().hex}"
    assert post_webhook(api, stack, refunded(story, "shelter", pi, 5000, 2000)).status_code == 200
    wait_for(lambda: len(records(story.id)) == 2)
    assert raised(story.id)["shelter"] == 3000
    assert post_webhook(api, stack, succeeded(story, "shelter", 5000, pi=pi)).status_code == 200
    assert post_webhook(api, stack, refunded(story, "shelter", pi, 5000, 2000)).status_code == 200  # repeat
    assert post_webhook(api, stack, refunded(story, "shelter", pi, 5000, 5000)).status_code == 200  # the rest
    wait_for(lambda: raised(story.id)["shelter"] == 0)
    time.sleep(1.5)
    assert raised(story.id)["shelter"] == 0
    amounts = sorted(r["amount"] for r in records(story.id))
    assert amounts == [-3000, -2000, 5000]
    assert store.get_story(story.id)[0].donor_count == 0


def test_money_beyond_a_funded_need_goes_to_the_next_need_then_shows_as_overfunding(stack):
    story = new_story({"shelter": 1000, "medical": 500})
    ev = lambda i, amount: funding.PaymentEvent(  # noqa: E731
        event_id=f"e{i}", type="payment_intent.succeeded", created=int(time.time()), payment_intent=f"pi_{story.id}_{i}",
        amount=amount, currency="USD", metadata={"story_id": story.id, "need": "shelter"})
    funding.apply(ev(1, 800))
    funding.apply(ev(2, 500))
    assert raised(story.id) == {"shelter": 1000, "medical": 300}
    funding.apply(ev(3, 400))
    after, _ = store.get_story(story.id)
    assert raised(story.id) == {"shelter": 1000, "medical": 500} and after.overfunded == 200
    assert after.status == "funded"
    refund = funding.PaymentEvent(event_id="r3", type="charge.refunded", created=int(time.time()),
                                  payment_intent=f"pi_{story.id}_3", amount=400, amount_refunded=400, currency="USD",
                                  metadata={"story_id": story.id, "need": "shelter"})
    funding.apply(refund)
    after, _ = store.get_story(story.id)
    assert raised(story.id) == {"shelter": 1000, "medical": 300} and after.overfunded == 0
    assert after.status == "published"


def test_lost_dispute_is_a_negative_record_and_a_won_one_changes_nothing(stack):
    story = new_story({"shelter": 100_000})
    pi = f"pi_{story.id}_d"
    base = dict(created=int(time.time()), payment_intent=pi, amount=3000, currency="USD",
                metadata={"story_id": story.id, "need": "shelter"})
    funding.apply(funding.PaymentEvent(event_id="p", type="payment_intent.succeeded", **base))
    assert not funding.apply(funding.PaymentEvent(event_id="d1", type="charge.dispute.created", dispute_amount=3000,
                                                  dispute_status="needs_response", **base))
    assert not funding.apply(funding.PaymentEvent(event_id="d2", type="charge.dispute.closed", dispute_amount=3000,
                                                  dispute_status="won", **base))
    assert raised(story.id)["shelter"] == 3000
    assert funding.apply(funding.PaymentEvent(event_id="d3", type="charge.dispute.closed", dispute_amount=3000,
                                              dispute_status="lost", **base))
    assert raised(story.id)["shelter"] == 0
    assert sorted(r["amount"] for r in records(story.id)) == [-3000, 3000]


# ------------------------------------------------------------------ faults
def test_cosmos_unavailable_retries_then_poison_then_replay_counts_once(api, stack, monkeypatch):
    from azure.storage.queue import QueueClient

    from shared.events_queue import POISON, replay_poison

    story = new_story({"shelter": 100_000})
    poison = QueueClient.from_connection_string(stack.values["AzureWebJobsStorage"], POISON)
    poison.clear_messages()
    ev = succeeded(story, "shelter", 4321)
    monkeypatch.setenv("COSMOS_ENDPOINT", "https://127.0.0.1:9/")  # nothing listens there
    clients.reset()
    try:
        assert post_webhook(api, stack, ev).status_code == 200
        poisoned = wait_for(lambda: list(poison.peek_messages(max_messages=5)), timeout=30)
    finally:
        monkeypatch.undo()
        clients.reset()
    assert len(poisoned) == 1
    import base64

    body = json.loads(base64.b64decode(poisoned[0].content))
    assert body["event_id"] == ev["id"] and body["amount"] == 4321
    assert raised(story.id)["shelter"] == 0
    report = replay_poison()
    assert report == {"moved": 1, "left_in_poison": 0}
    wait_for(lambda: raised(story.id)["shelter"] == 4321)
    assert replay_poison()["moved"] == 0
    time.sleep(1)
    assert raised(story.id)["shelter"] == 4321 and len(records(story.id)) == 1


def test_unknown_story_ends_in_poison(api, stack):
    from azure.storage.queue import QueueClient

    from shared.events_queue import POISON

    poison = QueueClient.from_connection_string(stack.values["AzureWebJobsStorage"], POISON)
    poison.clear_messages()
    ghost = StoryDoc.model_construct(id="zzzzzzzzzzzzzzzz", currency="USD")
    assert post_webhook(api, stack, succeeded(ghost, "shelter", 999)).status_code == 200
    assert wait_for(lambda: list(poison.peek_messages()), timeout=30)
    poison.clear_messages()


@pytest.mark.parametrize("case", ["missing", "wrong_secret", "tampered", "too_old", "future", "garbage",
                                  "replayed_with_fresh_timestamp", "huge_timestamp"])
def test_bad_signatures_are_refused_and_nothing_is_applied(api, stack, case):
    story = new_story({"shelter": 100_000})
    ev = succeeded(story, "shelter", 700)
    payload = json.dumps(ev).encode()
    secret = stack.values["STRIPE_WEBHOOK_SECRETS"].split(",")[0]
    headers = {"Content-Type": "application/json"}
    if case == "wrong_secret":
        headers["Stripe-Signature"] = sign(payload, "whsec_not_ours")
    elif case == "tampered":
        headers["Stripe-Signature"] = sign(payload, secret)
        payload = payload.replace(b"700", b"900")
    elif case == "too_old":
        headers["Stripe-Signature"] = sign(payload, secret, int(time.time()) - 301)
    elif case == "future":
        headers["Stripe-Signature"] = sign(payload, secret, int(time.time()) + 301)
    elif case == "garbage":
        headers["Stripe-Signature"] = "t=abc,v1=zzz"
    elif case == "replayed_with_fresh_timestamp":  # an old, validly signed header with a new t= added
        headers["Stripe-Signature"] = sign(payload, secret, int(time.time()) - 3600) + f",t={int(time.time())}"
    elif case == "huge_timestamp":
        headers["Stripe-Signature"] = "t=" + "9" * 400 + ",v1=00"
    r = requests.post(f"{api}/api/webhooks/stripe", data=payload, headers=headers)
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_signature"
    # A good event sent afterwards is applied; by then the bad one would have been too.
    good = succeeded(story, "shelter", 11)
    assert post_webhook(api, stack, good).status_code == 200
    wait_for(lambda: raised(story.id)["shelter"] == 11)
    assert len(records(story.id)) == 1


def test_rotated_secrets_are_all_accepted(api, stack, monkeypatch):
    story = new_story({"shelter": 100_000})
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRETS", "whsec_new_one," + stack.values["STRIPE_WEBHOOK_SECRETS"])
    clients.reset()
    try:
        assert post_webhook(api, stack, succeeded(story, "shelter", 5), secret="whsec_new_one").status_code == 200
        assert post_webhook(api, stack, succeeded(story, "shelter", 6)).status_code == 200
    finally:
        monkeypatch.undo()
        clients.reset()
    wait_for(lambda: raised(story.id)["shelter"] == 11)


def test_other_event_types_are_acknowledged_and_ignored(api, stack):
    r = post_webhook(api, stack, event("customer.created", {"id": "cus_1", "object": "customer"}))
    assert r.status_code == 200 and r.json()["ignored"] == "customer.created"
    not_ours = event("payment_intent.succeeded", {"id": "pi_other", "amount": 500, "currency": "usd", "metadata": {}})
    r = post_webhook(api, stack, not_ours)
    assert r.status_code == 200 and r.json()["ignored"] == "payment_intent.succeeded"
    no_intent = event("charge.refunded", {"id": "ch_1", "payment_intent": None, "amount": 500, "amount_refunded": 500,
                                          "currency": "usd", "metadata": {}})
    assert post_webhook(api, stack, no_intent).status_code == 200


def test_fields_the_code_does_not_model_survive_a_payment_and_stay_private(api, stack):
    story = new_story({"shelter": 100_000})
    container = clients.cosmos_container()
    raw = container.read_item(story.id, partition_key=story.id)
    raw["case_notes"] = "internal: met at the Mae Sot office"
    container.replace_item(story.id, raw)
    assert funding.apply(funding.PaymentEvent(event_id="n1", type="payment_intent.succeeded", created=int(time.time()),
                                              payment_intent=f"pi_{story.id}_n", amount=100, currency="USD",
                                              metadata={"story_id": story.id, "need": "shelter"}))
    assert container.read_item(story.id, partition_key=story.id)["case_notes"].startswith("internal")
    public = requests.get(f"{api}/api/stories/{story.id}").text
    assert "case_notes" not in public and "Mae Sot" not in public


def test_queue_down_answers_503(api, stack, monkeypatch):
    story = new_story({"shelter": 100_000})
    monkeypatch.setenv("AzureWebJobsStorage", stack.values["AzureWebJobsStorage"].replace(
        stack.values["AzureWebJobsStorage"].split("QueueEndpoint=")[1].split(";")[0], "http://127.0.0.1:9/devstoreaccount1"))
    clients.reset()
    try:
        r = post_webhook(api, stack, succeeded(story, "shelter", 5))
    finally:
        monkeypatch.undo()
        clients.reset()
    assert r.status_code == 503 and r.json()["error"]["code"] == "queue_unavailable"
    assert "Traceback" not in r.text


# ------------------------------------------------------------------ reconcile
def test_reconcile_applies_a_payment_whose_webhook_never_arrived(api, stack, seeded):
    from devhost.services import register_stripe_webhook
    from shared.reconcile import reconcile
    import datetime as dt

    story = new_story({"shelter": 100_000})
    register_stripe_webhook(stack.values, "http://127.0.0.1:9/nowhere")  # webhooks get lost
    try:
        r = requests.post(f"{api}/api/donations", headers={"Idempotency-Key": str(uuid.uuid4())}, json={
            "story_id": story.id, "need": "shelter", "amount": 1500, "currency": "USD"})
        assert r.status_code == 201, r.text
        created = r.json()
        assert _confirm_with_card(stack, created["payment_intent_id"], created["client_secret"])["status"] == "succeeded"
        time.sleep(2)
        assert raised(story.id)["shelter"] == 0
    finally:
        register_stripe_webhook(stack.values, f"{api}/api/webhooks/stripe")
    first = reconcile(dt.timedelta(days=3))
    assert first["applied"] >= 1
    assert raised(story.id)["shelter"] == 1500
    second = reconcile(dt.timedelta(days=3))
    assert second["applied"] == 0 and second["already"] >= 1
    assert raised(story.id)["shelter"] == 1500 and len(records(story.id)) == 1


def test_list_cache_is_used_and_invalidated_by_funding(api, stack, seeded):
    from shared.stories import list_cache

    requests.get(f"{api}/api/stories")
    loads = list_cache.loads
    for _ in range(5):
        requests.get(f"{api}/api/stories")
    assert list_cache.loads == loads
    story = new_story({"shelter": 100_000})
    funding.apply(funding.PaymentEvent(event_id="c1", type="payment_intent.succeeded", created=int(time.time()),
                                       payment_intent=f"pi_{story.id}", amount=10, currency="USD",
                                       metadata={"story_id": story.id, "need": "shelter"}))
    requests.get(f"{api}/api/stories")
    assert list_cache.loads == loads + 1
