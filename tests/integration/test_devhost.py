"""devhost serves small test apps as the Functions host would: routes, auth, queues, timers, static files."""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid

import azure.functions as func
import pytest
import requests
from azure.storage.queue import QueueClient

from devhost.host import Host, compile_route

KEY = "test-function-key"


def serve(app: func.FunctionApp, values, queues: dict | None = None, web_root=None) -> Host:
    host_json = {"version": "2.0", "extensions": {"http": {"routePrefix": "api"}, "queues": queues or {}}}
    host = Host(app, host_json, values, web_root=web_root, function_keys=(KEY,))
    host.start(0)
    return host


@pytest.fixture
def http_host(stack, tmp_path):
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @app.route(route="echo/{name}", methods=["GET", "POST"])
    def echo(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(
            json.dumps({"name": req.route_params["name"], "q": dict(req.params), "body": req.get_body().decode()}),
            mimetype="application/json",
        )

    @app.route(route="files/{*rest}", methods=["GET"])
    def files(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(req.route_params["rest"])

    @app.route(route="secret", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
    def secret(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("ok")

    (tmp_path / "index.html").write_text("<h1>portal</h1>")
    host = serve(app, stack.values, web_root=tmp_path)
    yield f"http://127.0.0.1:{host.port}"
    host.stop()


def test_route_params_methods_and_body(http_host):
    r = requests.post(f"{http_host}/api/echo/mai?x=1", data="hello")
    assert r.status_code == 200
    assert r.json() == {"name": "mai", "q": {"x": "1"}, "body": "hello"}
    assert requests.delete(f"{http_host}/api/echo/mai").status_code == 405
    missing = requests.get(f"{http_host}/api/nope")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_catch_all_route_matches_nested_paths(http_host):
    r = requests.get(f"{http_host}/api/files/icons/2026/home.svg")
    assert r.status_code == 200 and r.text == "icons/2026/home.svg"


def test_function_level_route_needs_a_key(http_host):
    assert requests.get(f"{http_host}/api/secret").status_code == 401
    assert requests.get(f"{http_host}/api/secret", headers={"x-functions-key": "wrong"}).status_code == 401
    assert requests.get(f"{http_host}/api/secret", headers={"x-functions-key": KEY}).text == "ok"
    assert requests.get(f"{http_host}/api/secret", params={"code": KEY}).text == "ok"


def test_static_files_served_at_root_and_nothing_outside(http_host):
    import http.client

    r = requests.get(f"{http_host}/")
    assert r.status_code == 200 and "portal" in r.text and r.headers["Content-Type"].startswith("text/html")
    conn = http.client.HTTPConnection(http_host.removeprefix("http://"))
    for raw in ("/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc/passwd"):
        conn.request("GET", raw)  # sent as is (requests would normalise the path first)
        resp = conn.getresponse()
        body = resp.read()
        assert resp.status == 404 and b"root:" not in body, raw


def test_odd_keys_and_lengths_get_answers_not_dropped_connections(http_host):
    assert requests.get(f"{http_host}/api/secret", params={"code": "é"}).status_code == 401
    assert requests.get(f"{http_host}/api/echo/caf%C3%A9").json()["name"] == "café"


def test_compile_route_templates():
    assert compile_route("stories/{id}/journey.geojson").match("stories/abc/journey.geojson").group("id") == "abc"
    assert compile_route("stories/{id}").match("stories/abc/funding") is None


def _queue(values, name: str) -> QueueClient:
    client = QueueClient.from_connection_string(values["AzureWebJobsStorage"], name)
    client.create_queue()
    return client


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


FAST_QUEUES = {
    "messageEncoding": "base64",
    "maxDequeueCount": 5,
    "visibilityTimeout": "00:00:00.2",
    "batchSize": 4,
    "newBatchThreshold": 2,
    "maxPollingInterval": "00:00:00.2",
}


def test_failing_message_ends_in_poison_after_max_dequeue_count(stack):
    name = f"q{uuid.uuid4().hex[:12]}"
    queue = _queue(stack.values, name)
    attempts: list[int] = []
    times: list[float] = []
    app = func.FunctionApp()

    @app.queue_trigger(arg_name="msg", queue_name=name, connection="AzureWebJobsStorage")
    def always_fails(msg: func.QueueMessage) -> None:
        attempts.append(msg.dequeue_count)
        times.append(time.monotonic())
        raise RuntimeError("boom")

    host = serve(app, stack.values, {**FAST_QUEUES, "visibilityTimeout": "00:00:01"})
    try:
        body = json.dumps({"payment": "pi_123", "amount": 2500})
        queue.send_message(_b64(body))
        poison = QueueClient.from_connection_string(stack.values["AzureWebJobsStorage"], f"{name}-poison")
        deadline = time.monotonic() + 30
        poisoned = []
        while time.monotonic() < deadline and not poisoned:
            time.sleep(0.2)
            try:
                poisoned = list(poison.peek_messages(max_messages=5))
            except Exception:
                poisoned = []
    finally:
        host.stop()
    assert attempts == [1, 2, 3, 4, 5]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= 0.9, gaps  # each retry waits for the visibility timeout
    assert len(poisoned) == 1
    assert base64.b64decode(poisoned[0].content).decode() == body
    assert list(queue.peek_messages()) == []


def test_successful_message_is_decoded_and_deleted(stack):
    name = f"q{uuid.uuid4().hex[:12]}"
    queue = _queue(stack.values, name)
    seen: list[tuple[bytes, int]] = []
    done = threading.Event()
    app = func.FunctionApp()

    @app.queue_trigger(arg_name="msg", queue_name=name, connection="AzureWebJobsStorage")
    def works(msg: func.QueueMessage) -> None:
        seen.append((msg.get_body(), msg.dequeue_count))
        done.set()

    host = serve(app, stack.values, FAST_QUEUES)
    try:
        queue.send_message(_b64("héllo ✓"))
        assert done.wait(15)
        time.sleep(0.5)
    finally:
        host.stop()
    assert seen == [("héllo ✓".encode(), 1)]
    assert list(queue.peek_messages()) == []
    props = queue.get_queue_properties()
    assert props.approximate_message_count == 0


def test_timer_runs_on_demand_through_the_admin_endpoint(stack):
    fired = threading.Event()
    app = func.FunctionApp()

    @app.timer_trigger(schedule="0 0 3 * * *", arg_name="timer")
    def nightly(timer: func.TimerRequest) -> None:
        fired.set()

    host = serve(app, stack.values)
    try:
        base = f"http://127.0.0.1:{host.port}"
        assert requests.post(f"{base}/admin/functions/nightly").status_code == 401
        assert not fired.is_set()
        assert requests.post(f"{base}/admin/functions/nightly", headers={"x-functions-key": KEY}).status_code == 202
        assert fired.is_set()
        assert requests.post(f"{base}/admin/functions/nope", headers={"x-functions-key": KEY}).status_code == 404
    finally:
        host.stop()


def test_timer_fires_on_its_ncrontab_schedule(stack):
    fired: list[float] = []
    app = func.FunctionApp()

    @app.timer_trigger(schedule="*/1 * * * * *", arg_name="timer")  # every second (seconds come first)
    def every_second(timer: func.TimerRequest) -> None:
        fired.append(time.monotonic())

    host = serve(app, stack.values)
    try:
        time.sleep(3.5)
    finally:
        host.stop()
    assert 2 <= len(fired) <= 5


def test_queue_batch_size_bounds_concurrency(stack):
    name = f"q{uuid.uuid4().hex[:12]}"
    queue = _queue(stack.values, name)
    running, peak, done = [0], [0], []
    lock = threading.Lock()
    app = func.FunctionApp()

    @app.queue_trigger(arg_name="msg", queue_name=name, connection="AzureWebJobsStorage")
    def slow(msg: func.QueueMessage) -> None:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.4)
        with lock:
            running[0] -= 1
            done.append(msg.get_body())

    for i in range(12):
        queue.send_message(_b64(f"m{i}"))
    host = serve(app, stack.values, FAST_QUEUES)  # batchSize 4
    try:
        deadline = time.monotonic() + 30
        while len(done) < 12 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        host.stop()
    assert sorted(done) == sorted(f"m{i}".encode() for i in range(12))
    assert 2 <= peak[0] <= 4
