"""Stripe, the payment provider: the API client, webhook signatures, and the translation of Stripe's
objects into the funding core's words.

Stripe is the source of truth for money. A webhook event is only a notification that something
happened to a PaymentIntent: `process` reads the PaymentIntent (with its latest charge, and its
disputes when the charge is disputed) and settles what Stripe says now. An event body that claims
something else is logged, never applied. Cost: one Stripe read per event, two when the charge is
disputed.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from functools import lru_cache
from typing import Any, Literal

from shared import funding
from shared.events_queue import PaymentNotice
from shared.settings import get_settings

log = logging.getLogger(__name__)

SIGNATURE_TOLERANCE = 300  # seconds, in both directions
ZERO_DECIMAL = {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"}
# The events that can change what a payment is worth to a story, and the decline the card-testing
# defence counts; all others are acknowledged and ignored.
FUNDING_EVENTS = ("payment_intent.succeeded", "charge.refunded", "charge.dispute.created", "charge.dispute.closed")
DECLINED = "payment_intent.payment_failed"
HANDLED_EVENTS = (*FUNDING_EVENTS, DECLINED)
OPEN_STATUSES = ("requires_payment_method", "requires_confirmation", "requires_action")
OPEN_INTENT_DAYS = 30
Processed = Literal["applied", "held", "unchanged", "not_ours", "unknown_payment"]


class SignatureError(Exception):
    """The webhook is not from Stripe (or too old, or from the future)."""


@lru_cache(maxsize=1)
def stripe_client():
    import stripe

    s = get_settings()
    if not s.stripe_secret_key:
        raise RuntimeError("STRIPE_SECRET_KEY is not set")
    base = {"api": s.stripe_api_base} if s.stripe_api_base else {}
    return stripe.StripeClient(s.stripe_secret_key, base_addresses=base, max_network_retries=2)  # type: ignore[arg-type]


def live_mode() -> bool:
    return (get_settings().stripe_secret_key or "").startswith(("sk_live_", "rk_live_"))


def verify_webhook(payload: bytes, header: str | None, secrets: list[str], now: float | None = None) -> dict[str, Any]:
    """The event, if `header` signs `payload` with one of `secrets` within ±300 s of now."""
    import json

    import stripe

    if not header or not secrets:
        raise SignatureError("missing Stripe-Signature header" if not header else "no webhook secret configured")
    now = time.time() if now is None else now
    timestamps = [p.split("=", 1)[1] for p in header.split(",") if p.strip().startswith("t=")]
    # Exactly one timestamp: the one the signature covers is the one whose age we check.
    if len(timestamps) != 1 or not re.fullmatch(r"\d{1,12}", timestamps[0].strip()):
        raise SignatureError("malformed Stripe-Signature header")
    timestamp = int(timestamps[0])
    if abs(now - timestamp) > SIGNATURE_TOLERANCE:
        raise SignatureError("timestamp outside the tolerance")
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        raise SignatureError("body is not UTF-8") from None
    for secret in secrets:
        try:
            stripe.WebhookSignature.verify_header(text, header, secret, tolerance=None)
            break
        except stripe.SignatureVerificationError:
            continue
    else:
        raise SignatureError("no signature matches")
    try:
        event = json.loads(text)
    except ValueError:
        raise SignatureError("body is not JSON") from None
    data = event.get("data") if isinstance(event, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        raise SignatureError("not a Stripe event")
    return event


def _id(value: Any) -> Any:
    """An expandable field's id, whether Stripe sent the id or the expanded object."""
    return value.get("id") if isinstance(value, dict) else value


