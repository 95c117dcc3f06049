"""The payment pipeline: Stripe's webhook -> the `payment-events` queue -> funding records;
and the daily reconcile that catches any webhook that never arrived."""

import datetime as dt
import json
import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

import azure.functions as func

from functions.http import endpoint, json_response
from shared import events_queue, payments, reconcile, telemetry
from shared.errors import DomainError
from shared.settings import get_settings

bp = func.Blueprint()
log = logging.getLogger(__name__)


@bp.route(route="webhooks/stripe", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def stripe_webhook(req: func.HttpRequest) -> func.HttpResponse:
    """Verify, digest, enqueue, answer. Stripe retries anything but a 2xx."""
    try:
        event = payments.verify_webhook(req.get_body(), req.headers.get("stripe-signature"), get_settings().stripe_webhook_secrets)
    except payments.SignatureError as exc:
        log.warning("webhook rejected: %s", exc)
        raise DomainError("invalid_signature", f"Webhook rejected: {exc}") from None
    try:
        message = payments.notice(event)
    except ValueError as exc:  # a handled type without what we need
        log.warning("webhook event %s lacks required fields: %s", event.get("id"), exc)
        raise DomainError("invalid_event", "The event lacks required fields") from None
    if message is None:
        return json_response({"received": True, "ignored": event.get("type")})
    try:
        events_queue.enqueue(message)
    except Exception:
        log.exception("could not enqueue %s", message.event_id)
        raise DomainError("queue_unavailable", "Could not accept the event now; retry later") from None
    return json_response({"received": True})


@bp.queue_trigger(arg_name="msg", queue_name=events_queue.PAYMENT_EVENTS, connection="AzureWebJobsStorage")
def apply_payment_event(msg: func.QueueMessage) -> None:
    """Settle the PaymentIntent as Stripe says it is now (or count a decline). Exactly once in effect;
    raising makes the host retry, then poison the message."""
    notice = events_queue.decode(msg.get_body())
    ids: dict[str, Any] = {
        "event_id": notice.event_id,
        "event_type": notice.type,
        "payment_intent": notice.payment_intent,
        "story_id": notice.claimed_story,
    }
    try:
        outcome = payments.handle(notice)
    except Exception as exc:
        last_try = (getattr(msg, "dequeue_count", None) or 0) >= max_dequeue_count()
        telemetry.record("payment_event", outcome="poisoned" if last_try else "retry", reason=type(exc).__name__, **ids)
        if last_try:  # the host moves it to payment-events-poison now
            telemetry.record("payments_poisoned", event_id=notice.event_id, reason=type(exc).__name__)
        raise
    # The one line per payment event: ids and the outcome, never donor data.
    telemetry.record("payment_event", message="payment event", outcome=outcome, **ids)
    counted: dict[str, telemetry.Metric] = {
        "applied": "payments_applied",
        "held": "payments_held",
        "decline_recorded": "card_declines",
    }
    if outcome in counted:
        telemetry.record(counted[outcome], event_id=notice.event_id, story_id=notice.claimed_story)


@lru_cache(maxsize=1)
def max_dequeue_count() -> int:
    """host.json's queues.maxDequeueCount: the try after which the host poisons a message."""
    host = json.loads((Path(__file__).resolve().parent.parent / "host.json").read_text())
    return int(host.get("extensions", {}).get("queues", {}).get("maxDequeueCount", 5))


@bp.timer_trigger(schedule="0 30 3 * * *", arg_name="timer", run_on_startup=False)
def daily_reconcile(timer: func.TimerRequest) -> None:
    report = reconcile.reconcile(dt.timedelta(days=3))
    log.info("reconcile: %s", report)
    telemetry.record("reconcile_corrections", value=report["corrected"], source="daily")
    # Watched by the "reconcile has not run for 26 hours" alert.
    telemetry.record("reconcile_run", outcome="failed" if report["failed"] else "ok", source="daily")
    telemetry.flush()


@bp.timer_trigger(schedule="0 */5 * * * *", arg_name="timer", run_on_startup=False)
def measure_poison_queue(timer: func.TimerRequest) -> None:
    """Every 5 minutes: how many messages wait in payment-events-poison (the alert fires on any)."""
    telemetry.record("payment_events_poison", value=events_queue.poison_count(), queue=events_queue.POISON)
    telemetry.flush()
