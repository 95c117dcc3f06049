"""The staff API (/api/manage/) through devhost with its Easy Auth emulation, the Cosmos DB emulator
and `python -m ops audit`: sign-in, roles, the workflow with four eyes and the privacy gate, the
audit trail; and every documented status of the staff routes answered (the contract test checks
the public routes the same way)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.factories import kinds
from tests.integration.test_api_contract import registered_routes

ROOT = Path(__file__).resolve().parents[2]
AUTHOR, AUTHOR_2, REVIEWER, OPS = 0, 1, 2, 3  # devhost's fictional staff, by position
GOT: dict[tuple[str, str, str], int] = {}  # (documented path, method, status) -> what the app answered


def staff(api: str, who: int, role: str) -> requests.Session:
    """A browser-like session signed in through devhost's /.auth/login/dev."""
    from devhost.easyauth import STAFF

    s = requests.Session()
    r = s.post(f"{api}/.auth/login/dev", data={"user": STAFF[who][0], "role": role}, allow_redirects=False)
    assert r.status_code == 302 and "AppServiceAuthSession" in r.headers["Set-Cookie"]
    return s


def saw(path: str, method: str, response: requests.Response) -> requests.Response:
    GOT[(path, method, str(response.status_code))] = response.status_code
    return response


def draft(**changes) -> dict:
    body = {
        "pseudonym": "Kanya",
        "origin": {"country": "TH", "label": "Northern Thailand"},
        "headline": "Learning to bake, and to trust again",
        "summary": "A fictional story written for tests.",
        "currency": "USD",
        "sensitive_terms": ["Wiang Haeng"],
        "needs": [{"need": "education", "title": "Baking course", "description": "Six months of classes.", "goal": 40000}],
        "journey": [
            {
                "kind": "home",
                "title": "Home",
                "narrative": "She grew up near the hills.",
                "place": "Northern Thailand",
                "lat": 19.53,
                "lon": 98.64,
                "period": "2018",
            },
            {
                "kind": "recruitment",
                "title": "An offer",
                "narrative": "A job in a city was promised.",
                "place": "Central Thailand",
                "lat": 13.76,
                "lon": 100.5,
                "period": "2019-05",
            },
            {
                "kind": "future",
                "title": "Ahead",
                "narrative": "She wants her own stall.",
                "place": "Northern Thailand",
                "lat": 18.79,
                "lon": 98.98,
                "period": "2026",
            },
        ],
    }
    body.update(changes)
    return body


M = "/api/manage/stories"


def test_easy_auth_emulation_signs_in_strips_forged_headers_and_signs_out(api):
    from shared.principal import encode

    assert requests.get(f"{api}/.auth/me").status_code == 401
    page = requests.get(f"{api}/.auth/login/dev")
    assert page.status_code == 200 and "Ploy Srisuk" in page.text and 'value="reviewer"' in page.text
    s = staff(api, AUTHOR, "author")
    me = s.get(f"{api}/.auth/me").json()
    claims = {(c["typ"], c["val"]) for c in me[0]["user_claims"]}
    assert me[0]["provider_name"] == "aad" and ("roles", "author") in claims and ("name", "Ploy Srisuk") in claims
    assert s.get(f"{api}{M}").status_code == 200

    # A client's own X-MS-CLIENT-PRINCIPAL never reaches the app (the platform strips it).
    forged = encode("someone", "Someone", ["reviewer", "author", "ops"])
    assert requests.get(f"{api}{M}", headers={"X-MS-CLIENT-PRINCIPAL": forged}).status_code == 401

    out = s.get(f"{api}/.auth/logout?post_logout_redirect_uri=/staff/", allow_redirects=False)
    assert out.status_code == 302 and out.headers["Location"] == "/staff/"
    assert s.get(f"{api}/.auth/me").status_code == 401
    assert s.get(f"{api}{M}").status_code == 401
    # Redirects stay on this site.
    r = staff(api, AUTHOR, "author").post(
        f"{api}/.auth/login/dev?post_login_redirect_uri=https://evil.example/",
        data={"user": "x", "role": "author"},
        allow_redirects=False,
    )
    assert r.status_code == 400


