"""Do no harm: the checks a story must pass before anything of it is public.

- Coordinates are snapped to a coarse grid (never finer than 0.1°) before they leave the store.
- Periods are a year or a month (enforced by the models), never a day.
- Sensitive terms a case worker recorded (real names, exact places) appear in no public text.
- Public text carries no markup, e-mail addresses, phone numbers or exact dates.
"""

from __future__ import annotations

import re

from shared.models import StoryDoc

GRID_DEGREES = 0.1

_DATE = re.compile(r"\b\d{1,2}\s+(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b|\b\d{4}-\d{2}-\d{2}\b", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
_PHONE = re.compile(r"\+?\d[\d\s-]{7,}\d")
_MARKUP = re.compile(r"<[a-zA-Z/!]")


def coarsen(value: float, grid: float = GRID_DEGREES) -> float:
    """Snap a coordinate to the grid (round to the nearest multiple of `grid`)."""
    steps = round(value / grid)
    return round(steps * grid, 6)


def public_texts(story: StoryDoc) -> list[tuple[str, str]]:
    """(field, text) for every free text of the story that can become public."""
    texts = [("pseudonym", story.pseudonym), ("origin.label", story.origin.label), ("headline", story.headline),
             ("summary", story.summary)]
    if story.cover:
        texts.append(("cover.alt", story.cover.alt))
    for n in story.needs:
        texts += [(f"needs.{n.need}.title", n.title), (f"needs.{n.need}.description", n.description)]
    for i, m in enumerate(story.journey, 1):
        texts += [(f"journey.{i}.title", m.title), (f"journey.{i}.narrative", m.narrative),
                  (f"journey.{i}.place", m.place)]
        if m.image:
            texts.append((f"journey.{i}.image.alt", m.image.alt))
    texts += [(f"updates.{i}.text", u.text) for i, u in enumerate(story.updates, 1)]
    return texts + story.translated_texts()  # the Thai (and any other) versions: "th:journey.2.narrative"


def check_story(story: StoryDoc) -> list[str]:
    """Problems that must be fixed before the story may be published (empty list: none)."""
    problems: list[str] = []
    terms = [t.strip().lower() for t in story.sensitive_terms if t.strip()]
    for field, text in public_texts(story):
        lowered = text.lower()
        for term in terms:
            if term in lowered:
                problems.append(f"{field}: contains a sensitive term")
        if _DATE.search(text):
            problems.append(f"{field}: contains an exact date")
        if _EMAIL.search(text):
            problems.append(f"{field}: contains an e-mail address")
        if _PHONE.search(text):
            problems.append(f"{field}: contains a phone number")
        if _MARKUP.search(text):
            problems.append(f"{field}: contains markup")
    if len({m.kind for m in story.journey}) < 2:
        problems.append("journey: needs at least two kinds of milestone")
    return problems
