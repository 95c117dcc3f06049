"""Telemetry: what ops needs to know that money moves, in one place.

`record(metric, ...)` writes one structured log line on the logger `secondchance.telemetry` with
the metric's name, its value and a few dimensions (ids and outcomes, never donor data), and adds
the value to an OpenTelemetry counter (or sets a gauge) of the same name.

In Azure (APPLICATIONINSIGHTS_CONNECTION_STRING set) the first `record` configures the Azure
Monitor OpenTelemetry distro, with the app's managed identity (Application Insights accepts Entra
ID only): the log line arrives in `traces` with its dimensions in `customDimensions` (the alerts in
infra/core/monitor/alerts.bicep query them), the counters in `customMetrics`. Only this logger is
exported by OpenTelemetry; every other log line goes through the Functions host as before, so
nothing is sent twice. Locally (no connection string) the line goes to the console like any other
log line and nothing is imported: importing this module, or function_app, loads no telemetry SDK.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any, Literal

log = logging.getLogger("secondchance.telemetry")

Metric = Literal[
    "payment_event",  # one per payment event handled (outcome: applied, held, unchanged, ...)
    "payments_applied",
    "payments_held",
    "payments_poisoned",
    "reconcile_corrections",
    "card_declines",
    "reconcile_run",  # one per reconcile run (the 26-hour alert watches for it)
    "payment_events_poison",  # gauge: messages waiting in payment-events-poison
]
GAUGES = {"payment_events_poison"}
# Dimensions allowed on a telemetry line: identifiers and outcomes. Nothing a donor typed or is.
DIMENSIONS = {"event_id", "event_type", "story_id", "payment_intent", "outcome", "source", "reason", "queue"}

_lock = threading.Lock()
_state: dict[str, Any] = {"configured": None, "instruments": {}, "gauges": {}}


def enabled() -> bool:
    return bool(os.environ.get("APPLICATIONINSIGHTS_CONNECTION_STRING"))


def configure() -> bool:
    """Configure the Azure Monitor distro once, if this process has a connection string. True if exporting."""
    if _state["configured"] is not None:
        return bool(_state["configured"])
    with _lock:
        if _state["configured"] is not None:
            return bool(_state["configured"])
        if not enabled():
            _state["configured"] = False
            return False
        try:
            from azure.monitor.opentelemetry import configure_azure_monitor

            options: dict[str, Any] = {"logger_name": log.name, "enable_live_metrics": False}
            if "AAD" in os.environ.get("APPLICATIONINSIGHTS_AUTHENTICATION_STRING", ""):
                from azure.identity import ManagedIdentityCredential

                options["credential"] = ManagedIdentityCredential(client_id=os.environ.get("AZURE_CLIENT_ID"))
            configure_azure_monitor(**options)
            log.propagate = False  # exported by OpenTelemetry; not again through the host
            _state["configured"] = True
        except Exception:  # telemetry must never stop a payment
            logging.getLogger(__name__).exception("telemetry: Azure Monitor could not be configured; logging only")
            _state["configured"] = False
    return bool(_state["configured"])


def _instrument(metric: str) -> Any:
    if metric in _state["instruments"]:
        return _state["instruments"][metric]
    instrument: Any = None
    if configure():
        from opentelemetry import metrics

        meter = metrics.get_meter("secondchance")
        if metric in GAUGES:

            def observe(_options: Any, name: str = metric) -> list:
                return [metrics.Observation(_state["gauges"][name])] if name in _state["gauges"] else []

            instrument = meter.create_observable_gauge(metric, callbacks=[observe])
        else:
            instrument = meter.create_counter(metric)
    _state["instruments"][metric] = instrument
    return instrument


def record(metric: Metric, *, value: int = 1, message: str = "", **dimensions: str | int | None) -> None:
    """One structured line (and a metric) for ops. Dimensions outside DIMENSIONS are refused."""
    unknown = set(dimensions) - DIMENSIONS
    if unknown:
        raise ValueError(f"telemetry dimensions not allowed: {sorted(unknown)}")
    dims = {k: v for k, v in dimensions.items() if v is not None}
    try:
        instrument = _instrument(metric)
        if metric in GAUGES:
            _state["gauges"][metric] = value
        elif instrument is not None and value:
            instrument.add(value, {k: str(v) for k, v in dims.items() if k in ("outcome", "source", "reason")})
    except Exception:  # noqa: BLE001 - telemetry must never stop a payment
        logging.getLogger(__name__).warning("telemetry: could not record %s", metric, exc_info=True)
    text = " ".join(f"{k}={v}" for k, v in dims.items())
    log.info(
        "%s %s=%s%s", message or metric, metric, value, f" {text}" if text else "", extra={"metric": metric, "value": value, **dims}
    )


def flush() -> None:
    """Send what is buffered now (end of a timer run: the instance may be frozen right after)."""
    if not _state["configured"]:
        return
    try:
        from opentelemetry import _logs, metrics

        for provider in (_logs.get_logger_provider(), metrics.get_meter_provider()):
            if hasattr(provider, "force_flush"):
                provider.force_flush(5000)
    except Exception:  # noqa: BLE001
        logging.getLogger(__name__).warning("telemetry: flush failed", exc_info=True)
