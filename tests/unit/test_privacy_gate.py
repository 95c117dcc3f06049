"""The privacy gate on its corpus (tests/privacy_corpus.py) and on whole stories: every leak found and
named, no false alarm on ordinary storytelling, and findings that never repeat what they found."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from shared.models import StoryDoc
from shared.privacy import KINDS, check_story, find_leaks, public_texts, review_story, scan
from tests.factories import story as make_story
from tests.privacy_corpus import CASES, TERMS

ROOT = Path(__file__).resolve().parents[2]


def _id(case) -> str:
    return f"{case.kind}-{case.lang}-{case.text[:40]}"


def test_the_corpus_is_large_and_covers_every_kind_and_topic():
    assert len(CASES) >= 150
    assert {c.kind for c in CASES if c.leak} == set(KINDS)
    assert {c.topic for c in CASES if not c.leak} == {
        "year",
        "month and year",
        "duration",
        "count",
        "money",
        "age",
        "country and province",
        "story",
    }
    assert {c.lang for c in CASES} == {"en", "th"}
    assert len({c.text for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", [c for c in CASES if c.leak], ids=_id)
def test_every_leak_is_found_and_named(case):
    kinds = [kind for kind, _, _ in scan(case.text, TERMS)]
    assert case.kind in kinds, f"{case.text!r}: found {kinds}"


@pytest.mark.parametrize("case", [c for c in CASES if not c.leak], ids=_id)
def test_ordinary_storytelling_passes(case):
    found = [(kind, case.text[s:e]) for kind, s, e in scan(case.text, TERMS)]
    assert found == [], f"false alarm on {case.text!r}"


@pytest.mark.parametrize("case", [c for c in CASES if c.leak], ids=_id)
def test_findings_name_field_kind_and_place_never_the_leak(case):
    findings = find_leaks("summary", case.text, TERMS)
    assert findings
    for f in findings:
        assert f.message.startswith(f"summary: contains {KINDS[f.kind]} at character {f.start + 1}")
        leaked = case.text[f.start : f.end].strip()
        assert leaked and leaked not in f.message
    for term in TERMS:
        assert all(term.lower() not in f.message.lower() for f in findings)


def _story_with(**changes) -> StoryDoc:
    raw = make_story().model_dump()
    raw["sensitive_terms"] = ["Kyaw Zin Oo"]
    for path, value in changes.items():
        target = raw
        *parents, last = path.split("__")
        for p in parents:
            target = target[int(p)] if p.isdigit() else target[p]
        target[last] = value
    return StoryDoc.model_validate(raw)


@pytest.mark.parametrize(
    "path, field",
    [
        ("headline", "headline"),
        ("summary", "summary"),
        ("pseudonym", "pseudonym"),
        ("origin__label", "origin.label"),
        ("needs__0__title", "needs.shelter.title"),
        ("needs__1__description", "needs.medical.description"),
        ("journey__0__title", "journey.1.title"),
        ("journey__1__narrative", "journey.2.narrative"),
        ("journey__0__place", "journey.1.place"),
    ],
)
def test_every_public_text_is_checked(path, field):
    problems = check_story(_story_with(**{path: "Ask for kyaw-zin-oo on 081-555-0142"}))
    assert f"{field}: contains a sensitive term" in "\n".join(problems)
    assert f"{field}: contains a phone number" in "\n".join(problems)
    assert all("kyaw" not in p.lower() and "0142" not in p for p in problems)


def test_image_alt_texts_and_updates_are_checked():
    raw = make_story().model_dump()
    raw["cover"] = {"file": "x/cover.svg", "alt": "Drawing of her house at 45/2 Moo 6"}
    raw["journey"][1]["image"] = {"file": "x/j.jpg", "alt": "Photo taken on 12 March 2019"}
    raw["updates"] = [{"period": "2026-02", "text": "Write to her at noy@example.org"}]
    problems = check_story(StoryDoc.model_validate(raw))
    assert "cover.alt: contains a street address or postcode at character 25" in problems
    assert any(p.startswith("journey.2.image.alt: contains an exact date") for p in problems)
    assert any(p.startswith("updates.1.text: contains an e-mail address") for p in problems)


def test_one_line_per_field_and_kind_with_every_place():
    problems = check_story(_story_with(summary="Call 081-555-0142 or 081-555-0143, not later."))
    assert problems == ["summary: contains a phone number at characters 6, 22"]


def test_the_journey_still_needs_two_kinds_of_milestone():
    raw = make_story().model_dump()
    raw["journey"][1]["kind"] = "home"
    assert check_story(StoryDoc.model_validate(raw)) == ["journey: needs at least two kinds of milestone"]


def test_findings_are_models_with_offsets_into_the_original_text():
    text = "เบอร์ ๐๘๑-๕๕๕-๐๑๔๒ ค่ะ"  # Thai digits: offsets count the characters as written
    [finding] = find_leaks("updates.1.text", text)
    assert finding.kind == "phone" and text[finding.start : finding.end] == "๐๘๑-๕๕๕-๐๑๔๒"


def test_review_covers_exactly_the_public_texts():
    s = _story_with(summary="Kyaw Zin Oo")
    assert [f.field for f in review_story(s)] == ["summary"]
    assert {field for field, _ in public_texts(s)} >= {"headline", "summary", "pseudonym", "origin.label"}


def test_the_sample_stories_pass_the_gate():
    for path in sorted((ROOT / "sample_data" / "stories").glob("*.json")):
        raw = json.loads(path.read_text())
        raw.pop("sample_donations", None)
        assert check_story(StoryDoc.model_validate(raw)) == [], path.name


@pytest.mark.parametrize(
    "text",
    [
        "1 " * 1000,
        "a." * 1000,
        "@" * 2000,
        "Ban " * 500,
        "No. 12, " * 250,
        "1-" * 1000,
        "0" * 2000,
        "http://" + "a" * 1990,
        "สมศรีใจ" * 280,
        "Line " * 400,
    ],
)
def test_long_hostile_texts_are_scanned_in_bounded_time(text):
    start = time.perf_counter()
    scan(text[:2000], TERMS)
    assert time.perf_counter() - start < 3