def test_every_manage_route_needs_a_principal_and_a_role_that_may_act(api):
    doc = requests.get(f"{api}/api/openapi.json").json()
    routes = [
        (f"/api/{r['route']}", m)
        for r in registered_routes()
        if r["route"].startswith("manage/")
        for m in r["methods"]
        if m != "options"
    ]
    assert len(routes) >= 12, routes
    sessions = {
        role: staff(api, OPS if role == "ops" else REVIEWER if role == "reviewer" else AUTHOR, role)
        for role in ("author", "reviewer", "ops", "none")
    }
    for path, method in routes:
        op = doc["paths"][path][method]  # documented (the contract test checks the set)
        allowed = set(op["x-roles"])
        url = api + path.replace("{id}", "q" * 16)
        body = {} if method in ("post", "put") else None
        nobody = requests.request(method, url, json=body)
        assert saw(path, method, nobody).status_code == 401, (path, method)
        assert nobody.json()["error"]["code"] == "unauthenticated"
        for role in sorted({"author", "reviewer", "ops", "none"} - allowed):
            refused = sessions[role].request(method, url, json=body)
            assert saw(path, method, refused).status_code == 403, (path, method, role)
            assert refused.json()["error"]["code"] == "forbidden"
        for role in allowed:  # the role check passes; then the story is not found (or the body is wrong)
            assert sessions[role].request(method, url, json=body).status_code in (200, 400, 404), (path, method, role)


