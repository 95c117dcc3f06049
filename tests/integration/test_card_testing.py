"""The card-testing defence through the real parts: challenges, limits shared through Cosmos DB,
declines reported by the local Stripe's webhooks, and clients told apart by the address devhost
appends to X-Forwarded-For (each test speaks from its own loopback addresses)."""

from __future__ import annotations

import base64
import json
import secrets
import time
from pathlib import Path

import pytest
import requests

from shared import clients, defence, store
from tests.factories import confirm_with_card, post_donation, session_from, solved_challenge, story, stripe_api


def new_story(goals=None):
    s = story(goals or {"shelter": 10_000_000})
    store.upsert_story(s)
    return s


def fresh_address() -> str:
    return f"127.{secrets.randbelow(200) + 20}.{secrets.randbelow(250) + 1}.{secrets.randbelow(250) + 1}"


def body(s, amount=1000):
    return {"story_id": s.id, "need": "shelter", "amount": amount, "currency": "USD"}


def intents_for(stack, story_id: str) -> list:
    return [
        i
        for i in stripe_api(stack.values).v1.payment_intents.list(params={"limit": 100}).auto_paging_iter()
        if (i.to_dict().get("metadata") or {}).get("story_id") == story_id
    ]


@pytest.fixture
def settings(monkeypatch):
    """Set defence settings for one test (devhost runs in this process and reads them on next use)."""

    def apply(**values):
        for name, value in values.items():
            monkeypatch.setenv(name, str(value))
        clients.reset()

    yield apply
    monkeypatch.undo()
    clients.reset()


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


# ------------------------------------------------------------------ the challenge
def test_a_challenge_is_signed_expiring_and_not_cached(api):
    r = requests.get(f"{api}/api/challenge")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    challenge = r.json()
    assert challenge["signature"] and challenge["parameters"]["algorithm"] == "PBKDF2/SHA-256"
    assert time.time() < challenge["parameters"]["expiresAt"] <= time.time() + 3600


def forged(stack, api) -> str:
    payload = json.loads(base64.b64decode(solved_challenge(api)))
    payload["challenge"]["parameters"]["cost"] = 1  # cheaper work, same signature
    return base64.b64encode(json.dumps(payload).encode()).decode()


def expired(stack) -> str:
    import altcha

    c = altcha.create_challenge(
        defence.ALGORITHM, 100, key_prefix="0", expires_at=int(time.time()) - 5, hmac_secret=stack.values["CHALLENGE_HMAC_KEY"]
    )
    return altcha.Payload(c, altcha.solve_challenge(c)).to_base64()


def wrong_solution(api) -> str:
    payload = json.loads(base64.b64decode(solved_challenge(api)))
    payload["solution"]["counter"] += 1
    return base64.b64encode(json.dumps(payload).encode()).decode()


def test_missing_forged_expired_wrong_and_replayed_challenges_get_4xx_and_no_intent(api, stack):
    s = new_story()
    replayed = solved_challenge(api)
    assert post_donation(api, body(s), challenge=replayed).status_code == 201
    cases = {
        "missing": (None, "challenge_required"),
        "forged": (forged(stack, api), "challenge_invalid"),
        "expired": (expired(stack), "challenge_expired"),
        "wrong": (wrong_solution(api), "challenge_invalid"),
        "replayed": (replayed, "challenge_used"),
        "garbage": ("bm90IGpzb24=", "challenge_invalid"),
    }
    for name, (payload, code) in cases.items():
        r = post_donation(api, body(s), challenge=payload)
        assert r.status_code == 400, (name, r.text)
        assert r.json()["error"]["code"] == code and r.json()["error"]["parameter"] == "challenge", name
    assert len(intents_for(stack, s.id)) == 1  # only the first, good one


# ------------------------------------------------------------------ velocity limits
def test_a_client_past_its_hourly_limit_gets_429_while_another_client_goes_on(api, stack, settings):
    settings(LIMIT_CLIENT_PER_HOUR=3)
    s = new_story()
    one, other = session_from(fresh_address()), session_from(fresh_address())
    assert [post_donation(api, body(s), session=one).status_code for _ in range(3)] == [201] * 3
    refused = post_donation(api, body(s), session=one)
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited"
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    assert refused.json()["error"]["retry_after"] == int(refused.headers["Retry-After"])
    assert post_donation(api, body(s), session=other).status_code == 201
    assert len(intents_for(stack, s.id)) == 4


def test_a_story_past_its_hourly_limit_gets_429_from_every_client(api, stack, settings):
    settings(LIMIT_STORY_PER_HOUR=2)
    s = new_story()
    codes = [post_donation(api, body(s), session=session_from(fresh_address())).status_code for _ in range(3)]
    assert codes == [201, 201, 429]


