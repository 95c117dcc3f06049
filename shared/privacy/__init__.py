"""Do no harm: the checks a story must pass before anything of it is public.

- Coordinates are snapped to a coarse grid (never finer than 0.1°) before they leave the store
  (`snap`): a point on the basemap's land is shown at a grid point on land when one is near.
- Periods are a year or a month (enforced by the models), never a day.
- No public text (headline, summary, needs, journey, updates, image alt texts) and no donor's display
  name carries what could lead someone to a survivor: a recorded sensitive term however it is
  spelled, a phone number, an e-mail or web address, a social-media profile, handle or messaging ID,
  a passport, ID or account number, a street address or postcode, an exact date, an age together
  with a named small place, or markup.

A finding names the field, the kind of leak and where it starts, never the text it found: the
report goes to logs and terminals, and the sensitive term must not travel with it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable
from typing import Literal

from pydantic import BaseModel

from shared.models import StoryDoc
from shared.privacy import patterns
from shared.privacy.phones import find_phones
from shared.privacy.terms import find_terms
from shared.privacy.text import prepare

GRID_DEGREES = 0.1
# How far (in degrees of latitude, about 33 km; longitude counted at its length on the ground) a
# point on land may be moved to the nearest grid point on land, when its nearest grid point is at sea.
SNAP_RADIUS = 0.3

Kind = Literal["sensitive_term", "email", "web", "profile", "handle", "phone", "document", "address", "date", "age_place", "markup"]

# What each kind is called in a finding, and what the case worker can do about it.
KINDS: dict[str, str] = {
    "sensitive_term": "a sensitive term (a recorded name or exact place, in some spelling)",
    "email": "an e-mail address",
    "web": "a web address",
    "profile": "a social-media profile address",
    "handle": "a social-media handle or messaging ID",
    "phone": "a phone number",
    "document": "a passport, ID, bank or account number",
    "address": "a street address or postcode",
    "date": "an exact date (keep to a month or a year)",
    "age_place": "an age together with a named small place (keep one of them, or name the province)",
    "markup": "markup",
}


class Finding(BaseModel):
    field: str
    kind: Kind
    start: int
    end: int

    @property
    def message(self) -> str:
        return f"{self.field}: contains {KINDS[self.kind]} at character {self.start + 1}"


def coarsen(value: float, grid: float = GRID_DEGREES) -> float:
    """Snap a coordinate to the grid (round to the nearest multiple of `grid`)."""
    steps = round(value / grid)
    return round(steps * grid, 6)


def snap(
    lat: float,
    lon: float,
    on_land: Callable[[float, float], bool] | None = None,
    near_land: Callable[[float, float], bool] | None = None,
) -> tuple[float, float]:
    """Where the public sees a point: always a point of the 0.1° grid, never the point itself.

    The nearest grid point (`coarsen`), except for a point on the land the donor sees (the basemap's,
    or so near its coast that the simplified coastline may have left it out: a harbour town) whose
    nearest grid point is at sea: it is shown at the nearest grid point on land within SNAP_RADIUS
    (ties: the southern, then the western), or, with none so near (a small island), at its nearest
    grid point. A point further out at sea stays at sea (a milestone may be on a boat). A grid
    point is its own snap, so snapping twice changes nothing. `on_land` and `near_land` are for
    tests (default: the basemap; `near_land` defaults to `on_land` when only that is given).
    """
    if on_land is None:
        return _snap_on_basemap(lat, lon)
    return _snap(lat, lon, on_land, near_land or on_land)


@functools.lru_cache(maxsize=4096)
def _snap_on_basemap(lat: float, lon: float) -> tuple[float, float]:
    """snap() on the basemap's land, remembered: a coastal point costs up to a millisecond, and
    every read of a story snaps the same points again."""
    from shared.privacy import land  # the polygons are read on first use

    return _snap(lat, lon, land.on_land, land.near_land)


def _snap(
    lat: float, lon: float, on_land: Callable[[float, float], bool], near_land: Callable[[float, float], bool]
) -> tuple[float, float]:
    nearest = (coarsen(lat), coarsen(lon))
    if on_land(*nearest) or not near_land(lat, lon):
        return nearest
    ground = math.cos(lat * (math.pi / 180))  # a degree of longitude on the ground, in degrees of latitude
    reach = math.ceil(SNAP_RADIUS / GRID_DEGREES)
    across = math.ceil(reach / max(ground, 0.1))
    row, col = round(lat / GRID_DEGREES), round(lon / GRID_DEGREES)
    candidates = []
    for i in range(row - reach, row + reach + 1):
        for j in range(col - across, col + across + 1):
            glat, glon = round(i * GRID_DEGREES, 6), round(j * GRID_DEGREES, 6)
            dy, dx = glat - lat, (glon - lon) * ground
            if dy * dy + dx * dx <= SNAP_RADIUS * SNAP_RADIUS:
                candidates.append((round((dy * dy + dx * dx) * 1e12), glat, glon))  # 1e-12 deg²: equal is a tie
    for _, glat, glon in sorted(candidates):
        if on_land(glat, glon):
            return glat, glon
    return nearest


def _web(text: str) -> list[tuple[int, int]]:
    return patterns.find_web(text)[0]


def _profiles(text: str) -> list[tuple[int, int]]:
    return patterns.find_web(text)[1]


# Detectors in order of precedence: where two find the same characters, the first names the leak.
DETECTORS: dict[str, Callable[[str], list[tuple[int, int]]]] = {
    "markup": patterns.find_markup,
    "email": patterns.find_emails,
    "profile": _profiles,
    "handle": patterns.find_handles,
    "web": _web,
    "document": patterns.find_documents,
    "date": patterns.find_dates,
    "phone": find_phones,
    "address": patterns.find_addresses,
    "age_place": patterns.find_age_with_place,
}


def scan(text: str, terms: Iterable[str] = (), kinds: Iterable[str] | None = None) -> list[tuple[str, int, int]]:
    """(kind, start, end) of every leak in `text`, in the order they appear. `kinds` limits the search
    (e.g. display names use the contact kinds only)."""
    wanted = set(kinds) if kinds is not None else {"sensitive_term", *DETECTORS}
    prepared = prepare(text)
    hits: list[tuple[str, int, int]] = []
    if "sensitive_term" in wanted:
        hits += [("sensitive_term", s, e) for s, e in find_terms(text, [t for t in terms if t.strip()])]
    for kind, detect in DETECTORS.items():
        if kind in wanted:
            for s, e in detect(prepared):
                if not any(s < he and hs < e for k, hs, he in hits if k != "sensitive_term"):
                    hits.append((kind, s, e))
    merged: list[tuple[str, int, int]] = []
    for kind, s, e in sorted(hits, key=lambda h: (h[1], -h[2])):
        if merged and merged[-1][0] == kind and s < merged[-1][2]:
            merged[-1] = (kind, merged[-1][1], max(e, merged[-1][2]))
        else:
            merged.append((kind, s, e))
    return merged


def find_leaks(field: str, text: str, terms: Iterable[str] = ()) -> list[Finding]:
    return [Finding(field=field, kind=k, start=s, end=e) for k, s, e in scan(text, terms)]  # type: ignore[arg-type]


def public_texts(story: StoryDoc) -> list[tuple[str, str]]:
    """(field, text) for every free text of the story that can become public."""
    texts = [
        ("pseudonym", story.pseudonym),
        ("origin.label", story.origin.label),
        ("headline", story.headline),
        ("summary", story.summary),
    ]
    if story.cover:
        texts.append(("cover.alt", story.cover.alt))
    for n in story.needs:
        texts += [(f"needs.{n.need}.title", n.title), (f"needs.{n.need}.description", n.description)]
    for i, m in enumerate(story.journey, 1):
        texts += [(f"journey.{i}.title", m.title), (f"journey.{i}.narrative", m.narrative), (f"journey.{i}.place", m.place)]
        if m.image:
            texts.append((f"journey.{i}.image.alt", m.image.alt))
    texts += [(f"updates.{i}.text", u.text) for i, u in enumerate(story.updates, 1)]
    return texts + story.translated_texts()  # the Thai (and any other) versions: "th:journey.2.narrative"


def review_story(story: StoryDoc) -> list[Finding]:
    """Every leak in the story's public texts."""
    terms = [t for t in story.sensitive_terms if t.strip()]
    return [f for field, text in public_texts(story) for f in find_leaks(field, text, terms)]


def summarise(findings: list[Finding]) -> list[str]:
    """One line per field and kind, with every place it occurs: '…: contains a phone number at characters 12, 80'."""
    grouped: dict[tuple[str, str], list[int]] = {}
    for f in findings:
        grouped.setdefault((f.field, f.kind), []).append(f.start + 1)
    lines = []
    for (field, kind), starts in grouped.items():
        where = f"character {starts[0]}" if len(starts) == 1 else "characters " + ", ".join(map(str, starts))
        lines.append(f"{field}: contains {KINDS[kind]} at {where}")
    return lines


def check_story(story: StoryDoc) -> list[str]:
    """Problems that must be fixed before the story may be published (empty list: none)."""
    problems = summarise(review_story(story))
    if len({m.kind for m in story.journey}) < 2:
        problems.append("journey: needs at least two kinds of milestone")
    return problems
