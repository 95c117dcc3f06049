"""The payment pipeline: Stripe's webhook -> the `payment-events` queue -> funding records;
and the daily reconcile that catches any webhook that never arrived."""

import datetime as dt
import logging

import azure.functions as func

from functions.http import endpoint, json_response
from shared import events_queue, payments, reconcile
from shared.errors import DomainError
from shared.settings import get_settings

bp = func.Blueprint()
log = logging.getLogger(__name__)


@bp.route(route="webhooks/stripe", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def stripe_webhook(req: func.HttpRequest) -> func.HttpResponse:
    """Verify, digest, enqueue, answer. Stripe retries anything but a 2xx."""
    try:
        event = payments.verify_webhook(req.get_body(), req.headers.get("stripe-signature"),
                                        get_settings().stripe_webhook_secrets)
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
    outcome = payments.handle(notice)
    log.info("payment event %s (%s) for %s: %s", notice.event_id, notice.type, notice.payment_intent, outcome)


@bp.timer_trigger(schedule="0 30 3 * * *", arg_name="timer", run_on_startup=False)
def daily_reconcile(timer: func.TimerRequest) -> None:
    report = reconcile.reconcile(dt.timedelta(days=3))
    log.info("reconcile: %s", report)
