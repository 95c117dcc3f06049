"""Staff rules without services: reading the Easy Auth principal, the privacy grid being the same in
the editor's JavaScript as in Python, findings by field, redaction in the audit trail."""

from __future__ import annotations

import base64
import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from shared import audit, editorial, principal
from shared.privacy import coarsen
from tests.factories import kinds, story

ROOT = Path(__file__).resolve().parents[2]


def header(body: dict) -> dict[str, str]:
    return {"X-MS-CLIENT-PRINCIPAL": base64.b64encode(json.dumps(body).encode()).decode()}


def test_the_principal_as_the_platform_sends_it():
    who = principal.from_headers({"x-ms-client-principal": principal.encode("oid-1", "Ploy", ["author", "ops"])})
    assert who == principal.Principal(id="oid-1", name="Ploy", roles=frozenset({"author", "ops"}))
    # Entra ID's long claim names, and roles named by role_typ
    entra = header(
        {
            "auth_typ": "aad",
            "name_typ": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
            "role_typ": "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
            "claims": [
                {"typ": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name", "val": "Hnin"},
                {"typ": "http://schemas.microsoft.com/identity/claims/objectidentifier", "val": "o-2"},
                {"typ": "http://schemas.microsoft.com/ws/2008/06/identity/claims/role", "val": "reviewer"},
                {"typ": "http://schemas.microsoft.com/ws/2008/06/identity/claims/role", "val": "admin"},
            ],
        }
    )
    assert principal.from_headers(entra) == principal.Principal("o-2", "Hnin", frozenset({"reviewer"}))


@pytest.mark.parametrize(
    "value",
    [
        "",
        "not base64 ***",
        base64.b64encode(b"[1,2]").decode(),
        base64.b64encode(b'{"claims": [{"typ": "x"}]}').decode(),
        base64.b64encode(b'{"claims": []}').decode(),
    ],
)
def test_an_unreadable_principal_is_nobody(value):
    assert principal.from_headers({"X-MS-CLIENT-PRINCIPAL": value}) is None


def test_require_says_who_may_act():
    from shared.errors import DomainError

    with pytest.raises(DomainError) as nobody:
        principal.require({}, "author")
    assert nobody.value.code == "unauthenticated"
    ops_only = {"X-MS-CLIENT-PRINCIPAL": principal.encode("o", "Sam", ["ops"])}
    with pytest.raises(DomainError) as wrong:
        principal.require(ops_only, "author", "reviewer")
    assert wrong.value.code == "forbidden"
    who, role = principal.require(ops_only, "reviewer", "ops")
    assert (who.name, role) == ("Sam", "ops")


@pytest.mark.skipif(not shutil.which("node"), reason="Node is needed to run the editor's module")
def test_the_editor_snaps_to_the_same_grid_as_the_server():
    rng = random.Random(11)
    values = (
        [rng.uniform(-180, 180) for _ in range(2000)]
        + [i / 100 for i in range(-2000, 2000)]
        + [i / 20 for i in range(-400, 400)]
        + [18.85, 18.75, 0.05, -0.05, 0.15, -0.25, 99.95, 0.0]
    )
    script = (
        "import { coarsen } from './web/staff/js/grid.js';\n"
        "const values = JSON.parse(process.argv[1]);\n"
        "console.log(JSON.stringify(values.map((v) => coarsen(v))));\n"
    )
    out = subprocess.run(
        ["node", "--input-type=module", "-e", script, json.dumps(values)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    js = json.loads(out.stdout)
    mismatches = [(v, a, coarsen(v)) for v, a in zip(values, js, strict=True) if a != coarsen(v)]
    assert not mismatches, mismatches[:10]


def test_the_editor_snaps_near_coasts_as_the_server_does(tmp_path):
    """grid.js's snap over the basemap the editor draws, against privacy.snap over land.json (the same
    polygons: tests/integration/test_land.py), near the coasts where the rule moves points."""
    from shared.privacy import snap
    from shared.privacy.land import land, on_land

    geojson = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[x / 100_000, y / 100_000] for x, y in ring + ring[:1]] for ring in polygon],
                },
            }
            for polygon in land().polygons
        ],
    }
    (tmp_path / "basemap.json").write_text(json.dumps(geojson))
    rng = random.Random(5)
    points = [(rng.uniform(-15, 45), rng.uniform(60, 150)) for _ in range(1500)]
    points += [(rng.uniform(5, 17), rng.uniform(97, 106)) for _ in range(1500)]  # Andaman Sea, Gulf of Thailand
    points += [(9.96, 98.64), (12.57, 99.96), (8.64, 98.25), (10.0, 98.6), (45.0, 100.0), (-15.0, 120.0)]
    (tmp_path / "points.json").write_text(json.dumps(points))
    script = (
        "import { readFileSync } from 'node:fs';\n"
        "import { landOf, onLand, snap } from './web/staff/js/grid.js';\n"
        "const land = landOf(JSON.parse(readFileSync(process.argv[1], 'utf8')));\n"
        "const points = JSON.parse(readFileSync(process.argv[2], 'utf8'));\n"
        "console.log(JSON.stringify(points.map(([a, b]) => [onLand(land, a, b), snap(a, b, land)])));\n"
    )
    out = subprocess.run(
        ["node", "--input-type=module", "-e", script, str(tmp_path / "basemap.json"), str(tmp_path / "points.json")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    js = json.loads(out.stdout)
    python = [[on_land(a, b), list(snap(a, b))] for a, b in points]
    mismatches = [(p, j, py) for p, j, py in zip(points, js, python, strict=True) if j != py]
    assert not mismatches, mismatches[:10]
    assert sum(py[1] != [coarsen(a), coarsen(b)] for (a, b), py in zip(points, python, strict=True)) >= 5  # some moved


def test_findings_come_back_by_field():
    s = story()
    s.sensitive_terms = ["Ban Rak"]
    s.journey[1].narrative = "Call +66 81 234 5678 near Ban Rak."
    s.journey[1].kind = "home"
    assert kinds(editorial.findings(s)) == {
        "journey.2.narrative": {"contains a sensitive term", "contains a phone number"},
        "journey": {"needs at least two kinds of milestone"},
    }


def test_the_audit_trail_never_keeps_the_sensitive_terms():
    assert (
        audit.redact("She left Ban Rak; ban rak thai is far", ["Ban Rak", "Ban Rak Thai", " "])
        == "She left [redacted]; [redacted] is far"
    )
    who = principal.Principal("o", "Ploy", frozenset({"author"}))
    rec = audit.record("s" * 16, who, "author", "edit", 2, fields=["summary"], reason=None)
    assert rec["type"] == "audit" and rec["storyId"] == "s" * 16 and rec["details"] == {"fields": ["summary"]}
    assert rec["by"] == {"id": "o", "name": "Ploy"} and rec["at"].endswith("+00:00")


@pytest.mark.parametrize("sign_in", ["off", "", "EasyAuth!"])
def test_without_a_platform_that_strips_the_header_nobody_is_trusted(monkeypatch, sign_in):
    from shared.settings import get_settings

    monkeypatch.setenv("STAFF_SIGN_IN", sign_in)
    get_settings.cache_clear()
    try:
        assert principal.from_headers({"X-MS-CLIENT-PRINCIPAL": principal.encode("o", "Forged", ["reviewer"])}) is None
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert principal.from_headers({"X-MS-CLIENT-PRINCIPAL": principal.encode("o", "Real", ["reviewer"])}) is not None