def test_the_workflow_four_eyes_privacy_gate_and_audit_trail(api, stack):
    author, other_author = staff(api, AUTHOR, "author"), staff(api, AUTHOR_2, "author")
    reviewer, ops_person = staff(api, REVIEWER, "reviewer"), staff(api, OPS, "ops")
    author_as_reviewer = staff(api, AUTHOR, "reviewer")  # the same person, holding both roles in turn

    # create: malformed bodies, too large, then a draft
    saw(M, "post", author.post(f"{api}{M}", data="{", headers={"Content-Type": "application/json"}))
    saw(M, "post", author.post(f"{api}{M}", data="x" * 300_000))
    bad = saw(M, "post", author.post(f"{api}{M}", json=draft(journey=[])))
    assert bad.status_code == 400 and bad.json()["error"]["parameter"] == "journey"
    created = saw(M, "post", author.post(f"{api}{M}", json=draft()))
    assert created.status_code == 201, created.text
    story = created.json()["story"]
    sid, one = story["id"], f"{M}/{{id}}"
    assert created.json()["findings"] == {} and story["editorial"]["version"] == 1 and story["state"] == "editing"
    assert story["editorial"]["last_edited_by"] == "Ploy Srisuk"
    assert any(r["id"] == sid and r["state"] == "editing" for r in saw(M, "get", author.get(f"{api}{M}")).json()["items"])
    # not public yet
    assert requests.get(f"{api}/api/stories/{sid}").status_code == 404

    # a leak typed into a narrative: saved, reported by field, and submission refused
    leaky = draft(version=1)
    leaky["journey"][1]["narrative"] = "Call her brother on +66 81 234 5678."
    leaky["summary"] = "She was born in Wiang Haeng."
    saved = saw(one, "put", author.put(f"{api}{M}/{sid}", json=leaky))
    assert saved.status_code == 200, saved.text
    assert kinds(saved.json()["findings"]) == {
        "journey.2.narrative": {"contains a phone number"},
        "summary": {"contains a sensitive term"},
    }
    assert saved.json()["story"]["editorial"]["version"] == 2
    refused = saw(f"{one}/submit", "post", author.post(f"{api}{M}/{sid}/submit", json={"version": 2}))
    assert refused.status_code == 422 and "journey.2.narrative" in refused.json()["error"]["findings"]
    stale = saw(one, "put", author.put(f"{api}{M}/{sid}", json=draft(version=1)))
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "version_conflict"
    saw(one, "put", author.put(f"{api}{M}/{sid}", json=draft()))  # 400: no version
    saw(one, "put", author.put(f"{api}{M}/{'q' * 16}", json=draft(version=1)))
    fixed = other_author.put(f"{api}{M}/{sid}", json=draft(version=2))
    assert fixed.status_code == 200 and fixed.json()["findings"] == {}
    assert fixed.json()["story"]["editorial"]["last_edited_by"] == "Marco Reyes"

    # submit, then four eyes
    saw(f"{one}/submit", "post", author.post(f"{api}{M}/{sid}/submit", json={}))
    saw(f"{one}/submit", "post", author.post(f"{api}{M}/{'q' * 16}/submit", json={"version": 3}))
    saw(f"{one}/submit", "post", author.post(f"{api}{M}/{sid}/submit", json={"version": 2}))  # 409
    assert saw(f"{one}/submit", "post", author.post(f"{api}{M}/{sid}/submit", json={"version": 3})).status_code == 200
    early = saw(f"{one}/publish", "post", reviewer.post(f"{api}{M}/{sid}/publish", json={"version": 3}))
    assert early.status_code == 409 and early.json()["error"]["code"] == "wrong_state"
    own = saw(f"{one}/approve", "post", author_as_reviewer.post(f"{api}{M}/{sid}/approve", json={"version": 3}))
    assert own.status_code == 403 and own.json()["error"]["code"] == "four_eyes"
    saw(f"{one}/approve", "post", reviewer.post(f"{api}{M}/{sid}/approve", json={"version": "x"}))
    saw(f"{one}/approve", "post", reviewer.post(f"{api}{M}/{'q' * 16}/approve", json={"version": 3}))
    saw(f"{one}/approve", "post", reviewer.post(f"{api}{M}/{sid}/approve", json={"version": 2}))
    approved = saw(f"{one}/approve", "post", reviewer.post(f"{api}{M}/{sid}/approve", json={"version": 3}))
    assert approved.status_code == 200 and approved.json()["story"]["state"] == "approved"

    # the review screen's changes: none since the approved version
    got = saw(one, "get", reviewer.get(f"{api}{M}/{sid}")).json()
    assert got["changes"] == {"since": 3, "fields": []}
    saw(one, "get", reviewer.get(f"{api}{M}/{'q' * 16}"))
    preview = saw(f"{one}/preview", "get", author.get(f"{api}{M}/{sid}/preview")).json()
    assert preview["pseudonym"] == "Kanya" and preview["journey"][0]["lat"] == 19.5  # coarsened as donors see it
    saw(f"{one}/preview", "get", author.get(f"{api}{M}/{'q' * 16}/preview"))

    # pictures go through the safe-image path: no metadata kept, a face refused, a bad name refused
    from tests.photos import assert_no_metadata, jpeg_with_metadata, sample

    pics = "/images"
    photo = jpeg_with_metadata(sample("coffee"))
    added = saw(
        one + pics,
        "post",
        author.post(f"{api}{M}/{sid}{pics}?name=market-stall.jpg", data=photo, headers={"Content-Type": "image/jpeg"}),
    )
    assert added.status_code == 201 and added.json()["file"] == "market-stall.jpg"
    stored = requests.get(added.json()["url"])
    assert stored.status_code == 200 and stored.headers["Content-Type"] == "image/jpeg"
    assert_no_metadata(stored.content)
    face = saw(
        one + pics, "post", author.post(f"{api}{M}/{sid}{pics}?name=portrait.jpg", data=jpeg_with_metadata(sample("astronaut")))
    )
    assert face.status_code == 422 and face.json()["error"]["code"] == "image_refused" and "face" in face.text
    saw(one + pics, "post", author.post(f"{api}{M}/{sid}{pics}?name=../../x.jpg", data=photo))
    saw(one + pics, "post", author.post(f"{api}{M}/{'q' * 16}{pics}?name=a.jpg", data=photo))
    assert [r["action"] for r in reviewer.get(f"{api}{M}/{sid}/history").json()["items"]].count("image") == 1

    # publish needs consent
    saw(f"{one}/publish", "post", reviewer.post(f"{api}{M}/{sid}/publish", json=[]))
    saw(f"{one}/publish", "post", reviewer.post(f"{api}{M}/{'q' * 16}/publish", json={"version": 3}))
    no_consent = reviewer.post(f"{api}{M}/{sid}/publish", json={"version": 3})
    assert no_consent.status_code == 409 and no_consent.json()["error"]["code"] == "consent_missing"
    c = "/consent"
    saw(one + c, "post", author.post(f"{api}{M}/{sid}{c}", json={"given": "2026-02-14", "scope": "x"}))
    saw(one + c, "post", author.post(f"{api}{M}/{'q' * 16}{c}", json={"given": "2026-01", "scope": "x"}))
    consent = saw(
        one + c,
        "post",
        author.post(
            f"{api}{M}/{sid}{c}",
            json={"given": "2026-01", "scope": "Story, journey map and updates on the portal", "expires": "2028-01"},
        ),
    )
    assert consent.status_code == 200
    assert consent.json()["story"]["consent"]["recorded_by"] == "Ploy Srisuk"
    published = saw(f"{one}/publish", "post", reviewer.post(f"{api}{M}/{sid}/publish", json={"version": 3}))
    assert published.status_code == 200 and published.json()["story"]["state"] == "published"
    assert requests.get(f"{api}/api/stories/{sid}").json()["pseudonym"] == "Kanya"
    edit_published = saw(one, "put", author.put(f"{api}{M}/{sid}", json=draft(version=3)))
    assert edit_published.json()["error"]["code"] == "not_editable"

    # updates pass the gate and appear on the story
    u = "/updates"
    saw(one + u, "post", author.post(f"{api}{M}/{sid}{u}", json={"period": "2026-03"}))
    saw(one + u, "post", author.post(f"{api}{M}/{'q' * 16}{u}", json={"period": "2026-03", "text": "x"}))
    leak = saw(
        one + u, "post", author.post(f"{api}{M}/{sid}{u}", json={"period": "2026-03", "text": "Write to her at kanya@example.org"})
    )
    assert leak.status_code == 422 and kinds(leak.json()["error"]["findings"]) == {"updates.1.text": {"contains an e-mail address"}}
    update = saw(
        one + u,
        "post",
        author.post(f"{api}{M}/{sid}{u}", json={"period": "2026-03", "text": "Kanya finished the first month of her baking course."}),
    )
    assert update.status_code == 201
    assert requests.get(f"{api}/api/stories/{sid}", headers={"Cache-Control": "no-cache"}).json()["updates"] == [
        {"period": "2026-03", "text": "Kanya finished the first month of her baking course."}
    ]
    listed = requests.get(f"{api}/api/stories?limit=50", headers={"Cache-Control": "no-cache"}).json()["items"]
    assert next(s for s in listed if s["id"] == sid)["new_update"] is True
    assert not any(s["new_update"] for s in listed if s["id"] != sid and s["pseudonym"] != "Kanya")

    # withdraw with a reason (a sensitive term in it is not kept)
    w = "/withdraw"
    saw(one + w, "post", ops_person.post(f"{api}{M}/{sid}{w}", json={}))
    saw(one + w, "post", ops_person.post(f"{api}{M}/{'q' * 16}{w}", json={"reason": "x"}))
    gone = saw(
        one + w,
        "post",
        ops_person.post(f"{api}{M}/{sid}{w}", json={"reason": "Consent withdrawn by phone; she moved from Wiang Haeng"}),
    )
    assert gone.status_code == 200 and gone.json()["story"]["state"] == "withdrawn"
    late = saw(one + pics, "post", author.post(f"{api}{M}/{sid}{pics}?name=late.jpg", data=photo))
    assert late.status_code == 409 and late.json()["error"]["code"] == "wrong_state"
    saw(one + w, "post", ops_person.post(f"{api}{M}/{sid}{w}", json={"reason": "again"}))
    assert requests.get(f"{api}/api/stories/{sid}").status_code == 404
    u2 = author.post(f"{api}{M}/{sid}{u}", json={"period": "2026-04", "text": "More news."})
    saw(one + u, "post", u2)
    assert u2.status_code == 409

    # the audit trail: every step, who and when, never the sensitive term
    h = saw(f"{one}/history", "get", ops_person.get(f"{api}{M}/{sid}/history")).json()["items"]
    saw(f"{one}/history", "get", ops_person.get(f"{api}{M}/{'q' * 16}/history"))
    steps = [(r["action"], r["by"]["name"], r["role"], r["version"]) for r in h]
    assert steps == [
        ("create", "Ploy Srisuk", "author", 1),
        ("edit", "Ploy Srisuk", "author", 2),
        ("edit", "Marco Reyes", "author", 3),
        ("submit", "Ploy Srisuk", "author", 3),
        ("approve", "Hnin Aye", "reviewer", 3),
        ("image", "Ploy Srisuk", "author", 3),
        ("consent", "Ploy Srisuk", "author", 3),
        ("publish", "Hnin Aye", "reviewer", 3),
        ("update", "Ploy Srisuk", "author", 3),
        ("withdraw", "Sam Okafor", "ops", 3),
    ]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", r["at"]) for r in h)
    assert [r["at"] for r in h] == sorted(r["at"] for r in h)
    assert h[1]["details"]["fields"] == ["journey", "summary"] and h[1]["details"]["findings"] == 2
    assert h[-1]["details"]["reason"] == "Consent withdrawn by phone; she moved from [redacted]"
    assert "wiang haeng" not in json.dumps(h).lower()

    out = subprocess.run([sys.executable, "-m", "ops", "--local", "audit", sid], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = [line for line in out.stdout.strip().splitlines() if not line.startswith(("ops target", "  "))]
    assert len(lines) == 11 and lines[-1] == f"10 record(s) for story {sid}"
    assert "approve" in lines[4] and "Hnin Aye (reviewer" in lines[4] and lines[4].startswith(h[4]["at"])
    assert "Wiang Haeng" not in out.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "ops", "--local", "audit", "q" * 16], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert missing.returncode == 1 and "0 record(s)" in missing.stdout


