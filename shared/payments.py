"""Stripe: the API client, webhook signature checks, and the digest of an event that goes on the queue."""

from __future__ import annotations

import re
import time
from functools import lru_cache
from typing import Any

from shared.funding import ACCEPTED_TYPES, PaymentEvent
from shared.settings import get_settings

SIGNATURE_TOLERANCE = 300  # seconds, in both directions
ZERO_DECIMAL = {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF",
                "XOF", "XPF"}


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


def digest(event: dict[str, Any]) -> PaymentEvent | None:
    """The small queue message for an accepted event type, None for the others.
    Raises pydantic.ValidationError if an accepted event lacks what we need."""
    kind = event.get("type")
    if kind not in ACCEPTED_TYPES:
        return None
    obj = event["data"]["object"]
    if kind == "payment_intent.succeeded" and not (obj.get("metadata") or {}).get("story_id"):
        return None  # a payment that is not a donation through this portal
    if not _id(obj.get("payment_intent") if kind != "payment_intent.succeeded" else obj.get("id")):
        return None  # a charge or dispute without a PaymentIntent cannot be one of ours
    common = {"event_id": event.get("id"), "type": kind, "created": event.get("created"),
              "currency": obj.get("currency"), "metadata": obj.get("metadata") or {}}
    if kind == "payment_intent.succeeded":
        return PaymentEvent(**common, payment_intent=obj.get("id"), charge=_id(obj.get("latest_charge")),
                            amount=obj.get("amount_received") or obj.get("amount"))
    if kind == "charge.refunded":
        return PaymentEvent(**common, payment_intent=_id(obj.get("payment_intent")), charge=obj.get("id"),
                            amount=obj.get("amount"), amount_refunded=obj.get("amount_refunded") or 0)
    # disputes: the payment's amount and metadata are completed from the PaymentIntent (see `complete`)
    return PaymentEvent(**common, payment_intent=_id(obj.get("payment_intent")), charge=_id(obj.get("charge")),
                        dispute_amount=obj.get("amount") or 0, dispute_status=obj.get("status"))


def complete(event: PaymentEvent) -> PaymentEvent | None:
    """Fill in the payment's amount and metadata from its PaymentIntent when the event lacks them
    (disputes; charges, whose metadata Stripe does not copy from the PaymentIntent).
    None when the payment is not a donation through this portal."""
    if event.amount is not None and event.metadata.get("story_id"):
        return event
    intent = stripe_client().v1.payment_intents.retrieve(event.payment_intent)
    metadata = {**dict(intent.metadata or {}), **event.metadata}
    if not metadata.get("story_id"):
        return None
    return event.model_copy(update={"amount": event.amount or intent.amount, "metadata": metadata})


def minor_units_per_major(currency: str) -> int:
    return 1 if currency.upper() in ZERO_DECIMAL else 100
