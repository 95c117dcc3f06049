"""Story texts per locale: English is the base, a Thai translation may cover any of the texts, each
keyed by the path the privacy check names it by; the check sees the translations too; the public
views carry the translations they show, and the partner and verification fields."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared import privacy, stories
from shared.models import StoryDoc
from tests import factories


def with_texts(**extra) -> StoryDoc:
    return StoryDoc.model_validate({**factories.story().model_dump(mode="json"), **extra})


def test_a_translation_names_existing_texts_only():
    ok = with_texts(translations={"th": {"headline": "หัวเรื่อง", "journey.1.narrative": "เรื่องเล่า"}})
    assert ok.translated_texts() == [("th:headline", "หัวเรื่อง"), ("th:journey.1.narrative", "เรื่องเล่า")]
    for bad in ({"journey.99.title": "x"}, {"needs.legal.title": "x"}, {"pseudonym": "x"}, {"cover.alt": "x"}):
        with pytest.raises(ValidationError):
            with_texts(translations={"th": bad})
    with pytest.raises(ValidationError):
        with_texts(translations={"fr": {"headline": "Titre"}})  # only the locales the portal speaks


def test_the_privacy_check_reads_the_thai_texts():
    story = with_texts(sensitive_terms=["สมชาย"], translations={"th": {"summary": "สมชายเดินทางไปทำงาน"}})
    fields = dict(privacy.public_texts(story))
    assert fields["th:summary"] == "สมชายเดินทางไปทำงาน"
    assert any(p.startswith("th:summary: contains a sensitive term") for p in privacy.check_story(story))


def test_public_views_carry_their_translations():
    story = with_texts(translations={"th": {"headline": "หัวเรื่อง", "journey.1.title": "ชื่อ"}})
    assert stories.translations(story) == {"th": {"headline": "หัวเรื่อง"}}  # the list shows no journey
    assert stories.translations(story, detail=True) == {"th": {"headline": "หัวเรื่อง", "journey.1.title": "ชื่อ"}}
    assert stories.translations(with_texts()) == {}


def test_partner_and_verification_are_optional_and_coarse():
    story = with_texts(
        partner={"name": "Riverlight Youth Foundation"}, verified={"by": "Riverlight case review team", "month": "2025-06"}
    )
    assert story.partner.name == "Riverlight Youth Foundation" and story.verified.month == "2025-06"
    with pytest.raises(ValidationError):
        with_texts(verified={"by": "x", "month": "2025-06-14"})  # a month, never a day
    assert with_texts().partner is None