def notice(event: dict[str, Any]) -> PaymentNotice | None:
    """The queue message for an event that may change a payment of ours; None for the others.
    The body's amounts are kept as claims, for the log. Raises pydantic.ValidationError when a
    handled event lacks what names its payment."""
    kind = event.get("type")
    if kind not in HANDLED_EVENTS:
        return None
    if bool(event.get("livemode")) != live_mode():
        log.warning("event %s: livemode %s does not match the configured key; ignored", event.get("id"), event.get("livemode"))
        return None
    obj = event["data"]["object"]
    intent = obj.get("id") if kind.startswith("payment_intent.") else _id(obj.get("payment_intent"))
    if not intent:
        return None  # a charge or dispute without a PaymentIntent cannot be one of ours
    claims = {
        "claimed_amount": obj.get("amount_received") or obj.get("amount"),
        "claimed_currency": obj.get("currency"),
        "claimed_story": (obj.get("metadata") or {}).get("story_id"),
    }
    failed_charge = _id((obj.get("last_payment_error") or {}).get("charge")) if kind == DECLINED else None
    return PaymentNotice(
        event_id=str(event.get("id") or ""),
        type=kind,
        created=int(event.get("created") or 0),
        payment_intent=intent,
        charge=failed_charge if isinstance(failed_charge, str) else None,
        **{k: _claim(v) for k, v in claims.items()},
    )


