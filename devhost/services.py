"""The local stand-ins for Azure and Stripe: started, waited on, provisioned, stopped.

Azurite (blob + queue), the Cosmos DB emulator (@vercel/cosmosdb-server, patched on `npm ci`)
and localstripe, each bound to 127.0.0.1 on the ports named in the settings, each stopped by PID.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
NODE_BIN = ROOT / "node_modules" / ".bin"


LOCAL_PORTS = (7071, 10000, 10001, 8081, 8420)  # devhost, blob, queue, Cosmos DB, localstripe


def example_values(port_shift: int = 0) -> dict[str, str]:
    """`Values` of local.settings.json.example, every local port moved by `port_shift`
    (tests and benchmarks run beside `make run` that way)."""
    values = json.loads((ROOT / "local.settings.json.example").read_text())["Values"]
    pattern = re.compile(r":({})\b".format("|".join(map(str, LOCAL_PORTS))))
    return {k: pattern.sub(lambda m: f":{int(m.group(1)) + port_shift}", str(v)) for k, v in values.items()}


def storage_endpoints(connection_string: str) -> dict[str, str]:
    parts = dict(p.split("=", 1) for p in connection_string.split(";") if "=" in p)
    return {k: v for k, v in parts.items() if k.endswith("Endpoint")}


def _port(url: str) -> int:
    return urlparse(url).port  # type: ignore[return-value]


def wait_for_port(port: int, timeout: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process {proc.args!r} exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing answered on 127.0.0.1:{port} within {timeout:.0f} s")


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


@dataclass
class Service:
    name: str
    argv: list[str]
    ports: list[int]
    proc: subprocess.Popen | None = None

    def start(self, log_dir: Path) -> None:
        busy = [p for p in self.ports if not port_is_free(p)]
        if busy:
            raise RuntimeError(f"{self.name}: port(s) {busy} already in use on 127.0.0.1 (another `make run`?)")
        log = open(log_dir / f"{self.name}.log", "ab")
        self.proc = subprocess.Popen(
            self.argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )

    def wait(self, timeout: float = 30.0) -> None:
        for port in self.ports:
            wait_for_port(port, timeout, self.proc)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)


@dataclass
class LocalServices:
    """The three services for one set of settings (`Values` of local.settings.json)."""

    values: dict[str, str]
    data_dir: Path
    services: list[Service] = field(default_factory=list)

    def __post_init__(self) -> None:
        ep = storage_endpoints(self.values["AzureWebJobsStorage"])
        blob, queue = _port(ep["BlobEndpoint"]), _port(ep["QueueEndpoint"])
        cosmos = _port(self.values["COSMOS_ENDPOINT"])
        stripe = _port(self.values["STRIPE_API_BASE"])
        azurite_dir = self.data_dir / "azurite"
        self.services = [
            Service(
                "azurite",
                [
                    str(NODE_BIN / "azurite"),
                    "--silent",
                    "--location",
                    str(azurite_dir),
                    "--blobHost",
                    "127.0.0.1",
                    "--blobPort",
                    str(blob),
                    "--queueHost",
                    "127.0.0.1",
                    "--queuePort",
                    str(queue),
                    "--tableHost",
                    "127.0.0.1",
                    "--tablePort",
                    "0",
                    "--skipApiVersionCheck",
                    "--disableTelemetry",
                    "--loose",
                ],
                [blob, queue],
            ),
            Service(
                "cosmosdb", [str(NODE_BIN / "cosmosdb-server"), "--host", "127.0.0.1", "-p", str(cosmos), "--keep-alive"], [cosmos]
            ),
            Service("localstripe", [sys.executable, "-m", "devhost.localstripe_server", str(stripe)], [stripe]),
        ]

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            for service in self.services:
                service.start(self.data_dir)
            for service in self.services:
                service.wait()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop()

    def get(self, name: str) -> Service:
        return next(s for s in self.services if s.name == name)


def register_stripe_webhook(values: dict[str, str], url: str, webhook_id: str = "devhost") -> None:
    """Have localstripe send signed events to `url` with the first of STRIPE_WEBHOOK_SECRETS."""
    import requests

    secret = values["STRIPE_WEBHOOK_SECRETS"].split(",")[0].strip()
    r = requests.post(f"{values['STRIPE_API_BASE']}/_config/webhooks/{webhook_id}", data={"url": url, "secret": secret}, timeout=10)
    r.raise_for_status()
