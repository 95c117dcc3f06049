"""The API description and the app agree: every registered route is documented, and every documented
status is answered by the running app in a request below (so a new route or a new error without
documentation fails here, and so does documentation nothing answers)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from tests.factories import post_donation, session_from, story

ROOT = Path(__file__).resolve().parents[2]
LIST_ROUTES = """
import json, function_app
routes = []
for f in function_app.app.get_functions():
    t = f.get_trigger()
    if t.get_binding_name() == "httpTrigger":
        d = t.get_dict_repr()
        routes.append({"route": d["route"], "methods": [str(m).split(".")[-1].lower() for m in d["methods"]],
                       "auth": str(d["authLevel"]).split(".")[-1].lower()})
print(json.dumps(routes))
"""


def registered_routes() -> list[dict]:
    out = subprocess.run([sys.executable, "-c", LIST_ROUTES], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_every_registered_route_is_documented_and_every_anonymous_one_says_so(api):
    from openapi_spec_validator import validate

    doc = requests.get(f"{api}/api/openapi.json").json()
    validate(doc)
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    routes = registered_routes()
    served = {(f"/api/{r['route']}", m) for r in routes for m in r["methods"] if m != "options"}
    assert served == documented
    assert all(r["auth"] == "anonymous" for r in routes), "every documented public route is anonymous on purpose"


def test_a_route_that_does_not_say_anonymous_needs_a_key():
    code = (
        "import azure.functions as func, function_app\n"
        "bp = func.Blueprint()\n"
        "@bp.route(route='x')\n"
        "def x(req): return func.HttpResponse('x')\n"
        "function_app.app.register_functions(bp)\n"
        "t = [f for f in function_app.app.get_functions() if f.get_function_name() == 'x'][0].get_trigger()\n"
        "print(str(t.get_dict_repr()['authLevel']))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().lower().endswith("function")


# ------------------------------------------------------------------ every documented status, answered
@pytest.fixture
def env(monkeypatch):
    from shared import clients, payments

    def apply(**values):
        """Exactly these changes from the suite's settings (earlier ones undone)."""
        monkeypatch.undo()
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        clients.reset()
        payments.stripe_client.cache_clear()

    yield apply
    monkeypatch.undo()
    clients.reset()
    payments.stripe_client.cache_clear()


def test_every_documented_status_is_answered(api, stack, seeded, env, monkeypatch):
    from shared import store

    doc = requests.get(f"{api}/api/openapi.json").json()
    # The staff routes' statuses are answered in tests/integration/test_manage.py (signed-in sessions).
    documented = {
        (path, method, status)
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
        for status in op["responses"]
        if not path.startswith("/api/manage/")
    }
    published = next(s for s in seeded.values() if s.status == "published" and s.currency == "USD")
    fresh = story({"shelter": 600})
    store.upsert_story(fresh)
    got: dict[tuple[str, str, str], int] = {}

    def saw(path, method, status, response):
        got[(path, method, status)] = response.status_code

    def conditional(path, url):
        first = requests.get(url)
        saw(path, "get", "200", first)
        saw(path, "get", "304", requests.get(url, headers={"If-None-Match": first.headers["ETag"]}))

    conditional("/api/stories", f"{api}/api/stories")
    saw("/api/stories", "get", "400", requests.get(f"{api}/api/stories", params={"bogus": "1"}))
    for suffix in ("", "/journey.geojson", "/funding"):
        path = "/api/stories/{id}" + suffix
        conditional(path, f"{api}/api/stories/{published.id}{suffix}")
        saw(path, "get", "404", requests.get(f"{api}/api/stories/{'q' * 16}{suffix}"))

    body = {"story_id": fresh.id, "need": "shelter", "amount": 500, "currency": "USD"}
    d = "/api/donations"
    saw(d, "post", "201", post_donation(api, body))
    saw(d, "post", "400", post_donation(api, body, challenge=None))
    saw(d, "post", "404", post_donation(api, {**body, "story_id": "q" * 16}))
    saw(d, "post", "409", post_donation(api, {**body, "amount": 700}))
    saw(d, "post", "413", requests.post(f"{api}{d}", data=b"{" + b" " * 5000 + b"}", headers={"Idempotency-Key": str(uuid.uuid4())}))
    env(LIMIT_CLIENT_PER_HOUR="1")
    one = session_from(f"127.3.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}")
    assert post_donation(api, body, session=one).status_code == 201
    saw(d, "post", "429", post_donation(api, body, session=one))
    env(STRIPE_API_BASE="http://127.0.0.1:9")  # Stripe unreachable
    saw(d, "post", "503", post_donation(api, body))
    env()

    import stripe

    class Refusing:
        class v1:  # noqa: N801 - the SDK's shape
            class payment_intents:  # noqa: N801
                @staticmethod
                def create(**_):
                    raise stripe.InvalidRequestError("refused", "amount")

    from shared import donations

    monkeypatch.setattr(donations, "stripe_client", lambda: Refusing)
    saw(d, "post", "502", post_donation(api, body))
    monkeypatch.undo()

    saw("/api/challenge", "get", "200", requests.get(f"{api}/api/challenge"))
    env(CHALLENGE_HMAC_KEY="")
    saw("/api/challenge", "get", "503", requests.get(f"{api}/api/challenge"))
    env()
    saw("/api/config", "get", "200", requests.get(f"{api}/api/config"))
    saw("/api/openapi.json", "get", "200", requests.get(f"{api}/api/openapi.json"))

    w = "/api/webhooks/stripe"
    event = json.dumps(
        {
            "id": "evt_x",
            "object": "event",
            "type": "customer.created",
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": {"id": "cus_1"}},
        }
    )
    secret = stack.values["STRIPE_WEBHOOK_SECRETS"].split(",")[0]

    def webhook(payload: str) -> requests.Response:
        header = stripe.WebhookSignature.generate_signature_header(payload, secret, int(time.time()))
        return requests.post(f"{api}{w}", data=payload, headers={"Stripe-Signature": header})

    saw(w, "post", "200", webhook(event))
    saw(w, "post", "400", requests.post(f"{api}{w}", data=event, headers={"Stripe-Signature": "t=1,v1=0"}))
    conn = stack.values["AzureWebJobsStorage"]
    queue = conn.split("QueueEndpoint=")[1].split(";")[0]
    env(AzureWebJobsStorage=conn.replace(queue, "http://127.0.0.1:9/devstoreaccount1"))
    handled = json.dumps(
        {
            "id": "evt_y",
            "object": "event",
            "type": "payment_intent.succeeded",
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": {"id": "pi_y", "object": "payment_intent"}},
        }
    )
    saw(w, "post", "503", webhook(handled))
    env()

    saw("/api/health", "get", "200", requests.get(f"{api}/api/health"))
    env(COSMOS_ENDPOINT="https://127.0.0.1:9/")
    saw("/api/health", "get", "503", requests.get(f"{api}/api/health"))
    env()

    assert set(got) == documented, (
        f"documented but not answered: {documented - set(got)}; answered but not documented: {set(got) - documented}"
    )
    wrong = {k: v for k, v in got.items() if str(v) != k[2]}
    assert not wrong, f"answered with another status: {wrong}"