def _claim(value: Any) -> Any:
    """A body's claim as the log may show it: only a plain int or a short string, never a reason to fail."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return None
    return value if isinstance(value, int) else value[:64]


# ------------------------------------------------------------------ Stripe's view of a payment
class PaymentNotFound(Exception):
    """Stripe has no such PaymentIntent."""


def read_payment(intent_id: str, source: str) -> funding.Payment | None:
    """What Stripe says now about a PaymentIntent, in the funding core's words; None when it is not a
    donation through this portal. Raises PaymentNotFound, or stripe errors (transient)."""
    import stripe

    client = stripe_client()
    try:
        intent = client.v1.payment_intents.retrieve(intent_id, params={"expand": ["latest_charge"]}).to_dict()
    except stripe.InvalidRequestError as exc:
        if exc.http_status == 404:
            raise PaymentNotFound(intent_id) from None
        raise
    metadata = intent.get("metadata") or {}
    if not metadata.get("story_id"):
        return None
    if bool(intent.get("livemode")) != live_mode():
        log.warning("payment %s: livemode %s does not match the configured key; ignored", intent_id, intent.get("livemode"))
        return None
    charge = intent.get("latest_charge") if isinstance(intent.get("latest_charge"), dict) else {}
    disputed = 0
    if charge.get("disputed"):
        disputes = client.v1.disputes.list(params={"payment_intent": intent_id, "limit": 100})
        disputed = sum(d.amount for d in disputes.auto_paging_iter() if d.status == "lost")
    return funding.Payment(
        id=intent["id"],
        story_id=metadata["story_id"],
        need=metadata.get("need", ""),
        currency=intent["currency"],
        received=(intent.get("amount_received") or 0) if intent["status"] == "succeeded" else 0,
        created=intent["created"],
        display_name=metadata.get("display_name"),
        refunded=charge.get("amount_refunded") or 0,
        disputed=disputed,
        source=source,
    )


def handle(notice: PaymentNotice) -> str:
    """The one path from a notice to its effect, for the queue, reconcile and replay-poison."""
    if notice.type == DECLINED:
        decline = read_decline(notice)
        if decline is None:
            return "not_ours"
        from shared import defence

        defence.record_decline(decline)
        return "decline_recorded"
    return process(notice.payment_intent, source=notice.event_id, claimed=notice)


def read_decline(notice: PaymentNotice):
    """The declined attempt as Stripe records it: the failed charge's card fingerprint and the
    client the intent was made for. None when the intent is not ours."""
    from shared.defence import Decline

    client = stripe_client()
    try:
        intent = client.v1.payment_intents.retrieve(notice.payment_intent).to_dict()
    except _not_found() as exc:
        if exc.http_status != 404:
            raise
        log.error("decline %s names PaymentIntent %s, which Stripe does not know", notice.event_id, notice.payment_intent)
        return None
    metadata = intent.get("metadata") or {}
    if not metadata.get("story_id"):
        return None
    card = None
    if notice.charge:
        try:
            charge = client.v1.charges.retrieve(notice.charge).to_dict()
        except _not_found() as exc:
            if exc.http_status != 404:
                raise
            charge = {}
        if _id(charge.get("payment_intent")) == notice.payment_intent:
            card = ((charge.get("payment_method_details") or {}).get("card") or {}).get("fingerprint")
    if card is None:  # declined before a charge (e.g. when attaching): the intent's last error says
        error = intent.get("last_payment_error") or {}
        card = (((error.get("payment_method") or {}).get("card")) or {}).get("fingerprint")
    return Decline(event_id=notice.event_id, intent=notice.payment_intent, client=metadata.get("client"), card=card)


def _not_found():
    import stripe

    return stripe.InvalidRequestError


def process(intent_id: str, source: str, claimed: PaymentNotice | None = None) -> Processed:
    """Settle a PaymentIntent as Stripe says it is now: the one path for the queue, reconcile and ops."""
    try:
        payment = read_payment(intent_id, source)
    except PaymentNotFound:
        record = funding.find_record(intent_id)
        if record is None:
            log.error("%s names PaymentIntent %s, which Stripe does not know: nothing applied", source, intent_id)
            return "unknown_payment"
        log.error("funding record %s has no PaymentIntent at Stripe: reversing it", intent_id)
        payment = funding.Payment(
            id=record.id,
            story_id=record.storyId,
            need=record.need,
            currency=record.currency,
            received=0,
            created=record.created,
            source=source,
        )
    if payment is None:
        log.info("%s: PaymentIntent %s is not a donation of ours: ignored", source, intent_id)
        return "not_ours"
    if claimed is not None:
        _log_disagreement(claimed, payment)
    return funding.settle(payment)


def _log_disagreement(claimed: PaymentNotice, payment: funding.Payment) -> None:
    said = {
        "amount": claimed.claimed_amount if claimed.type in ("payment_intent.succeeded", "charge.refunded") else None,
        "currency": (claimed.claimed_currency or "").upper() or None,
        "story": claimed.claimed_story,
    }
    truth = {"amount": payment.received, "currency": payment.currency.upper(), "story": payment.story_id}
    differs = [f"{k} {said[k]!r} (Stripe: {truth[k]!r})" for k in said if said[k] is not None and said[k] != truth[k]]
    if differs:
        log.warning("event %s disagrees with Stripe, applied as Stripe says: %s", claimed.event_id, ", ".join(differs))


# ------------------------------------------------------------------ what ops ask of Stripe
def refund(intent_id: str) -> int:
    """Refund what is left of a payment; the amount refunded now (0 when nothing was left)."""
    client = stripe_client()
    intent = client.v1.payment_intents.retrieve(intent_id, params={"expand": ["latest_charge"]}).to_dict()
    charge = intent.get("latest_charge") if isinstance(intent.get("latest_charge"), dict) else {}
    left = (charge.get("amount") or 0) - (charge.get("amount_refunded") or 0)
    if intent.get("status") != "succeeded" or left <= 0:
        return 0
    client.v1.refunds.create(
        params={"payment_intent": intent_id, "amount": left},
        options={"idempotency_key": f"refund-{intent_id}-{charge.get('amount_refunded') or 0}"},
    )
    return left


def cancel_intent(intent_id: str) -> bool:
    """Cancel an intent that can still be paid; False when Stripe says it cannot be (paid, cancelled)."""
    import stripe

    try:
        stripe_client().v1.payment_intents.cancel(intent_id)
        return True
    except stripe.InvalidRequestError as exc:
        log.info("could not cancel %s: %s", intent_id, exc)
        return False


def cancel_open_intents(story_id: str) -> int:
    """Cancel the story's PaymentIntents that can still be paid (created in the last 30 days)."""
    client = stripe_client()
    since = int((dt.datetime.now(dt.UTC) - dt.timedelta(days=OPEN_INTENT_DAYS)).timestamp())
    cancelled = 0
    for intent in client.v1.payment_intents.list(params={"limit": 100, "created": {"gte": since}}).auto_paging_iter():
        if intent.status in OPEN_STATUSES and (intent.to_dict().get("metadata") or {}).get("story_id") == story_id:
            cancelled += cancel_intent(intent.id)  # False when paid or cancelled meanwhile
    return cancelled


def minor_units_per_major(currency: str) -> int:
    return 1 if currency.upper() in ZERO_DECIMAL else 100
