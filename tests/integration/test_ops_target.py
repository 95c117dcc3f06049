"""`python -m ops` acts where it says: on Azure with azd's environment (even when local.settings.json
is there), on the local stack only with --local, and nowhere without either.

"Azure" here is a stand-in HTTPS server on loopback that records every call (blob storage and the
managed identity token endpoint). The Azure target refuses loopback addresses, so the test names
this one recorder in OPS_TEST_AZURE_LOOPBACK, the test-only allowance of ops/target.py.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import VALUES

ROOT = Path(__file__).resolve().parents[2]
EMULATOR_COSMOS_KEY = json.loads((ROOT / "local.settings.json.example").read_text())["Values"]["COSMOS_KEY"]


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp / "recorder.pem", tmp / "recorder.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@dataclass
class Recorder:
    address: str
    ca_file: Path
    calls: list[dict] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"https://{self.address}"


@pytest.fixture
def recorder(tmp_path) -> Iterator[Recorder]:
    cert, key = _self_signed(tmp_path)
    calls: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def _record(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            calls.append({"method": self.command, "path": self.path, "auth": self.headers.get("Authorization", ""),
                          "identity_header": self.headers.get("X-IDENTITY-HEADER", "")})

        def do_GET(self) -> None:  # the managed identity endpoint (App Service style)
            self._record()
            if self.path.startswith("/msi/token"):
                body = json.dumps({"access_token": "recorded-token", "token_type": "Bearer", "resource": "x",
                                   "expires_on": str(int(dt.datetime.now(dt.UTC).timestamp()) + 3600)}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

        def do_PUT(self) -> None:  # Put Blob
            self._record()
            self.send_response(201)
            self.send_header("ETag", '"0x1"')
            self.send_header("Last-Modified", "Mon, 30 Nov 2026 05:00:00 GMT")
            self.send_header("x-ms-request-server-encrypted", "true")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield Recorder(f"127.0.0.1:{server.server_address[1]}", cert, calls)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def local_settings_file() -> Iterator[Path]:
    """local.settings.json present, as on every developer machine after `make run`."""
    path = ROOT / "local.settings.json"
    created = not path.exists()
    if created:
        shutil.copy(ROOT / "local.settings.json.example", path)
    try:
        yield path
    finally:
        if created:
            path.unlink()


def azd_env(recorder: Recorder, allow_recorder: bool = True, **extra: str) -> dict[str, str]:
    """What azd exports to a hook, with every "Azure" address at the recorder; none of the local stack's settings."""
    env = {k: v for k, v in os.environ.items() if k not in VALUES and not k.startswith(("AZURE_", "IDENTITY_", "MSI_"))}
    env.update({
        "AZURE_ENV_NAME": "recorded", "AZURE_RESOURCE_GROUP": "rg-recorded",
        "COSMOS_ENDPOINT": f"{recorder.url}/", "COSMOS_DATABASE": "secondchance", "COSMOS_CONTAINER": "stories",
        "AZURE_STORAGE_BLOB_ENDPOINT": f"{recorder.url}/recordedaccount/",
        "AZURE_STORAGE_QUEUE_ENDPOINT": f"{recorder.url}/recordedaccount/",
        "AZURE_KEY_VAULT_ENDPOINT": f"{recorder.url}/", "MAP_ASSETS_CONTAINER": "map-assets",
        # DefaultAzureCredential's managed identity source, served by the recorder; its certificate trusted.
        "IDENTITY_ENDPOINT": f"{recorder.url}/msi/token", "IDENTITY_HEADER": "recorded-identity-header",
        "REQUESTS_CA_BUNDLE": str(recorder.ca_file),
    })
    if allow_recorder:
        env["OPS_TEST_AZURE_LOOPBACK"] = recorder.address
    env.update(extra)
    return env


def run_ops(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ops", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=180)


def test_with_azd_environment_ops_acts_on_azure_not_the_local_stack(recorder, local_settings_file):
    out = run_ops("upload-assets", env=azd_env(recorder))
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "ops target: Azure, azd environment recorded"  # said before anything is done
    assert f"blob    {recorder.url}/recordedaccount/" in out.stdout
    puts = [c for c in recorder.calls if c["method"] == "PUT"]
    assert any(c["path"].startswith("/recordedaccount/map-assets/icons/") for c in puts), recorder.calls
    assert any(c["path"] == "/recordedaccount/map-assets/basemap/asia.geojson" for c in puts), puts
    # Entra ID with the identity's token, never a key; the token came from the (recorded) identity endpoint.
    assert all(c["auth"] == "Bearer recorded-token" for c in puts)
    assert any(c["path"].startswith("/msi/token") and c["identity_header"] == "recorded-identity-header"
               for c in recorder.calls)
    assert "uploaded" in out.stdout


def test_azure_target_refuses_loopback_endpoints(recorder, local_settings_file):
    out = run_ops("upload-assets", env=azd_env(recorder, allow_recorder=False))
    assert out.returncode == 2
    assert "loopback" in out.stderr and "COSMOS_ENDPOINT" in out.stderr
    assert recorder.calls == []  # nothing was sent anywhere


def test_azure_target_refuses_emulator_keys(recorder):
    out = run_ops("held", env=azd_env(recorder, COSMOS_KEY=EMULATOR_COSMOS_KEY))
    assert out.returncode == 2 and "COSMOS_KEY" in out.stderr and "emulator key" in out.stderr
    out = run_ops("held", env=azd_env(recorder, AzureWebJobsStorage="UseDevelopmentStorage=true"))
    assert out.returncode == 2 and "AzureWebJobsStorage" in out.stderr
    assert recorder.calls == []


def test_without_azd_environment_or_local_there_is_no_target(recorder, local_settings_file):
    env = {k: v for k, v in azd_env(recorder).items() if not k.startswith(("AZURE_", "COSMOS_"))}
    env["PATH"] = "/usr/bin:/bin"  # no azd to ask
    out = run_ops("held", env=env)
    assert out.returncode == 2
    assert "no target" in out.stderr and "--local" in out.stderr
    assert out.stdout == "" and recorder.calls == []


def test_local_acts_on_the_local_stack_and_refuses_azure_endpoints(stack):
    env = dict(os.environ)
    out = run_ops("--local", "upload-assets", env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0].startswith("ops target: the local stack")
    assert f"127.0.0.1:{VALUES['COSMOS_ENDPOINT'].split(':')[-1]}" in out.stdout

    from azure.storage.blob import BlobServiceClient

    blobs = BlobServiceClient.from_connection_string(VALUES["AzureWebJobsStorage"])
    assert blobs.get_blob_client("map-assets", "icons/default.svg").exists()

    azure = run_ops("--local", "held", env={**env, "COSMOS_ENDPOINT": "https://cosmos-x.documents.azure.com:443/"})
    assert azure.returncode == 2 and "Azure address" in azure.stderr
