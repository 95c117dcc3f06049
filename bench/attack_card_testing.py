"""A card-testing attack on the local stack, as a bot would run it, against the defence's default limits.

    .venv/bin/python bench/attack_card_testing.py [--seconds 60] [--attempts 300]

Two runs, each on a clean guard store: (1) one client address; (2) thirty client addresses
(127.0.1.1-30, real source addresses on loopback, which devhost appends to X-Forwarded-For as
Azure's front end does). Each attempt fetches a challenge, solves it (ALTCHA, in this process),
starts a donation and, when it gets a client secret, confirms it with one of Stripe's decline test
cards at the local Stripe. Printed per run: attempts, PaymentIntents created, 429s by reason,
other refusals, and the CPU time the attacker spent solving challenges.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import time
import uuid
import warnings
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
warnings.filterwarnings("ignore", message="Unverified HTTPS request")
SHIFT = 650
DECLINE_CARDS = ("4000000000000002", "4000000000009995", "4000000000000069", "4000000000000127", "4000000000000119")


def attack(api: str, values: dict, story_id: str, addresses: list[str], attempts: int, seconds: float) -> dict:
    import altcha

    from tests.factories import confirm_with_card, session_from

    sessions = [session_from(a) for a in addresses]
    out: Counter = Counter()
    solving = 0.0
    deadline = time.monotonic() + seconds
    pace = seconds / attempts
    for i in range(attempts):
        if time.monotonic() > deadline:
            break
        started = time.monotonic()
        session = sessions[i % len(sessions)]
        challenge = altcha.Challenge.from_dict(session.get(f"{api}/api/challenge", timeout=10).json())
        cpu = time.process_time()
        solution = altcha.solve_challenge(challenge)
        solving += time.process_time() - cpu
        payload = altcha.Payload(challenge, solution).to_base64()
        r = session.post(
            f"{api}/api/donations",
            timeout=30,
            headers={"Idempotency-Key": str(uuid.uuid4())},
            json={"story_id": story_id, "need": "shelter", "amount": 500, "currency": "USD", "challenge": payload},
        )
        out["attempts"] += 1
        if r.status_code == 201:
            out["intents"] += 1
            made = r.json()
            confirm_with_card(
                values, made["payment_intent_id"], made["client_secret"], DECLINE_CARDS[out["intents"] % len(DECLINE_CARDS)]
            )
        elif r.status_code == 429:
            out[f"429 {r.json()['error']['code']}"] += 1
        else:
            out[f"{r.status_code} {r.json().get('error', {}).get('code')}"] += 1
        time.sleep(max(0.0, pace - (time.monotonic() - started)))
    out["solving_cpu_ms"] = round(solving * 1000)
    out["challenge_prefix_at_end"] = len(json.loads(base64.b64decode(payload))["challenge"]["parameters"]["keyPrefix"])
    return dict(out)


def clear_guard() -> None:
    from shared import clients

    guard = clients.guard_container()
    for doc in list(guard.query_items("SELECT c.id FROM c", enable_cross_partition_query=True)):
        guard.delete_item(doc["id"], partition_key=doc["id"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--attempts", type=int, default=300)
    args = parser.parse_args()
    import logging

    logging.basicConfig(level=logging.ERROR)  # the defence's warnings, one per refusal, would drown the table

    from bench import local_portal

    with local_portal(SHIFT, "attack", webhooks=True) as portal:
        values, api = portal.values, portal.url
        from shared import store
        from shared.settings import get_settings
        from tests.factories import story

        s = get_settings()
        print(
            f"limits: {s.limit_client_per_hour}/client/hour, {s.limit_story_per_hour}/story/hour, "
            f"{s.limit_site_per_minute}/site/minute ({s.limit_site_per_minute_attack} under attack); declines: "
            f"{s.decline_client_per_day}/client/day, {s.decline_card_per_day}/card/day, alarm at "
            f"{s.attack_declines_per_10_minutes}/10 min"
        )
        rows = []
        for name, addresses in (("1 client", ["127.0.0.50"]), ("30 clients", [f"127.0.1.{i}" for i in range(1, 31)])):
            clear_guard()
            target = story({"shelter": 10**9})
            store.upsert_story(target)
            print(f"{name}: {args.attempts} attempts in at most {args.seconds:.0f} s ...", flush=True)
            rows.append((name, attack(api, values, target.id, addresses, args.attempts, args.seconds)))
        keys = sorted({k for _, r in rows for k in r})
        print("\n| run | " + " | ".join(keys) + " |\n|---|" + "---|" * len(keys))
        for name, r in rows:
            print(f"| {name} | " + " | ".join(str(r.get(k, 0)) for k in keys) + " |")


if __name__ == "__main__":
    main()
