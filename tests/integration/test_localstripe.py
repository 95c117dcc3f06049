"""The local Stripe (devhost/localstripe_server.py) on Stripe's unhappy paths, over HTTP against the
running stand-in: declining test cards, the disputed-card, charges and expansion, refunds, disputes,
cancelling and listing intents, stored events, and webhook retries."""

from __future__ import annotations

import http.server
import json
import threading
import time
import uuid
from contextlib import contextmanager

import pytest
import requests
import stripe

EXPIRES = {"exp_month": 12, "exp_year": 2034, "cvc": "123"}


@pytest.fixture(scope="module")
def base(stack) -> str:
    return stack.values["STRIPE_API_BASE"]


@pytest.fixture(scope="module")
def auth(stack) -> tuple[str, str]:
    return (stack.values["STRIPE_SECRET_KEY"], "")


@pytest.fixture(scope="module")
def client(stack, base) -> stripe.StripeClient:
    return stripe.StripeClient(stack.values["STRIPE_SECRET_KEY"], base_addresses={"api": base})


@pytest.fixture
def since() -> int:
    """A lower bound for `created` of what the test makes."""
    return int(time.time()) - 1


def wait_for(predicate, timeout: float = 8.0, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(every)


def new_intent(client, amount: int = 2500, **params):
    return client.v1.payment_intents.create(params={"amount": amount, "currency": "usd", "payment_method_types": ["card"], **params})


def pay(base, auth, intent_id: str, number: str) -> requests.Response:
    """Confirm with the card's details in payment_method_data, as a server-side integration would."""
    card = {f"payment_method_data[card][{k}]": str(v) for k, v in {"number": number, **EXPIRES}.items()}
    return requests.post(
        f"{base}/v1/payment_intents/{intent_id}/confirm", auth=auth, data={"payment_method_data[type]": "card", **card}, timeout=10
    )


def paid_intent(client, base, auth, amount: int = 5000, number: str = "4242424242424242", **params) -> dict:
    intent = new_intent(client, amount, **params)
    r = pay(base, auth, intent.id, number)
    assert r.status_code == 200 and r.json()["status"] == "succeeded", r.text
    return r.json()


def events_of(client, kind: str, since: int, object_id: str | None = None) -> list[dict]:
    """Stored events of one type since `since` (as the SDK and `ops reconcile` list them), optionally about one object."""
    listed = client.v1.events.list(params={"type": kind, "created": {"gte": since}, "limit": 100})
    events = [e.to_dict() for e in listed.auto_paging_iter()]
    return [e for e in events if object_id is None or e["data"]["object"]["id"] == object_id]


def test_an_unknown_id_is_resource_missing(base, auth):
    r = requests.get(f"{base}/v1/payment_intents/pi_doesnotexist", auth=auth, timeout=10)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "resource_missing"
    assert r.json()["error"]["type"] == "invalid_request_error"


# -- 1. declining test cards -------------------------------------------------------------------------------

DECLINED = [  # number, code, decline_code, message (Stripe's testing docs)
    ("4000000000000002", "card_declined", "generic_decline", "Your card was declined."),
    ("4000000000009995", "card_declined", "insufficient_funds", "Your card has insufficient funds."),
    ("4000000000000069", "expired_card", None, "Your card has expired."),
    ("4000000000000127", "incorrect_cvc", None, "Your card's security code is incorrect."),
    ("4000000000000119", "processing_error", None, "An error occurred while processing your card. Try again in a little bit."),
    ("4000000000000341", "card_declined", "generic_decline", "Your card was declined."),
]


@pytest.mark.parametrize("number,code,decline_code,message", DECLINED, ids=[d[0][-4:] for d in DECLINED])
def test_a_declining_card_is_a_402_card_error_and_leaves_the_intent_unpaid(client, base, auth, number, code, decline_code, message):
    intent = new_intent(client, metadata={"story_id": "s-decline"})
    r = pay(base, auth, intent.id, number)

    assert r.status_code == 402, r.text
    error = r.json()["error"]
    assert (error["type"], error["code"], error.get("decline_code"), error["message"]) == ("card_error", code, decline_code, message)
    assert error["charge"].startswith("ch_")
    assert error["payment_method"]["card"]["last4"] == number[-4:]
    assert error["payment_intent"]["id"] == intent.id
    assert error["payment_intent"]["status"] == "requires_payment_method"

    after = client.v1.payment_intents.retrieve(intent.id).to_dict()
    assert after["status"] == "requires_payment_method"
    assert after["payment_method"] is None
    assert after["amount_received"] == 0
    failure = after["last_payment_error"]
    assert (failure["type"], failure["code"], failure.get("decline_code"), failure["message"]) == (
        "card_error",
        code,
        decline_code,
        message,
    )
    assert failure["charge"] == error["charge"] == after["latest_charge"]
    assert failure["payment_method"]["card"]["last4"] == number[-4:]
    assert failure["payment_method"]["card"]["fingerprint"] == error["payment_method"]["card"]["fingerprint"]
    charge = client.v1.charges.retrieve(error["charge"]).to_dict()
    assert (charge["status"], charge["paid"], charge["failure_code"]) == ("failed", False, code)
    assert charge["metadata"] == {}


def test_stripe_js_confirm_with_the_publishable_key_declines_0002(stack, client, base):
    """What the portal's Stripe.js shim sends: JSON with the publishable key and the client secret."""
    intent = new_intent(client)
    r = requests.post(
        f"{base}/v1/payment_intents/{intent.id}/confirm",
        timeout=10,
        data=json.dumps(
            {
                "key": stack.values["STRIPE_PUBLISHABLE_KEY"],
                "client_secret": intent.client_secret,
                "payment_method_data": {
                    "type": "card",
                    "card": {"number": "4000000000000002", "exp_month": "12", "exp_year": "34", "cvc": "123"},
                },
            }
        ),
    )
    assert r.status_code == 402
    assert (r.json()["error"]["type"], r.json()["error"]["decline_code"]) == ("card_error", "generic_decline")


@pytest.mark.parametrize("number,code,decline_code,message", DECLINED[:3], ids=[d[0][-4:] for d in DECLINED[:3]])
def test_create_with_confirm_and_a_payment_method_declines_the_same(client, number, code, decline_code, message):
    pm = client.v1.payment_methods.create(params={"type": "card", "card": {"number": number, **EXPIRES}})
    with pytest.raises(stripe.CardError) as raised:
        new_intent(client, payment_method=pm.id, confirm=True)
    assert raised.value.http_status == 402
    assert (raised.value.code, raised.value.error.decline_code, raised.value.error.message) == (code, decline_code, message)
    intent = raised.value.error.payment_intent
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.payment_method.id == pm.id


@pytest.mark.parametrize(
    "test_pm,code,decline_code",
    [
        ("pm_card_visa_chargeDeclined", "card_declined", "generic_decline"),
        ("pm_card_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds"),
        ("pm_card_chargeDeclinedExpiredCard", "expired_card", None),
    ],
)
def test_stripes_test_payment_method_ids_decline(client, test_pm, code, decline_code):
    with pytest.raises(stripe.CardError) as raised:
        new_intent(client, payment_method=test_pm, confirm=True)
    assert (raised.value.code, raised.value.error.decline_code) == (code, decline_code)


def test_a_decline_emits_payment_failed_with_the_error(client, base, auth, since):
    intent = new_intent(client, metadata={"story_id": "s-failed"})
    assert pay(base, auth, intent.id, "4000000000009995").status_code == 402

    [event] = events_of(client, "payment_intent.payment_failed", since, intent.id)
    assert event["id"].startswith("evt_") and event["object"] == "event"
    assert event["livemode"] is False and event["created"] >= since and event["api_version"]
    assert isinstance(event["pending_webhooks"], int) and set(event["request"]) == {"id", "idempotency_key"}
    failed = event["data"]["object"]
    assert failed["status"] == "requires_payment_method"
    assert failed["metadata"] == {"story_id": "s-failed"}
    assert (failed["last_payment_error"]["code"], failed["last_payment_error"]["decline_code"]) == (
        "card_declined",
        "insufficient_funds",
    )
    assert failed["last_payment_error"]["payment_method"]["card"]["last4"] == "9995"


def test_after_a_decline_the_same_intent_can_be_paid_with_another_card(client, base, auth):
    intent = new_intent(client)
    assert pay(base, auth, intent.id, "4000000000000002").status_code == 402
    r = pay(base, auth, intent.id, "4242424242424242")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "succeeded" and r.json()["last_payment_error"] is None
    again = pay(base, auth, intent.id, "4242424242424242")
    assert again.status_code == 400 and again.json()["error"]["code"] == "payment_intent_unexpected_state"


def test_0341_attaches_to_a_customer_but_charging_it_fails(client):
    customer = client.v1.customers.create(params={"email": "donor@example.org"})
    pm = client.v1.payment_methods.create(params={"type": "card", "card": {"number": "4000000000000341", **EXPIRES}})
    attached = client.v1.payment_methods.attach(pm.id, params={"customer": customer.id})
    assert attached.customer == customer.id
    with pytest.raises(stripe.CardError) as raised:
        new_intent(client, customer=customer.id, payment_method=pm.id, confirm=True)
    assert (raised.value.code, raised.value.error.decline_code) == ("card_declined", "generic_decline")

    # whereas the other declining cards are refused when attached, with their own codes
    expired = client.v1.payment_methods.create(params={"type": "card", "card": {"number": "4000000000000069", **EXPIRES}})
    with pytest.raises(stripe.CardError) as refused:
        client.v1.payment_methods.attach(expired.id, params={"customer": customer.id})
    assert refused.value.code == "expired_card"


def test_0259_succeeds_and_is_then_disputed_as_fraudulent(client, base, auth, since):
    intent = paid_intent(client, base, auth, amount=3300, number="4000000000000259")
    assert client.v1.charges.retrieve(intent["latest_charge"]).disputed is False  # not yet: "moments" later

    disputes = wait_for(lambda: client.v1.disputes.list(params={"payment_intent": intent["id"]}).data)
    assert len(disputes) == 1
    dispute = disputes[0].to_dict()
    assert dispute["id"].startswith("du_") and dispute["object"] == "dispute"
    assert (dispute["reason"], dispute["status"], dispute["amount"], dispute["currency"]) == (
        "fraudulent",
        "needs_response",
        3300,
        "usd",
    )
    assert (dispute["charge"], dispute["payment_intent"]) == (intent["latest_charge"], intent["id"])
    assert dispute["livemode"] is False and dispute["metadata"] == {} and dispute["evidence"] == {}
    assert dispute["is_charge_refundable"] is False and dispute["created"] >= since
    assert client.v1.charges.retrieve(intent["latest_charge"]).disputed is True
    [created] = events_of(client, "charge.dispute.created", since, dispute["id"])
    assert created["data"]["object"]["status"] == "needs_response"


# -- 2. a succeeded intent and its charge ------------------------------------------------------------------


def test_a_succeeded_intent_has_amount_received_and_an_expandable_latest_charge(client, base, auth):
    intent = paid_intent(client, base, auth, amount=4200, metadata={"story_id": "s-charge", "need": "food"})
    assert intent["amount_received"] == 4200
    assert isinstance(intent["latest_charge"], str) and intent["latest_charge"].startswith("ch_")

    plain = client.v1.payment_intents.retrieve(intent["id"])
    assert plain.latest_charge == intent["latest_charge"]
    expanded = client.v1.payment_intents.retrieve(intent["id"], params={"expand": ["latest_charge"]})
    charge = expanded.latest_charge.to_dict()
    assert charge["id"] == intent["latest_charge"] and charge["object"] == "charge"
    assert (charge["amount"], charge["amount_captured"], charge["amount_refunded"]) == (4200, 4200, 0)
    assert (charge["refunded"], charge["disputed"], charge["paid"], charge["livemode"]) == (False, False, True, False)
    assert (charge["status"], charge["currency"], charge["payment_intent"]) == ("succeeded", "usd", intent["id"])
    assert charge["metadata"] == {}  # Stripe does not copy the intent's metadata onto the charge
    assert expanded.metadata.to_dict() == {"story_id": "s-charge", "need": "food"}
    assert charge["payment_method_details"]["card"]["last4"] == "4242"

    # the fingerprint identifies the card number, whichever PaymentMethod carries it
    def fingerprint(number):
        return client.v1.payment_methods.create(params={"type": "card", "card": {"number": number, **EXPIRES}}).card.fingerprint

    assert charge["payment_method_details"]["card"]["fingerprint"] == fingerprint("4242424242424242")
    assert charge["payment_method_details"]["card"]["fingerprint"] != fingerprint("4000000000000002")

    # the same over plain HTTP, with expand[]=
    r = requests.get(f"{base}/v1/payment_intents/{intent['id']}", params={"expand[]": "latest_charge"}, auth=auth, timeout=10)
    assert r.json()["latest_charge"]["id"] == intent["latest_charge"]


# -- 3. refunds --------------------------------------------------------------------------------------------


def test_partial_refunds_then_the_remainder_then_nothing_more(client, base, auth, since):
    intent = paid_intent(client, base, auth, amount=5000, metadata={"story_id": "s-refund"})
    charge_id = intent["latest_charge"]

    first = client.v1.refunds.create(params={"payment_intent": intent["id"], "amount": 1000})
    second = client.v1.refunds.create(params={"charge": charge_id, "amount": 1500, "reason": "requested_by_customer"})
    rest = client.v1.refunds.create(params={"payment_intent": intent["id"]})  # no amount: what remains
    for refund, amount in ((first, 1000), (second, 1500), (rest, 2500)):
        refund = refund.to_dict()
        assert refund["id"].startswith("re_") and refund["object"] == "refund"
        assert (refund["amount"], refund["charge"], refund["payment_intent"]) == (amount, charge_id, intent["id"])
        assert (refund["currency"], refund["status"]) == ("usd", "succeeded")
    assert second.reason == "requested_by_customer"

    charge = client.v1.charges.retrieve(charge_id)
    assert (charge.amount_refunded, charge.refunded) == (5000, True)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.refunds.create(params={"payment_intent": intent["id"]})
    assert refused.value.http_status == 400 and refused.value.code == "charge_already_refunded"

    refunded = events_of(client, "charge.refunded", since, charge_id)
    assert sorted(e["data"]["object"]["amount_refunded"] for e in refunded) == [1000, 2500, 5000]
    assert all(e["data"]["object"]["metadata"] == {} for e in refunded)
    assert all(e["data"]["object"]["payment_intent"] == intent["id"] for e in refunded)
    assert [e["data"]["object"]["refunded"] for e in sorted(refunded, key=lambda e: e["data"]["object"]["amount_refunded"])] == [
        False,
        False,
        True,
    ]
    created = [e for e in events_of(client, "refund.created", since) if e["data"]["object"]["charge"] == charge_id]
    assert sorted(e["data"]["object"]["amount"] for e in created) == [1000, 1500, 2500]


def test_a_refund_above_what_remains_is_refused_and_changes_nothing(client, base, auth):
    intent = paid_intent(client, base, auth, amount=5000)
    client.v1.refunds.create(params={"payment_intent": intent["id"], "amount": 4000})
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.refunds.create(params={"payment_intent": intent["id"], "amount": 2000})
    assert refused.value.http_status == 400 and refused.value.param == "amount"
    assert client.v1.charges.retrieve(intent["latest_charge"]).amount_refunded == 4000

    unpaid = new_intent(client)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.refunds.create(params={"payment_intent": unpaid.id})


# -- 4. disputes -------------------------------------------------------------------------------------------


def open_dispute(base, auth, **target) -> dict:
    """The test helper; like localstripe's /_config/ it needs no key (`auth` is accepted too)."""
    r = requests.post(f"{base}/_test/disputes", data=target, auth=auth, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_dispute_won_with_winning_evidence(client, base, auth, since):
    intent = paid_intent(client, base, auth, amount=2700, metadata={"story_id": "s-won"})
    dispute = open_dispute(base, auth, payment_intent=intent["id"])
    assert (dispute["status"], dispute["amount"], dispute["charge"]) == ("needs_response", 2700, intent["latest_charge"])
    assert client.v1.charges.retrieve(intent["latest_charge"]).disputed is True
    with pytest.raises(stripe.InvalidRequestError) as refused:  # a disputed charge cannot be refunded
        client.v1.refunds.create(params={"payment_intent": intent["id"]})
    assert refused.value.code == "charge_disputed"

    by_charge = client.v1.disputes.list(params={"charge": intent["latest_charge"]}).data
    by_intent = client.v1.disputes.list(params={"payment_intent": intent["id"]}).data
    assert [d.id for d in by_charge] == [d.id for d in by_intent] == [dispute["id"]]

    updated = client.v1.disputes.update(
        dispute["id"], params={"evidence": {"uncategorized_text": "winning_evidence"}, "metadata": {"case": "42"}}
    )
    assert updated.status == "under_review" and updated.metadata.to_dict() == {"case": "42"}
    assert updated.evidence.uncategorized_text == "winning_evidence"
    assert wait_for(lambda: client.v1.disputes.retrieve(dispute["id"]).status == "won")

    [opened] = events_of(client, "charge.dispute.created", since, dispute["id"])
    [closed] = events_of(client, "charge.dispute.closed", since, dispute["id"])
    assert opened["data"]["object"]["status"] == "needs_response"
    assert closed["data"]["object"]["status"] == "won" and closed["data"]["object"]["payment_intent"] == intent["id"]


def test_a_dispute_lost_with_losing_evidence_or_by_closing_it(client, base, auth, since):
    first = paid_intent(client, base, auth, amount=1200)
    second = paid_intent(client, base, auth, amount=1300)
    losing = open_dispute(base, None, charge=first["latest_charge"])
    accepted = open_dispute(base, auth, payment_intent=second["id"], reason="product_not_received")
    assert accepted["reason"] == "product_not_received"

    client.v1.disputes.update(losing["id"], params={"evidence": {"uncategorized_text": "losing_evidence"}})
    closed = client.v1.disputes.close(accepted["id"])
    assert closed.status == "lost"
    assert wait_for(lambda: client.v1.disputes.retrieve(losing["id"]).status == "lost")
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.disputes.close(accepted["id"])  # already closed

    statuses = {e["data"]["object"]["id"]: e["data"]["object"]["status"] for e in events_of(client, "charge.dispute.closed", since)}
    assert statuses[losing["id"]] == statuses[accepted["id"]] == "lost"
    again = requests.post(f"{base}/_test/disputes", data={"charge": first["latest_charge"]}, auth=auth, timeout=10)
    assert again.status_code == 400  # one dispute per charge


# -- 7. cancelling and listing intents ---------------------------------------------------------------------


def test_cancel_in_each_cancelable_state_emits_canceled(client, base, auth, since):
    fresh = new_intent(client)  # requires_payment_method
    ready = new_intent(client, payment_method="pm_card_visa")  # requires_confirmation
    three_ds = new_intent(client)
    r = pay(base, auth, three_ds.id, "4000002500003155")  # 3-D Secure required: requires_action
    assert r.json()["status"] == "requires_action"
    assert (fresh.status, ready.status) == ("requires_payment_method", "requires_confirmation")

    for intent in (fresh, ready, three_ds):
        canceled = client.v1.payment_intents.cancel(intent.id, params={"cancellation_reason": "abandoned"})
        assert (canceled.status, canceled.cancellation_reason) == ("canceled", "abandoned")
        assert canceled.canceled_at >= since
        [event] = events_of(client, "payment_intent.canceled", since, intent.id)
        assert event["data"]["object"]["status"] == "canceled"

    paid = paid_intent(client, base, auth)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.payment_intents.cancel(paid["id"])
    assert refused.value.code == "payment_intent_unexpected_state"


def test_intents_are_listed_newest_first_with_their_metadata(client, since):
    story = f"s-list-{uuid.uuid4().hex[:8]}"
    made = [new_intent(client, amount=1000 + i, metadata={"story_id": story, "n": str(i)}).id for i in range(3)]

    page = client.v1.payment_intents.list(params={"limit": 2, "created": {"gte": since}})
    assert len(page.data) == 2 and page.has_more
    listed = [
        pi
        for pi in client.v1.payment_intents.list(params={"created": {"gte": since}, "limit": 2}).auto_paging_iter()
        if pi.metadata.to_dict().get("story_id") == story
    ]
    assert [pi.id for pi in listed] == made[::-1]
    assert [pi.metadata["n"] for pi in listed] == ["2", "1", "0"]
    assert all(pi.status == "requires_payment_method" for pi in listed)
    assert client.v1.payment_intents.list(params={"created": {"gt": int(time.time()) + 60}}).data == []


# -- 5. events ---------------------------------------------------------------------------------------------


def test_events_are_listed_newest_first(client, base, auth, since):
    intent = new_intent(client)
    client.v1.payment_intents.cancel(intent.id)
    later = new_intent(client)
    time.sleep(1.1)  # `created` is in whole seconds
    client.v1.payment_intents.cancel(later.id)
    ids = [e["data"]["object"]["id"] for e in events_of(client, "payment_intent.canceled", since)]
    assert ids.index(later.id) < ids.index(intent.id)


# -- 6. webhook deliveries ---------------------------------------------------------------------------------


class Endpoint:
    """A local webhook endpoint that records every delivery and answers as told."""

    def __init__(self, answer=lambda endpoint, body: 200, port: int = 0):
        self.deliveries: list[tuple[float, str, bytes]] = []
        self.answer = answer
        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                endpoint.deliveries.append((time.monotonic(), self.headers.get("Stripe-Signature"), body))
                self.send_response(endpoint.answer(endpoint, body))
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def about(self, object_id: str) -> list[tuple[float, str, bytes]]:
        return [d for d in self.deliveries if json.loads(d[2])["data"]["object"].get("id") == object_id]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def webhook(stack, endpoint_url: str, webhook_id: str):
    from devhost.services import register_stripe_webhook

    register_stripe_webhook(stack.values, endpoint_url, webhook_id=webhook_id)
    try:
        yield
    finally:  # the stack's own "devhost" endpoint is left as it was
        requests.delete(f"{stack.values['STRIPE_API_BASE']}/_config/webhooks/{webhook_id}", timeout=10)


def fails_twice_per_event(endpoint, body: bytes) -> int:
    event_id = json.loads(body)["id"]
    return 500 if sum(json.loads(d[2])["id"] == event_id for d in endpoint.deliveries) <= 2 else 200


def test_a_refused_delivery_is_retried_with_backoff_each_try_freshly_signed(stack, client):
    secret = stack.values["STRIPE_WEBHOOK_SECRETS"].split(",")[0].strip()
    endpoint = Endpoint(fails_twice_per_event)
    try:
        with webhook(stack, endpoint.url, "retrytest"):
            intent = new_intent(client)
            client.v1.payment_intents.cancel(intent.id)
            assert wait_for(lambda: len(endpoint.about(intent.id)) >= 3, timeout=15)
            time.sleep(0.3)
        deliveries = endpoint.about(intent.id)
    finally:
        endpoint.close()

    assert len(deliveries) == 3
    bodies = {body for _, _, body in deliveries}
    assert len(bodies) == 1 and json.loads(bodies.pop())["type"] == "payment_intent.canceled"
    for _, header, body in deliveries:
        stripe.WebhookSignature.verify_header(body.decode(), header, secret, tolerance=300)
    stamps = [int(dict(p.split("=", 1) for p in header.split(","))["t"]) for _, header, _ in deliveries]
    assert stamps[0] < stamps[1] < stamps[2]  # a fresh timestamp on each try
    gaps = [b[0] - a[0] for a, b in zip(deliveries, deliveries[1:], strict=False)]
    assert 0.8 <= gaps[0] < 1.8 and 1.8 <= gaps[1] < 3.5, gaps  # ~1 s, then ~2 s


def test_an_unreachable_endpoint_is_retried_until_it_answers(stack, client):
    probe = Endpoint()
    port = probe.server.server_address[1]
    probe.close()  # nothing listens on `port` now
    with webhook(stack, f"http://127.0.0.1:{port}/hook", "unreachable"):
        intent = new_intent(client)
        client.v1.payment_intents.cancel(intent.id)
        time.sleep(1.5)  # the first try (after 1 s) has failed
        endpoint = Endpoint(port=port)
        try:
            assert wait_for(lambda: endpoint.about(intent.id), timeout=8)
        finally:
            endpoint.close()


def test_a_slow_endpoint_does_not_hold_up_another(stack, client):
    def slowly(endpoint, body):
        time.sleep(3)
        return 200

    slow, fast = Endpoint(slowly), Endpoint()
    try:
        with webhook(stack, slow.url, "slow"), webhook(stack, fast.url, "fast"):
            intent = new_intent(client)
            started = time.monotonic()
            client.v1.payment_intents.cancel(intent.id)
            assert wait_for(lambda: fast.about(intent.id), timeout=8)
            assert time.monotonic() - started < 2.5
            assert wait_for(lambda: slow.about(intent.id), timeout=8)
    finally:
        slow.close()
        fast.close()