def test_changes_since_the_last_approved_version(api):
    author, reviewer = staff(api, AUTHOR, "author"), staff(api, REVIEWER, "reviewer")
    sid = author.post(f"{api}{M}", json=draft()).json()["story"]["id"]
    first = reviewer.get(f"{api}{M}/{sid}").json()["changes"]
    assert first["since"] is None and {"field": "pseudonym", "before": None, "after": "Kanya"} in first["fields"]
    assert not any(f["field"] == "sensitive_terms" for f in first["fields"])
    author.post(f"{api}{M}/{sid}/submit", json={"version": 1})
    reviewer.post(f"{api}{M}/{sid}/approve", json={"version": 1}).raise_for_status()
    changed = draft(version=1)
    changed["journey"][2]["narrative"] = "She wants her own bakery."
    assert author.put(f"{api}{M}/{sid}", json=changed).json()["story"]["state"] == "editing"
    diff = reviewer.get(f"{api}{M}/{sid}").json()["changes"]
    assert diff == {
        "since": 1,
        "fields": [{"field": "journey.3.narrative", "before": "She wants her own stall.", "after": "She wants her own bakery."}],
    }


def test_staff_routes_answer_cors_with_credentials_only_to_allowed_origins(api, stack):
    allowed = stack.values["CORS_ALLOWED_ORIGINS"].split(",")[0].strip()
    pre = requests.options(
        f"{api}{M}/{'q' * 16}",
        headers={"Origin": allowed, "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "content-type"},
    )
    assert pre.status_code == 204
    assert pre.headers["Access-Control-Allow-Origin"] == allowed
    assert pre.headers["Access-Control-Allow-Credentials"] == "true" and "PUT" in pre.headers["Access-Control-Allow-Methods"]
    refused = requests.get(f"{api}{M}", headers={"Origin": allowed})
    assert refused.status_code == 401 and refused.headers["Access-Control-Allow-Credentials"] == "true"
    signed_in = staff(api, AUTHOR, "author").get(f"{api}{M}", headers={"Origin": allowed})
    assert signed_in.status_code == 200 and signed_in.headers["Access-Control-Allow-Origin"] == allowed
    other = requests.options(f"{api}{M}", headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "GET"})
    assert "Access-Control-Allow-Origin" not in other.headers and "Access-Control-Allow-Credentials" not in other.headers


