"""GET /api/health against the real services, and against a Cosmos DB emulator that has been stopped."""

from __future__ import annotations

import json
import socket

import azure.functions as func
import requests

from devhost.services import ROOT, Service
from functions.health import get_health
from shared.settings import get_settings


def test_health_is_200_when_everything_is_up(api):
    r = requests.get(f"{api}/api/health", timeout=10)
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "healthy"
    assert {k: v["status"] for k, v in body["dependencies"].items()} == {"cosmos": "up", "storage": "up", "stripe": "up"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_health_is_503_naming_cosmos_when_the_emulator_is_stopped(stack, monkeypatch, tmp_path):
    port = _free_port()
    cosmos = Service(
        "cosmos-stopped", [str(ROOT / "node_modules/.bin/cosmosdb-server"), "--host", "127.0.0.1", "-p", str(port)], [port]
    )
    cosmos.start(tmp_path)
    cosmos.wait()
    monkeypatch.setenv("COSMOS_ENDPOINT", f"https://127.0.0.1:{port}/")
    get_settings.cache_clear()
    try:
        cosmos.stop()
        resp = get_health(func.HttpRequest("GET", "/api/health", body=b""))
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert resp.status_code == 503
    text = resp.get_body().decode()
    body = json.loads(text)
    assert body["dependencies"]["cosmos"]["status"] == "down"
    assert body["dependencies"]["storage"]["status"] == "up"
    assert "cosmos" in body["message"]
    assert "Traceback" not in text and "Error" not in text


KEY_VAULT_REFERENCE = "@Microsoft.KeyVault(SecretUri=https://kv-x.vault.azure.net/secrets/{})"


def _health_with(monkeypatch, **settings: str) -> func.HttpResponse:
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        return get_health(func.HttpRequest("GET", "/api/health", body=b""))
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_health_is_503_naming_stripe_while_secrets_are_unresolved_key_vault_references(stack, monkeypatch):
    """As on the first start in Azure before the secrets exist: the app settings hold the references themselves."""
    resp = _health_with(
        monkeypatch,
        STRIPE_SECRET_KEY=KEY_VAULT_REFERENCE.format("stripe-secret-key"),
        STRIPE_WEBHOOK_SECRETS=KEY_VAULT_REFERENCE.format("stripe-webhook-secrets"),
        CLIENT_HASH_KEY=KEY_VAULT_REFERENCE.format("client-hash-key"),
        CHALLENGE_HMAC_KEY=KEY_VAULT_REFERENCE.format("challenge-hmac-key"),
    )
    assert resp.status_code == 503
    body = json.loads(resp.get_body())
    assert body["status"] == "unhealthy"
    assert body["dependencies"]["stripe"]["status"] == "unconfigured"
    assert body["dependencies"]["cosmos"]["status"] == "up"  # the rest is fine: only stripe is named
    assert body["message"] == "unavailable: stripe"
    assert "KeyVault" not in resp.get_body().decode()  # which settings: in the log, not the public body


def test_health_names_stripe_for_each_empty_or_unresolved_setting(stack, monkeypatch):
    for name in ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRETS", "CLIENT_HASH_KEY", "CHALLENGE_HMAC_KEY"):
        for value in ("", KEY_VAULT_REFERENCE.format("x")):
            resp = _health_with(monkeypatch, **{name: value})
            assert resp.status_code == 503, (name, value)
            assert json.loads(resp.get_body())["dependencies"]["stripe"]["status"] == "unconfigured", name
    assert _health_with(monkeypatch).status_code == 200  # and the test stack's own settings are complete
