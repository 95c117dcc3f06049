"""A small local stand-in for the Azure Functions host.

It serves whatever a `func.FunctionApp` registers, with no per-function code:
HTTP triggers (route templates, methods, auth levels), queue triggers polled from Azure
Storage as host.json says, timer triggers on their NCRONTAB schedule, and `web/` as static
files with the headers, routes, MIME types and 404 page of `web/staticwebapp.config.json`, the file
Azure Static Web Apps serves the portal with (so that browser tests see what production sends).
It mirrors the documented semantics of the real host closely enough for local work and tests;
`func start` stays the way to run the app where Core Tools exist.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import datetime as dt
import fnmatch
import gzip
import hmac
import inspect
import json
import logging
import math
import mimetypes
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import azure.functions as func
from azure.functions.queue import QueueMessage
from azure.functions.timer import TimerRequest

log = logging.getLogger("devhost")

MAX_BODY_BYTES = 10 * 1024 * 1024


def parse_timespan(value: str | int | float) -> float:
    """host.json time spans ("hh:mm:ss[.fff]") in seconds."""
    if isinstance(value, (int, float)):
        return float(value)
    h, m, s = value.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


@dataclass(frozen=True)
class QueueOptions:
    """`extensions.queues` of host.json, with the real host's defaults."""

    message_encoding: str = "base64"
    max_dequeue_count: int = 5
    visibility_timeout: float = 0.0
    batch_size: int = 16
    new_batch_threshold: int | None = None
    max_polling_interval: float = 60.0

    @classmethod
    def from_host_json(cls, host: dict) -> QueueOptions:
        q = host.get("extensions", {}).get("queues", {})
        return cls(
            message_encoding=q.get("messageEncoding", "base64").lower(),
            max_dequeue_count=int(q.get("maxDequeueCount", 5)),
            visibility_timeout=parse_timespan(q.get("visibilityTimeout", 0)),
            batch_size=int(q.get("batchSize", 16)),
            new_batch_threshold=q.get("newBatchThreshold"),
            max_polling_interval=parse_timespan(q.get("maxPollingInterval", "00:01:00")),
        )

    @property
    def threshold(self) -> int:
        return self.new_batch_threshold if self.new_batch_threshold is not None else self.batch_size // 2


def compile_route(template: str) -> re.Pattern[str]:
    """`stories/{id}` and `assets/{*rest}` as a regex with named groups (case-insensitive)."""
    pattern = ""
    for literal, catch_all, name in re.findall(r"([^{]*)\{(\*?)([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}", template + "{*__end}"):
        pattern += re.escape(literal)
        if name == "__end":
            break
        pattern += f"(?P<{name}>.+)" if catch_all else f"(?P<{name}>[^/]+)"
    return re.compile(f"^{pattern}/?$", re.IGNORECASE)


@dataclass
class HttpFunction:
    name: str
    fn: Callable
    arg: str
    pattern: re.Pattern[str]
    methods: set[str]
    auth_level: str


@dataclass
class QueueFunction:
    name: str
    fn: Callable
    arg: str
    queue: str
    connection: str


@dataclass
class TimerFunction:
    name: str
    fn: Callable
    arg: str
    schedule: str
    run_on_startup: bool


def _value(x: Any) -> Any:
    return getattr(x, "value", x)


def invoke(fn: Callable, **kwargs: Any) -> Any:
    result = fn(**kwargs)
    if inspect.isawaitable(result):
        result = asyncio.run(result)  # type: ignore[arg-type]
    return result


