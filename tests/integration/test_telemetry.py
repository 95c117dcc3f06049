"""Telemetry lines from the payment triggers, against the local services (no Application Insights:
the lines go to the log, which is what the alerts query in Azure)."""

from __future__ import annotations

import logging

import pytest
from azure.functions.queue import QueueMessage

from shared import events_queue
from shared.events_queue import PaymentNotice


def telemetry_lines(caplog, metric: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "secondchance.telemetry" and getattr(r, "metric", None) == metric]


def test_poison_queue_length_is_measured(stack, caplog):
    from functions.payments import measure_poison_queue
    from shared.clients import queue_service

    caplog.set_level(logging.INFO, logger="secondchance.telemetry")
    before = events_queue.poison_count()
    poison = queue_service().get_queue_client(events_queue.POISON)
    sent = poison.send_message("dGVsZW1ldHJ5IHRlc3Q=")
    try:
        measure_poison_queue(None)  # type: ignore[arg-type]  # the timer argument is not used
    finally:
        poison.delete_message(sent.id, sent.pop_receipt)
    [line] = telemetry_lines(caplog, "payment_events_poison")
    assert line.value == before + 1 and line.queue == "payment-events-poison"


def test_one_line_per_payment_event_with_ids_and_outcome_only(stack, caplog):
    from functions.payments import apply_payment_event

    caplog.set_level(logging.INFO, logger="secondchance.telemetry")
    notice = PaymentNotice(
        event_id="evt_telemetry_1",
        type="payment_intent.succeeded",
        created=1_800_000_000,
        payment_intent="pi_does_not_exist_telemetry",
        claimed_story="story-x",
        claimed_amount=500,
    )
    apply_payment_event(QueueMessage(id="m1", body=notice.model_dump_json().encode(), dequeue_count=1))
    [line] = telemetry_lines(caplog, "payment_event")
    assert (line.event_id, line.story_id, line.outcome) == ("evt_telemetry_1", "story-x", "unknown_payment")
    assert "500" not in line.getMessage()  # amounts and donor details are not telemetry


def test_a_failing_last_try_counts_as_poisoned(stack, caplog, monkeypatch):
    from functions import payments as triggers

    caplog.set_level(logging.INFO, logger="secondchance.telemetry")
    monkeypatch.setattr(triggers.payments, "handle", lambda notice: (_ for _ in ()).throw(TimeoutError("stripe down")))
    notice = PaymentNotice(event_id="evt_telemetry_2", type="charge.refunded", created=1_800_000_000, payment_intent="pi_x")
    body = notice.model_dump_json().encode()  # the host hands over the decoded message
    with pytest.raises(TimeoutError):
        triggers.apply_payment_event(QueueMessage(id="m2", body=body, dequeue_count=1))
    assert telemetry_lines(caplog, "payments_poisoned") == []
    with pytest.raises(TimeoutError):
        triggers.apply_payment_event(QueueMessage(id="m2", body=body, dequeue_count=triggers.max_dequeue_count()))
    [poisoned] = telemetry_lines(caplog, "payments_poisoned")
    assert poisoned.event_id == "evt_telemetry_2" and poisoned.reason == "TimeoutError"


def test_the_poison_timer_runs_in_the_host_like_any_timer(api, caplog):
    """Through devhost's admin endpoint, as `curl -X POST .../admin/functions/measure_poison_queue` in Azure."""
    import requests

    from tests.conftest import VALUES

    caplog.set_level(logging.INFO, logger="secondchance.telemetry")
    r = requests.post(
        f"{api}/admin/functions/measure_poison_queue", headers={"x-functions-key": VALUES["DEVHOST_FUNCTION_KEY"]}, timeout=30
    )
    assert r.status_code == 202
    [line] = telemetry_lines(caplog, "payment_events_poison")
    assert line.value == events_queue.poison_count()
