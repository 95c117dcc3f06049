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
    assert {k: v["status"] for k, v in body["dependencies"].items()} == {"cosmos": "up", "storage": "up"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_health_is_503_naming_cosmos_when_the_emulator_is_stopped(stack, monkeypatch, tmp_path):
    port = _free_port()
    cosmos = Service("cosmos-stopped", [str(ROOT / "node_modules/.bin/cosmosdb-server"), "--host", "127.0.0.1",
                                        "-p", str(port)], [port])
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
