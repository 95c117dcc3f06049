"""Do no harm: every public response holds only the public models' fields, coordinates no finer than
the coarsening grid, no sensitive term and nothing internal."""

from __future__ import annotations

import json

import pytest
import requests

from shared.models import FundingLedger, StoryDetail, StoryDoc, StoryPage
from shared.privacy import GRID_DEGREES, KINDS, check_story, coarsen

INTERNAL_KEYS = {
    "consent",
    "sensitive_terms",
    "storyId",
    "_etag",
    "_rid",
    "_ts",
    "_self",
    "allocations",
    "reversed",
    "event_id",
    "email",
    "receipt_email",
    "payment_intent",
    "created",
}


def _on_grid(value: float) -> bool:
    steps = value / GRID_DEGREES
    return abs(steps - round(steps)) < 1e-6


def _walk_keys(obj, path=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield f"{path}.{k}", k
            yield from _walk_keys(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _walk_keys(v, f"{path}[{i}]")


def _public_responses(api, seeded):
    page = requests.get(f"{api}/api/stories", params={"limit": 50}).json()
    yield "list", page, StoryPage
    for item in page["items"]:
        sid = item["id"]
        yield f"story {sid}", requests.get(f"{api}/api/stories/{sid}").json(), StoryDetail
        yield f"funding {sid}", requests.get(f"{api}/api/stories/{sid}/funding").json(), FundingLedger
        yield f"geojson {sid}", requests.get(f"{api}/api/stories/{sid}/journey.geojson").json(), None


def test_every_public_response_is_made_of_public_fields_only(api, seeded):
    count = 0
    for name, body, model in _public_responses(api, seeded):
        count += 1
        if model is not None:
            model.model_validate(body)  # extra="forbid" on every public model: an unknown field fails here
        for path, key in _walk_keys(body):
            assert key not in INTERNAL_KEYS, f"{name}: internal field {path}"
    assert count > 10


def test_no_coordinate_finer_than_the_grid(api, seeded):
    checked = 0
    for name, body, _ in _public_responses(api, seeded):
        for m in body.get("journey", []):
            assert _on_grid(m["lat"]) and _on_grid(m["lon"]), (name, m["lat"], m["lon"])
            checked += 1
        for f in body.get("features", []):
            coords = f["geometry"]["coordinates"]
            for lon, lat in coords if f["geometry"]["type"] == "LineString" else [coords]:
                assert _on_grid(lat) and _on_grid(lon), (name, lat, lon)
                checked += 1
    assert checked > 30


def _texts(obj, key=""):
    """Every string of a response but the URLs (signatures are random letters)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _texts(v, k)
    elif isinstance(obj, list):
        for v in obj:
            yield from _texts(v, key)
    elif isinstance(obj, str) and not key.endswith("url"):
        yield obj


def test_no_sensitive_term_reaches_any_response(api, seeded):
    from shared.privacy import scan

    terms = [t for s in seeded.values() for t in s.sensitive_terms]
    assert terms
    checked = 0
    for name, body, _ in _public_responses(api, seeded):
        text = json.dumps(body, ensure_ascii=False).lower()
        for term in terms:
            assert term.lower() not in text, f"{name} leaks a sensitive term"
        for value in _texts(body):  # however it is spelled
            assert scan(value, terms, kinds={"sensitive_term"}) == [], f"{name} leaks a sensitive term"
            checked += 1
    assert checked > 100


@pytest.mark.parametrize("value, expected", [(13.756, 13.8), (100.51, 100.5), (-6.249, -6.2), (0.04, 0.0)])
def test_coarsen_snaps_to_the_grid(value, expected):
    assert coarsen(value) == pytest.approx(expected)


def test_check_story_finds_leaks(seeded):
    story = next(s for s in seeded.values() if s.sensitive_terms)
    assert check_story(story) == []
    leaky = StoryDoc.model_validate({**story.model_dump(), "summary": story.summary + " " + story.sensitive_terms[0]})
    assert any("sensitive term" in p for p in check_story(leaky))
    dated = StoryDoc.model_validate({**story.model_dump(), "headline": "Left home on 12 March 2019"})
    assert any("exact date" in p for p in check_story(dated))
    html = StoryDoc.model_validate({**story.model_dump(), "headline": "<img src=x onerror=alert(1)>"})
    assert any("markup" in p for p in check_story(html))
    respelled = story.sensitive_terms[0].upper().replace(" ", "-")
    fuzzy = StoryDoc.model_validate({**story.model_dump(), "summary": story.summary + " " + respelled})
    assert check_story(fuzzy) == [f"summary: contains {KINDS['sensitive_term']} at character {len(story.summary) + 2}"]