def test_a_story_whose_consent_expired_leaves_the_portal(api, stack):
    from shared import store

    author, reviewer = staff(api, AUTHOR, "author"), staff(api, REVIEWER, "reviewer")
    sid = author.post(f"{api}{M}", json=draft()).json()["story"]["id"]
    assert author.post(f"{api}{M}/{sid}/submit", json={"version": 1}).status_code == 200
    assert reviewer.post(f"{api}{M}/{sid}/approve", json={"version": 1}).status_code == 200
    past = reviewer.post(f"{api}{M}/{sid}/consent", json={"given": "2020-01", "scope": "Portal", "expires": "2021-01"})
    assert past.status_code == 200
    expired = reviewer.post(f"{api}{M}/{sid}/publish", json={"version": 1})
    assert expired.status_code == 409 and expired.json()["error"]["code"] == "consent_missing"
    reviewer.post(f"{api}{M}/{sid}/consent", json={"given": "2026-01", "scope": "Portal", "expires": "2099-12"})
    assert reviewer.post(f"{api}{M}/{sid}/publish", json={"version": 1}).status_code == 200
    assert requests.get(f"{api}/api/stories/{sid}").status_code == 200

    story, etag = store.get_story(sid)  # months pass
    assert story.consent is not None
    story.consent.given, story.consent.expires = "2025-01", "2025-12"
    store.replace_story(story, etag)
    fired = requests.post(f"{api}/admin/functions/expire_consents", headers={"x-functions-key": stack.values["DEVHOST_FUNCTION_KEY"]})
    assert fired.status_code == 202
    assert requests.get(f"{api}/api/stories/{sid}", headers={"Cache-Control": "no-cache"}).status_code == 404
    assert reviewer.get(f"{api}{M}/{sid}").json()["story"]["status"] == "withdrawn"
    last = reviewer.get(f"{api}{M}/{sid}/history").json()["items"][-1]
    assert (last["action"], last["role"], last["by"]["name"]) == ("consent_expired", "system", "consent expiry (daily timer)")
    assert last["details"] == {"expired": "2025-12"}


