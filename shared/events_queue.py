"""The storage queue `payment-events` between the Stripe webhook and the funding function.

Messages are base64-encoded JSON, as the Functions host reads them (host.json messageEncoding)."""

from __future__ import annotations

import base64

from shared.clients import queue_service
from shared.funding import PaymentEvent

PAYMENT_EVENTS = "payment-events"
POISON = f"{PAYMENT_EVENTS}-poison"


def encode(event: PaymentEvent) -> str:
    return base64.b64encode(event.model_dump_json().encode()).decode()


def enqueue(event: PaymentEvent) -> None:
    queue_service().get_queue_client(PAYMENT_EVENTS).send_message(encode(event), timeout=5)


def replay_poison(limit: int = 10_000) -> dict[str, int]:
    """Move messages from the poison queue back to `payment-events`, bodies unchanged."""
    service = queue_service()
    poison, target = service.get_queue_client(POISON), service.get_queue_client(PAYMENT_EVENTS)
    moved = 0
    while moved < limit:
        batch = list(poison.receive_messages(max_messages=32, visibility_timeout=60))
        if not batch:
            break
        for msg in batch:
            target.send_message(msg.content)
            poison.delete_message(msg.id, msg.pop_receipt)
            moved += 1
    return {"moved": moved, "left_in_poison": poison.get_queue_properties().approximate_message_count}