@dataclass
class Host:
    app: func.FunctionApp
    host_json: dict
    settings: dict[str, str]
    web_root: Path | None = None
    function_keys: tuple[str, ...] = ()
    http: list[HttpFunction] = field(default_factory=list)
    queues: list[QueueFunction] = field(default_factory=list)
    timers: list[TimerFunction] = field(default_factory=list)
    easy_auth: Any = None  # devhost.easyauth.EasyAuth: App Service Authentication, emulated

    def __post_init__(self) -> None:
        if self.easy_auth is None:
            from devhost.easyauth import EasyAuth

            self.easy_auth = EasyAuth()
        self.static_config = StaticConfig.load(self.web_root, self.settings) if self.web_root else StaticConfig()
        self.route_prefix = self.host_json.get("extensions", {}).get("http", {}).get("routePrefix", "api").strip("/")
        self.queue_options = QueueOptions.from_host_json(self.host_json)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._server: ThreadingHTTPServer | None = None
        for f in self.app.get_functions():  # may be called once per app object
            trigger = f.get_trigger().get_dict_repr()
            kind, name, user_fn = trigger["type"], f.get_function_name(), f.get_user_function()
            if kind == "httpTrigger":
                methods = {_value(m).upper() for m in (trigger.get("methods") or [])}
                self.http.append(
                    HttpFunction(
                        name,
                        user_fn,
                        trigger["name"],
                        compile_route(trigger.get("route") or name),
                        methods or {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"},
                        str(_value(trigger.get("authLevel", "function"))).lower(),
                    )
                )
            elif kind == "queueTrigger":
                self.queues.append(
                    QueueFunction(
                        name, user_fn, trigger["name"], trigger["queueName"], trigger.get("connection") or "AzureWebJobsStorage"
                    )
                )
            elif kind == "timerTrigger":
                self.timers.append(
                    TimerFunction(name, user_fn, trigger["name"], trigger["schedule"], bool(trigger.get("runOnStartup")))
                )
            else:
                log.warning("devhost: %s has a %s trigger, which devhost does not serve", name, kind)

    # ---------------------------------------------------------------- HTTP
    def match(self, path: str, method: str) -> tuple[HttpFunction | None, dict[str, str], bool]:
        """(function, route params, path matched by some function)."""
        prefix = f"/{self.route_prefix}/" if self.route_prefix else "/"
        if not path.startswith(prefix):
            return None, {}, False
        sub = path[len(prefix) :]
        seen = False
        for f in self.http:
            m = f.pattern.match(sub)
            if m:
                seen = True
                if method in f.methods:
                    return f, {k: unquote(v) for k, v in m.groupdict().items()}, True
        return None, {}, seen

    def authorized(self, f: HttpFunction, headers: dict[str, str], params: dict[str, str]) -> bool:
        if f.auth_level == "anonymous":
            return True
        given = headers.get("x-functions-key") or params.get("code") or ""
        return key_matches(given, self.function_keys)

    def handle_http(self, method: str, url: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(url)
        f, route_params, seen = self.match(parts.path, method)
        if f is None:
            if seen:
                return 405, {"Content-Type": "application/json"}, _error("method_not_allowed", f"{method} is not allowed here")
            in_api = parts.path.startswith(f"/{self.route_prefix}/") or parts.path == f"/{self.route_prefix}"
            if self.web_root and method in {"GET", "HEAD"} and not in_api:
                return self.static(parts.path)
            return 404, {"Content-Type": "application/json"}, _error("not_found", "No such route")
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        lower = {k.lower(): v for k, v in headers.items()}
        if not self.authorized(f, lower, params):
            return 401, {"Content-Type": "application/json"}, _error("unauthorized", "A function key is required")
        request = func.HttpRequest(method=method, url=url, headers=headers, params=params, route_params=route_params, body=body)
        start = time.perf_counter()
        try:
            response = invoke(f.fn, **{f.arg: request})
        except Exception:
            log.exception("devhost: %s raised", f.name)
            response = func.HttpResponse(_error("internal", "Internal server error"), status_code=500, mimetype="application/json")
        ms = (time.perf_counter() - start) * 1000
        log.info("%s %s %s -> %s %.0f ms", f.name, method, parts.path, response.status_code, ms)
        out_headers = dict(response.headers)
        if "content-type" not in {k.lower() for k in out_headers}:
            mimetype = response.mimetype or "text/plain"
            out_headers["Content-Type"] = f"{mimetype}; charset={response.charset or 'utf-8'}"
        return response.status_code, out_headers, response.get_body() or b""

    def static(self, path: str) -> tuple[int, dict[str, str], bytes]:
        """A file of web/ as Static Web Apps serves it: its headers (global, then the route's), the
        config's MIME types, the config's 404 page. Marked for compression (static files only)."""
        assert self.web_root is not None
        config = self.static_config
        root = self.web_root.resolve()
        route_headers, status = config.route(path)
        target = (root / path.lstrip("/")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if status == 404 or root not in target.parents and target != root or not target.is_file() or target.name == CONFIG_FILE:
            page = root / config.not_found.lstrip("/") if config.not_found else None
            body = page.read_bytes() if page and page.is_file() else b"Not found"
            ctype = "text/html; charset=utf-8" if page and page.is_file() else "text/plain"
            page_headers = config.route(config.not_found)[0] if page and page.is_file() else {}
            return 404, {"Content-Type": ctype, "Cache-Control": "no-cache", **config.headers, **page_headers, **STATIC_MARK}, body
        ctype = config.mime_types.get(target.suffix) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        headers = {"Content-Type": ctype, "Cache-Control": "no-cache", **config.headers, **route_headers}
        return 200, {**headers, **STATIC_MARK}, target.read_bytes()

    # ---------------------------------------------------------------- queues
    def queue_client(self, q: QueueFunction, name: str | None = None):
        from azure.storage.queue import QueueClient

        return QueueClient.from_connection_string(self.settings[q.connection], name or q.queue)

    def decode(self, content: str) -> bytes:
        if self.queue_options.message_encoding == "base64":
            try:
                return base64.b64decode(content, validate=True)
            except (binascii.Error, ValueError):
                raise ValueError("message is not valid base64") from None
        return content.encode()

    def process_message(self, q: QueueFunction, client, msg) -> None:
        """Run one message: delete on success; on failure retry after the visibility timeout,
        and after maxDequeueCount attempts move it to `<queue>-poison`."""
        opts = self.queue_options
        start = time.perf_counter()
        status = "Succeeded"
        try:
            body = self.decode(msg.content)
            qm = QueueMessage(
                id=msg.id,
                body=body,
                pop_receipt=msg.pop_receipt,
                dequeue_count=msg.dequeue_count,
                insertion_time=msg.inserted_on,
                expiration_time=msg.expires_on,
                time_next_visible=msg.next_visible_on,
            )
            invoke(q.fn, **{q.arg: qm})
        except Exception as exc:  # the function failed: retry or poison
            status = f"Failed ({type(exc).__name__}: {exc}) attempt {msg.dequeue_count}/{opts.max_dequeue_count}"
            if msg.dequeue_count >= opts.max_dequeue_count:
                poison = self.queue_client(q, f"{q.queue}-poison")
                with contextlib.suppress(Exception):  # it exists already
                    poison.create_queue()
                poison.send_message(msg.content)
                client.delete_message(msg.id, msg.pop_receipt)
                status += f"; moved to {q.queue}-poison"
            else:
                # Storage counts visibility in whole seconds.
                client.update_message(msg.id, msg.pop_receipt, visibility_timeout=math.ceil(opts.visibility_timeout))
        else:
            client.delete_message(msg.id, msg.pop_receipt)
        log.info("%s queue %s -> %s %.0f ms", q.name, q.queue, status, (time.perf_counter() - start) * 1000)

    def poll_queue(self, q: QueueFunction) -> None:
        opts = self.queue_options
        client = self.queue_client(q)
        pool = ThreadPoolExecutor(max_workers=opts.batch_size, thread_name_prefix=f"q-{q.name}")
        in_flight: set = set()
        lock = threading.Lock()
        delay = 0.1
        while not self._stop.is_set():
            with lock:
                free = opts.batch_size - len(in_flight) if len(in_flight) <= opts.threshold else 0
            got = 0
            if free > 0:
                try:
                    # Held invisible while running (the real host renews a 10-minute lease).
                    for msg in client.receive_messages(max_messages=free, visibility_timeout=600):
                        got += 1
                        fut = pool.submit(self._safe_process, q, client, msg)
                        with lock:
                            in_flight.add(fut)
                        fut.add_done_callback(lambda f: (lock.acquire(), in_flight.discard(f), lock.release()))
                except Exception as exc:
                    log.warning("devhost: polling %s failed: %s", q.queue, exc)
            delay = 0.05 if got else min(delay * 2, opts.max_polling_interval)
            self._stop.wait(delay)
        pool.shutdown(wait=True)

    def _safe_process(self, q: QueueFunction, client, msg) -> None:
        try:
            self.process_message(q, client, msg)
        except Exception:
            log.exception("devhost: could not settle a message of %s (it becomes visible again)", q.queue)

    # ---------------------------------------------------------------- timers
    def run_timer(self, t: TimerFunction, past_due: bool = False) -> None:
        start = time.perf_counter()
        status = "Succeeded"
        try:
            invoke(t.fn, **{t.arg: TimerRequest(past_due=past_due)})
        except Exception as exc:
            status = f"Failed ({type(exc).__name__}: {exc})"
            log.exception("devhost: timer %s raised", t.name)
        log.info("%s timer -> %s %.0f ms", t.name, status, (time.perf_counter() - start) * 1000)

    def timer_loop(self, t: TimerFunction) -> None:
        from croniter import croniter

        fields = t.schedule.split()
        # NCRONTAB has seconds first; croniter takes them last.
        expr = " ".join(fields[1:] + fields[:1]) if len(fields) == 6 else t.schedule
        it = croniter(expr, dt.datetime.now(dt.UTC))
        if t.run_on_startup:
            self.run_timer(t)
        while not self._stop.is_set():
            nxt = it.get_next(dt.datetime)
            if self._stop.wait(max(0.0, (nxt - dt.datetime.now(dt.UTC)).total_seconds())):
                break
            self.run_timer(t)

    def fire(self, name: str) -> bool:
        """Run a non-HTTP function now, as the host's `POST /admin/functions/{name}` does."""
        for t in self.timers:
            if t.name.lower() == name.lower():
                self.run_timer(t)
                return True
        return False

    # ---------------------------------------------------------------- lifecycle
    def start(self, port: int, host: str = "127.0.0.1", background_triggers: bool = True) -> None:
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        threads = [threading.Thread(target=self._server.serve_forever, name="devhost-http", daemon=True)]
        if background_triggers:
            threads += [threading.Thread(target=self.poll_queue, args=(q,), name=f"queue-{q.name}", daemon=True) for q in self.queues]
            threads += [threading.Thread(target=self.timer_loop, args=(t,), name=f"timer-{t.name}", daemon=True) for t in self.timers]
        for th in threads:
            th.start()
        self._threads = threads

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    def stop(self) -> None:
        self._stop.set()
        if self._server:
            self._server.shutdown()
            self._server.server_close()
        for th in self._threads:
            th.join(timeout=10)


CONFIG_FILE = "staticwebapp.config.json"
STATIC_MARK = {"X-Devhost-Static": "1"}  # taken off before sending: only static files are compressed


@dataclass
class StaticConfig:
    """What devhost uses of staticwebapp.config.json: globalHeaders, routes (exact or `/path/*`, with
    headers or a statusCode), responseOverrides 404 rewrite, mimeTypes. The placeholders the deploy
    build fills ({API_ORIGIN}, {ASSET_ORIGIN}) get the local services' origins here; where Stripe.js
    is served by the local stand-in, its origin joins Stripe's wherever the policy names them."""

    headers: dict[str, str] = field(default_factory=dict)
    routes: list[tuple[str, dict[str, str], int | None]] = field(default_factory=list)
    not_found: str | None = None
    mime_types: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, web_root: Path, settings: dict[str, str]) -> StaticConfig:
        path = web_root / CONFIG_FILE
        if not path.is_file():
            return cls()
        text = path.read_text(encoding="utf-8")
        for name, value in local_origins(settings).items():
            text = text.replace("{" + name + "}", value)
        data = json.loads(text)
        stripe = _origin(settings.get("STRIPE_JS_URL", ""))

        def local(headers: dict[str, str]) -> dict[str, str]:
            out = {}
            for name, value in headers.items():
                if name.lower() == "content-security-policy" and stripe and stripe != "https://js.stripe.com":
                    value = value.replace("https://js.stripe.com", f"https://js.stripe.com {stripe}").replace(
                        "https://api.stripe.com", f"https://api.stripe.com {stripe}"
                    )
                out[name] = " ".join(value.split())  # an empty placeholder leaves no double space
            return out

        headers = local(data.get("globalHeaders", {}))
        routes = [(r["route"], local(r.get("headers", {})), r.get("statusCode")) for r in data.get("routes", [])]
        rewrite = data.get("responseOverrides", {}).get("404", {}).get("rewrite")
        return cls(headers, routes, rewrite, data.get("mimeTypes", {}))

    def route(self, path: str) -> tuple[dict[str, str], int | None]:
        """The first matching route's headers and status, as Static Web Apps takes the first match."""
        for pattern, headers, status in self.routes:
            if pattern == path or "*" in pattern and fnmatch.fnmatchcase(path, pattern):
                return headers, status
        return {}, None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def local_origins(settings: dict[str, str]) -> dict[str, str]:
    """The origins the deploy build writes into the config, as they are locally: the API is the
    portal's own origin; the assets come from Azurite's blob endpoint (or ASSET_BASE_URL)."""
    storage = settings.get("AzureWebJobsStorage", "")
    parts = dict(p.split("=", 1) for p in storage.split(";") if "=" in p)
    blob = parts.get("BlobEndpoint") or ("http://127.0.0.1:10000" if "UseDevelopmentStorage" in storage else "")
    return {"API_ORIGIN": "", "ASSET_ORIGIN": _origin(settings.get("ASSET_BASE_URL") or blob)}


COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/geo+json", "image/svg+xml")


def compressed(headers: dict[str, str], payload: bytes) -> tuple[dict[str, str], bytes]:
    """Static files gzip-compressed, as Static Web Apps does in Azure. (Function answers are left
    uncompressed, as the Functions host on Linux sends them.)"""
    if len(payload) < 1024 or not headers.get("Content-Type", "").startswith(COMPRESSIBLE):
        return headers, payload
    return {**headers, "Content-Encoding": "gzip"}, gzip.compress(payload, compresslevel=6)


def key_matches(given: str, keys: tuple[str, ...]) -> bool:
    return any(hmac.compare_digest(given.encode(), key.encode()) for key in keys)


def _error(code: str, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}).encode()


def _handler_for(host: Host) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body leave in one write (flushed after each request), without Nagle's delay:
        # otherwise every keep-alive answer waits ~40 ms for a delayed ACK.
        wbufsize = -1
        disable_nagle_algorithm = True

        def _serve(self) -> None:
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length < 0:
                self._send(400, {"Content-Type": "application/json"}, _error("bad_request", "Bad Content-Length"))
                return
            if length > MAX_BODY_BYTES:
                self._send(413, {"Content-Type": "application/json"}, _error("too_large", "Request body too large"))
                return
            body = self.rfile.read(length) if length else b""
            url = f"http://{self.headers.get('Host', 'localhost')}{self.path}"
            path = urlsplit(self.path).path
            if path.startswith("/admin/functions/") and self.command == "POST":
                name = path.rsplit("/", 1)[-1]
                if not key_matches(self.headers.get("x-functions-key", ""), host.function_keys):
                    self._send(401, {"Content-Type": "application/json"}, _error("unauthorized", "A key is required"))
                elif host.fire(name):
                    self._send(202, {}, b"")
                else:
                    self._send(404, {"Content-Type": "application/json"}, _error("not_found", "No such timer function"))
                return
            # Easy Auth in front of the app, as in Azure: /.auth/* endpoints, a client's own X-MS-*
            # headers stripped, the signed-in principal passed on (devhost/easyauth.py).
            auth_answer = host.easy_auth.handle(self.command, self.path, dict(self.headers.items()), body)
            if auth_answer is not None:
                self._send(*auth_answer)
                return
            headers = {
                k: v for k, v in host.easy_auth.inbound_headers(dict(self.headers.items())).items() if k.lower() != "x-forwarded-for"
            }
            # As Azure's front end does: the peer's address (with its port) is appended to X-Forwarded-For.
            peer = f"{self.client_address[0]}:{self.client_address[1]}"
            forwarded = self.headers.get("X-Forwarded-For")
            headers["X-Forwarded-For"] = f"{forwarded}, {peer}" if forwarded else peer
            status, out_headers, payload = host.handle_http(self.command, url, headers, body)
            static = out_headers.pop("X-Devhost-Static", None) is not None
            if static:
                out_headers["Vary"] = "Accept-Encoding"
                if "gzip" in self.headers.get("Accept-Encoding", ""):
                    out_headers, payload = compressed(out_headers, payload)
            self._send(status, out_headers, payload)

        def _send(self, status: int, headers: dict[str, str], payload: bytes) -> None:
            if status in (204, 304):
                payload = b""
            self.send_response(status)
            for k, v in headers.items():
                if k.lower() not in {"content-length", "connection"}:
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

        def log_message(self, format: str, *args: Any) -> None:  # one line per invocation is logged by Host
            pass

    return Handler
