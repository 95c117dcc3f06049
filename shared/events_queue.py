"""The storage queue `payment-events` between the Stripe webhook and the funding function.

A message is a notice that a PaymentIntent may have changed; the worker reads the PaymentIntent
from Stripe and settles what Stripe says. Messages are base64-encoded JSON, as the Functions host
reads them (host.json messageEncoding)."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable

from pydantic import BaseModel, Field

from shared.clients import queue_service

log = logging.getLogger(__name__)

PAYMENT_EVENTS = "payment-events"
POISON = f"{PAYMENT_EVENTS}-poison"


class PaymentNotice(BaseModel):
    """A verified Stripe event reduced to the PaymentIntent it concerns. The claimed_* fields are
    what the event body said: logged when Stripe disagrees, never applied."""

    event_id: str = Field(min_length=1, max_length=255)
    type: str = Field(min_length=1, max_length=100)
    created: int = Field(gt=0)
    payment_intent: str = Field(min_length=1, max_length=255)
    charge: str | None = Field(default=None, max_length=255, description="The failed charge, for a decline")
    claimed_amount: int | None = None
    claimed_currency: str | None = Field(default=None, max_length=64)
    claimed_story: str | None = Field(default=None, max_length=64)


def encode(notice: PaymentNotice) -> str:
    return base64.b64encode(notice.model_dump_json().encode()).decode()


def decode(body: bytes | str) -> PaymentNotice:
    """Raises pydantic.ValidationError for a message that is not a notice."""
    return PaymentNotice.model_validate_json(body)


def enqueue(notice: PaymentNotice) -> None:
    queue_service().get_queue_client(PAYMENT_EVENTS).send_message(encode(notice), timeout=5)


def poison_count() -> int:
    """Messages waiting in payment-events-poison (approximate, as the service counts them)."""
    return queue_service().get_queue_client(POISON).get_queue_properties().approximate_message_count or 0


def replay_poison(
    handle: Callable[[PaymentNotice], object], limit: int = 10_000, progress: Callable[[str], None] = lambda _: None
) -> dict[str, int]:
    """Handle each poison message once, here and now: handled ones are deleted, ones that fail again
    are reported and left in the poison queue (never sent round again)."""
    poison = queue_service().get_queue_client(POISON)
    report = {"handled": 0, "failed": 0}
    failed: list = []
    while report["handled"] + report["failed"] < limit:
        # Hidden for the rest of the run, so that a message that fails again is not read twice.
        batch = list(poison.receive_messages(max_messages=32, visibility_timeout=300))
        if not batch:
            break
        for msg in batch:
            try:
                notice = decode(base64.b64decode(msg.content))
                handle(notice)
            except Exception as exc:  # noqa: BLE001 - every failure is reported, the run goes on
                report["failed"] += 1
                progress(f"  still failing: message {msg.id}: {type(exc).__name__}: {exc}")
                log.warning("poison message %s fails again: %s", msg.id, exc)
                failed.append(msg)
                continue
            poison.delete_message(msg.id, msg.pop_receipt)
            report["handled"] += 1
    for msg in failed:  # visible again for the next run
        poison.update_message(msg.id, msg.pop_receipt, visibility_timeout=0)
    report["left_in_poison"] = poison.get_queue_properties().approximate_message_count or 0
    return report