def test_the_client_is_the_address_the_front_end_appended_not_what_the_client_claims(api, stack, settings):
    settings(LIMIT_CLIENT_PER_HOUR=2)
    s = new_story()
    one = session_from(fresh_address())
    claims = [{"X-Forwarded-For": f"203.0.113.{i}"} for i in range(3)]  # a bot rotating what it claims
    codes = [post_donation(api, body(s), session=one, headers=h).status_code for h in claims]
    assert codes == [201, 201, 429]


# ------------------------------------------------------------------ declines
def test_declines_block_the_client_cancel_the_intent_and_raise_the_alarm(api, stack, settings):
    site_declines = defence._count("decline:site", defence.ATTACK_WINDOW)
    settings(DECLINE_CLIENT_PER_DAY=2, DECLINE_INTENT_MAX=2, ATTACK_DECLINES_PER_10_MINUTES=site_declines + 3)
    s = new_story()
    client = session_from(fresh_address())
    first = post_donation(api, body(s), session=client).json()
    # The same intent tried with two cards that decline: it is cancelled, its secret tests no more cards.
    for card in ("4000000000000002", "4000000000009995"):
        assert confirm_with_card(stack.values, first["payment_intent_id"], first["client_secret"], card)["error"]
    wait_for(lambda: stripe_api(stack.values).v1.payment_intents.retrieve(first["payment_intent_id"]).status == "canceled")
    # Two declines from this client: its next attempt is refused for the day.
    refused = post_donation(api, body(s), session=client)
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "declined"
    assert post_donation(api, body(s), session=session_from(fresh_address())).status_code == 201
    # Ops lift the block for a real donor (who reads their address from a "what is my IP" page).
    from tests.integration.test_ops_cli import ops

    lifted = ops("unblock", client.adapters["http://"].address)
    assert lifted.returncode == 0 and "block is lifted" in lifted.stdout, lifted.stdout + lifted.stderr
    assert post_donation(api, body(s), session=client).status_code == 201
    assert "nothing was blocked" in ops("unblock", "--card", "fp_never_seen").stdout
    assert ops("unblock", "not-an-address").returncode == 2
    # A third decline site-wide raises the alarm: harder challenges, fewer new intents.
    other = post_donation(api, body(s), session=session_from(fresh_address())).json()
    confirm_with_card(stack.values, other["payment_intent_id"], other["client_secret"], "4000000000000069")
    try:
        wait_for(defence.under_attack)
        prefix = requests.get(f"{api}/api/challenge").json()["parameters"]["keyPrefix"]
        assert prefix == "00"
    finally:
        clients.guard_container().delete_item("attack", partition_key="attack")
    assert requests.get(f"{api}/api/challenge").json()["parameters"]["keyPrefix"] == "0"


def test_a_card_declined_too_often_blocks_whoever_tries_it(api, stack, settings):
    settings(DECLINE_CARD_PER_DAY=2)
    s = new_story()
    card = "4000000000000127"  # one card (one fingerprint) from two clients, one after the other
    for _ in range(2):
        address = fresh_address()
        client = session_from(address)
        made = post_donation(api, body(s), session=client).json()
        confirm_with_card(stack.values, made["payment_intent_id"], made["client_secret"], card)
        counted = f"decline:client:{defence.client_hash(address)}"
        wait_for(lambda key=counted: defence._count(key, defence.DAY) > 0)
    refused = post_donation(api, body(s), session=client)
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "declined"


# ------------------------------------------------------------------ no raw address anywhere
def test_no_raw_address_is_stored_or_logged(api, stack, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    address = fresh_address()
    s = new_story()
    made = post_donation(api, {**body(s), "display_name": "Somebody", "anonymous": False}, session=session_from(address)).json()
    confirm_with_card(stack.values, made["payment_intent_id"], made["client_secret"], "4000000000000002")
    made = post_donation(api, body(s), session=session_from(address)).json()
    confirm_with_card(stack.values, made["payment_intent_id"], made["client_secret"])
    wait_for(lambda: store.get_story(s.id)[0].donor_count == 1)
    time.sleep(1.5)  # the decline counted too
    places = {"logs": caplog.text}
    for name, container in (("stories", clients.cosmos_container()), ("guard", clients.guard_container())):
        places[name] = json.dumps(list(container.query_items("SELECT * FROM c", enable_cross_partition_query=True)))
    places["stripe"] = json.dumps([i.to_dict() for i in intents_for(stack, s.id)])
    places["service logs"] = "".join(p.read_text(errors="replace") for p in Path(stack.services.data_dir).glob("*.log"))
    for place, text in places.items():
        assert address not in text, f"the client's raw address is in {place}"
    assert defence.client_hash(address) in places["stripe"]  # the keyed hash is what identifies it
