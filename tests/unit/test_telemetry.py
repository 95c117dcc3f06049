"""shared/telemetry.py: one structured line per fact, Azure Monitor only with a connection string."""

from __future__ import annotations

import logging
import sys
import types

import pytest

from shared import telemetry


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    monkeypatch.setattr(telemetry, "_state", {"configured": None, "instruments": {}, "gauges": {}})
    monkeypatch.delenv("APPLICATIONINSIGHTS_CONNECTION_STRING", raising=False)
    yield
    telemetry.log.propagate = True


def test_without_connection_string_a_line_with_its_dimensions_and_no_sdk(caplog):
    caplog.set_level(logging.INFO, logger="secondchance.telemetry")
    telemetry.record("payment_event", outcome="applied", event_id="evt_1", story_id="s1", payment_intent="pi_1")
    [line] = caplog.records
    assert (line.metric, line.value, line.outcome, line.event_id, line.story_id) == ("payment_event", 1, "applied", "evt_1", "s1")
    assert "outcome=applied" in line.getMessage() and "event_id=evt_1" in line.getMessage()
    assert telemetry.configure() is False
    assert not any(m.startswith(("azure.monitor", "opentelemetry")) for m in sys.modules)


def test_only_ids_and_outcomes_are_accepted():
    with pytest.raises(ValueError, match="not allowed"):
        telemetry.record("payment_event", email="donor@example.org")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        telemetry.record("payment_event", display_name="Ann")  # type: ignore[arg-type]


def test_with_connection_string_the_distro_is_configured_once_with_the_managed_identity(monkeypatch):
    calls = []
    fake = types.ModuleType("azure.monitor.opentelemetry")
    fake.configure_azure_monitor = lambda **kw: calls.append(kw)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "azure.monitor.opentelemetry", fake)
    monkeypatch.setenv("APPLICATIONINSIGHTS_CONNECTION_STRING", "InstrumentationKey=0;IngestionEndpoint=https://x/")
    monkeypatch.setenv("APPLICATIONINSIGHTS_AUTHENTICATION_STRING", "ClientId=abc;Authorization=AAD")
    monkeypatch.setenv("AZURE_CLIENT_ID", "00000000-0000-0000-0000-00000000abcd")
    monkeypatch.setattr(telemetry, "_instrument", lambda metric: None)
    assert telemetry.configure() is True and telemetry.configure() is True
    [options] = calls
    assert options["logger_name"] == "secondchance.telemetry"
    assert type(options["credential"]).__name__ == "ManagedIdentityCredential"
    assert telemetry.log.propagate is False  # not sent a second time through the host


def test_a_broken_distro_never_stops_a_payment(monkeypatch, caplog):
    fake = types.ModuleType("azure.monitor.opentelemetry")

    def broken(**kw):
        raise RuntimeError("no network")

    fake.configure_azure_monitor = broken  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "azure.monitor.opentelemetry", fake)
    monkeypatch.setenv("APPLICATIONINSIGHTS_CONNECTION_STRING", "InstrumentationKey=0")
    caplog.set_level(logging.INFO)
    telemetry.record("payments_applied", event_id="evt_2")
    assert any(getattr(r, "metric", None) == "payments_applied" for r in caplog.records)
