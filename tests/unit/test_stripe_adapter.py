"""The Stripe adapter without services: webhook signatures, events reduced to notices, and Stripe's
objects translated into the funding core's `Payment` (with a stand-in for the Stripe client)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import stripe

from shared import payments

EVENTS = Path(__file__).resolve().parents[1] / "events"
SECRET = "whsec_unit"


def recorded(name: str) -> dict:
    return json.loads((EVENTS / f"{name}.json").read_text())


def signed(payload: bytes, secret: str = SECRET, t: int | None = None) -> str:
    return stripe.WebhookSignature.generate_signature_header(payload.decode(), secret, int(time.time()) if t is None else t)


# ------------------------------------------------------------------ signatures
def test_a_signed_event_verifies_with_any_configured_secret():
    payload = json.dumps(recorded("payment_intent.succeeded")).encode()
    assert payments.verify_webhook(payload, signed(payload), ["whsec_old", SECRET])["type"] == "payment_intent.succeeded"


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "wrong_secret",
        "tampered",
        "too_old",
        "future",
        "garbage",
        "replayed_with_fresh_timestamp",
        "huge_timestamp",
        "not_utf8",
        "not_an_event",
    ],
)
def test_bad_signatures_are_refused(case):
    payload = json.dumps(recorded("payment_intent.succeeded")).encode()
    now = int(time.time())
    header = {
        "missing": None,
        "wrong_secret": signed(payload, "whsec_not_ours"),
        "tampered": signed(payload),
        "too_old": signed(payload, t=now - 301),
        "future": signed(payload, t=now + 301),
        "garbage": "t=abc,v1=zzz",
        "replayed_with_fresh_timestamp": signed(payload, t=now - 3600) + f",t={now}",
        "huge_timestamp": "t=" + "9" * 400 + ",v1=00",
        "not_utf8": None,
        "not_an_event": None,
    }[case]
    if case == "tampered":
        payload = payload.replace(b"2500", b"9999")
    elif case == "not_utf8":
        payload = b"\xff\xfe" + payload
        header = signed(b"x")
    elif case == "not_an_event":
        payload = b'{"id": "evt_1", "data": []}'
        header = signed(payload)
    with pytest.raises(payments.SignatureError):
        payments.verify_webhook(payload, header, [SECRET])


# ------------------------------------------------------------------ events -> notices
def test_each_handled_event_names_its_payment_intent_and_keeps_the_body_only_as_claims():
    for name in ("payment_intent.succeeded", "charge.refunded", "charge.dispute.closed"):
        notice = payments.notice(recorded(name))
        assert notice is not None and notice.payment_intent == "pi_3QxSample0001", name
        assert notice.claimed_amount == 2500 and notice.claimed_currency == "usd"
    assert payments.notice(recorded("payment_intent.succeeded")).claimed_story == "0u2xrs0ola0iiwvo"


def test_other_events_and_events_of_the_other_mode_are_ignored():
    assert payments.notice(recorded("customer.created")) is None
    live = recorded("payment_intent.succeeded") | {"livemode": True}
    assert payments.notice(live) is None
    no_intent = recorded("charge.refunded")
    no_intent["data"]["object"]["payment_intent"] = None
    assert payments.notice(no_intent) is None


# ------------------------------------------------------------------ Stripe's objects -> Payment
def fake_client(monkeypatch, intent: dict | None, disputes: list[dict] = ()):
    calls = []

    def retrieve(pid, params=None):
        calls.append(("retrieve", pid, params))
        if intent is None:
            raise stripe.InvalidRequestError("No such payment_intent", "id", http_status=404)
        return stripe.StripeObject.construct_from(intent, "sk_test")

    def list_disputes(params=None):
        calls.append(("disputes", params))
        items = [stripe.StripeObject.construct_from(d, "sk_test") for d in disputes]
        return SimpleNamespace(auto_paging_iter=lambda: iter(items))

    client = SimpleNamespace(
        v1=SimpleNamespace(payment_intents=SimpleNamespace(retrieve=retrieve), disputes=SimpleNamespace(list=list_disputes))
    )
    monkeypatch.setattr(payments, "stripe_client", lambda: client)
    monkeypatch.setattr(payments, "live_mode", lambda: False)
    return calls


def intent(**over) -> dict:
    base = recorded("payment_intent.succeeded")["data"]["object"]
    base["latest_charge"] = recorded("charge.refunded")["data"]["object"] | {"amount_refunded": 0}
    return base | over


def test_a_succeeded_intent_is_one_read_and_its_amount_metadata_and_refunds_are_stripes(monkeypatch):
    body = intent()
    body["latest_charge"]["amount_refunded"] = 700
    calls = fake_client(monkeypatch, body)
    p = payments.read_payment("pi_3QxSample0001", "evt_x")
    assert (p.received, p.refunded, p.disputed, p.story_id, p.need, p.currency) == (2500, 700, 0, "0u2xrs0ola0iiwvo", "legal", "usd")
    assert calls == [("retrieve", "pi_3QxSample0001", {"expand": ["latest_charge"]})]


def test_a_disputed_charge_costs_a_second_read_and_only_lost_disputes_count(monkeypatch):
    body = intent()
    body["latest_charge"]["disputed"] = True
    calls = fake_client(
        monkeypatch, body, [{"id": "du_1", "amount": 2500, "status": "lost"}, {"id": "du_2", "amount": 2500, "status": "won"}]
    )
    assert payments.read_payment("pi_3QxSample0001", "evt_x").disputed == 2500
    assert len(calls) == 2


def test_an_intent_that_did_not_succeed_backs_no_money(monkeypatch):
    fake_client(monkeypatch, intent(status="requires_payment_method", amount_received=0, latest_charge=None))
    assert payments.read_payment("pi_3QxSample0001", "evt_x").received == 0


def test_intents_without_our_metadata_or_in_the_other_mode_are_not_ours(monkeypatch):
    fake_client(monkeypatch, intent(metadata={}))
    assert payments.read_payment("pi_3QxSample0001", "evt_x") is None
    fake_client(monkeypatch, intent(livemode=True))
    assert payments.read_payment("pi_3QxSample0001", "evt_x") is None


def test_an_unknown_intent_is_reported_and_changes_nothing(monkeypatch, caplog):
    fake_client(monkeypatch, None)
    monkeypatch.setattr(payments.funding, "find_record", lambda _pid: None)
    monkeypatch.setattr(payments.funding, "settle", lambda _p: pytest.fail("nothing may be settled"))
    assert payments.process("pi_nope", "evt_forged") == "unknown_payment"
    assert "pi_nope" in caplog.text


def test_a_body_that_disagrees_with_stripe_is_logged_and_stripe_wins(monkeypatch, caplog):
    fake_client(monkeypatch, intent())
    settled = []
    monkeypatch.setattr(payments.funding, "settle", lambda p: settled.append(p) or "applied")
    forged = payments.notice(recorded("payment_intent.succeeded")).model_copy(update={"claimed_amount": 9_999_999_999})
    assert payments.process("pi_3QxSample0001", "evt_forged", claimed=forged) == "applied"
    assert settled[0].received == 2500
    assert "disagrees with Stripe" in caplog.text and "9999999999" in caplog.text