def test_ops_commands_leave_records_too(api, tmp_path):
    from tests.factories import story

    draft_file = tmp_path / "story.json"
    s = story(status="draft")
    draft_file.write_text(s.model_dump_json())

    def ops(*args):
        return subprocess.run([sys.executable, "-m", "ops", "--local", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)

    assert ops("import", str(draft_file)).returncode == 0
    assert ops("publish", s.id).returncode == 0
    out = ops("audit", s.id)
    assert out.returncode == 0, out.stderr
    lines = [line for line in out.stdout.strip().splitlines() if not line.startswith(("ops target", "  "))]
    assert len(lines) == 3 and " create " in lines[0] and " publish " in lines[1]
    assert "(ops, cli:" in lines[1] and "via=python -m ops" in lines[1]


@pytest.mark.parametrize("_", [None])
def test_every_documented_status_of_the_staff_routes_is_answered(api, _):
    """Runs after the tests above (file order) and checks what they saw against the description."""
    doc = requests.get(f"{api}/api/openapi.json").json()
    documented = {
        (p, m, s) for p, ops in doc["paths"].items() if p.startswith("/api/manage/") for m, op in ops.items() for s in op["responses"]
    }
    assert set(GOT) == documented, (
        f"documented but not answered: {documented - set(GOT)}; answered but not documented: {set(GOT) - documented}"
    )
