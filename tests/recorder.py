"""A stand-in HTTPS server on loopback that records every call and answers from a small table:
"Azure" for the tests of ops' target and of the deploy hooks. Its certificate is self-signed for
127.0.0.1; clients trust it through REQUESTS_CA_BUNDLE (requests) or SSL_CERT_FILE (urllib)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

# (method, path) -> (status, headers, body) or None to fall through to the defaults.
Responder = Callable[[str, str], "tuple[int, dict[str, str], bytes] | None"]


@dataclass
class Recorder:
    address: str
    ca_file: Path
    calls: list[dict] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"https://{self.address}"

    def paths(self, method: str) -> list[str]:
        return [c["path"] for c in self.calls if c["method"] == method]


def self_signed(tmp: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "recorder.pem", tmp / "recorder.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def _defaults(method: str, path: str) -> tuple[int, dict[str, str], bytes]:
    if method == "GET" and path.startswith("/msi/token"):  # managed identity endpoint (App Service style)
        expires = str(int(dt.datetime.now(dt.UTC).timestamp()) + 3600)
        body = json.dumps({"access_token": "recorded-token", "token_type": "Bearer", "resource": "x", "expires_on": expires}).encode()
        return 200, {"Content-Type": "application/json"}, body
    if method == "PUT":  # Put Blob
        return 201, {"ETag": '"0x1"', "Last-Modified": "Mon, 30 Nov 2026 05:00:00 GMT", "x-ms-request-server-encrypted": "true"}, b""
    return 404, {}, b""


@contextmanager
def recording_server(tmp: Path, respond: Responder | None = None) -> Iterator[Recorder]:
    cert, key = self_signed(tmp)
    calls: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            calls.append(
                {
                    "method": self.command,
                    "path": self.path,
                    "auth": self.headers.get("Authorization", ""),
                    "identity_header": self.headers.get("X-IDENTITY-HEADER", ""),
                    "body": body,
                }
            )
            status, headers, payload = (respond and respond(self.command, self.path)) or _defaults(self.command, self.path)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_PUT = do_POST = do_DELETE = _handle

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
