"""Stories as the public sees them: summaries, details, the journey as GeoJSON, the list with
its filters, sorts and cursor, and the per-instance cache of the published list."""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
import time
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator

from shared import assets, store
from shared.errors import DomainError
from shared.models import (
    PUBLIC_STATUSES,
    AssetPublic,
    Category,
    MilestonePublic,
    NeedPublic,
    OriginPublic,
    StoryDetail,
    StoryDoc,
    StoryPage,
    StorySummary,
    TotalsPublic,
    UpdatePublic,
)
from shared.privacy import snap
from shared.settings import get_settings

STORY_ID = re.compile(r"[a-z0-9]{16,32}")


def not_found() -> DomainError:
    """The same answer whatever the reason a story is not public (a new error each time)."""
    return DomainError("story_not_found", "No published story has this id")


def percent(raised: int, goal: int) -> int:
    return min(100, raised * 100 // goal) if goal else 0


SUMMARY_PATHS = re.compile(r"^(headline|summary|origin\.label|cover\.alt|needs\..*)$")


def translations(story: StoryDoc, detail: bool = False) -> dict[str, dict[str, str]]:
    """The translated texts a view shows: the summary's own, or (detail) all of them."""
    out = {
        locale: {p: t for p, t in texts.items() if detail or SUMMARY_PATHS.match(p)} for locale, texts in story.translations.items()
    }
    return {locale: texts for locale, texts in out.items() if texts}


def summary(story: StoryDoc) -> StorySummary:
    needs = [
        NeedPublic(
            need=n.need,
            title=n.title,
            description=n.description,
            goal=n.goal,
            raised=n.raised,
            remaining=n.remaining,
            percent=percent(n.raised, n.goal),
            donor_count=n.donor_count,
            open=n.open,
        )
        for n in story.needs
    ]
    goal, raised = sum(n.goal for n in story.needs), sum(n.raised for n in story.needs)
    cover_path = assets.story_image_path(story.id, story.cover.file) if story.cover else assets.icon_path(story.journey[0].kind)
    cover_alt = story.cover.alt if story.cover else f"Icon: {story.journey[0].kind}"
    return StorySummary(
        id=story.id,
        pseudonym=story.pseudonym,
        translations=translations(story),
        origin=OriginPublic(country=story.origin.country, label=story.origin.label),
        headline=story.headline,
        summary=story.summary,
        status="open" if any(n.open for n in story.needs) else "funded",
        currency=story.currency,
        published=story.published,
        cover=AssetPublic(url=assets.asset_url(cover_path), alt=cover_alt),
        needs=needs,
        totals=TotalsPublic(
            currency=story.currency, goal=goal, raised=raised, percent=percent(raised, goal), overfunded=story.overfunded
        ),
        donor_count=story.donor_count,
        new_update=has_new_update(story),
    )


NEW_UPDATE_DAYS = 30


def has_new_update(story: StoryDoc) -> bool:
    """An update posted in the last NEW_UPDATE_DAYS days (the list marks the story "new update")."""
    import datetime as dt

    since = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=NEW_UPDATE_DAYS)).isoformat()
    return any(u.posted and u.posted >= since for u in story.updates)


def detail(story: StoryDoc) -> StoryDetail:
    places = [snap(m.lat, m.lon) for m in story.journey]
    journey = [
        MilestonePublic(
            order=i,
            kind=m.kind,
            title=m.title,
            narrative=m.narrative,
            place=m.place,
            lat=lat,
            lon=lon,
            period=m.period,
            icon_url=assets.asset_url(assets.icon_path(m.kind)),
            image=AssetPublic(url=assets.asset_url(assets.story_image_path(story.id, m.image.file)), alt=m.image.alt)
            if m.image
            else None,
        )
        for i, (m, (lat, lon)) in enumerate(zip(story.journey, places, strict=True), 1)
    ]
    return StoryDetail(
        **{**summary(story).model_dump(), "translations": translations(story, detail=True)},
        partner=story.partner.name if story.partner else None,
        verified_by=story.verified.by if story.verified else None,
        verified=story.verified.month if story.verified else None,
        journey=journey,
        updates=[UpdatePublic(period=u.period, text=u.text) for u in story.updates],
        basemap_url=assets.asset_url(assets.BASEMAP_PATH),
    )


def journey_geojson(story: StoryDoc) -> dict[str, Any]:
    points = [snap(m.lat, m.lon)[::-1] for m in story.journey]  # GeoJSON: lon, lat
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": list(pt)},
            "properties": {"order": i, "kind": m.kind, "title": m.title, "place": m.place, "period": m.period},
        }
        for i, (m, pt) in enumerate(zip(story.journey, points, strict=False), 1)
    ]
    features.append(
        {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [list(p) for p in points]},
            "properties": {"kind": "route"},
        }
    )
    return {"type": "FeatureCollection", "features": features}


def public_story(story_id: str) -> StoryDoc:
    """A published (or funded) story, or the same `story_not_found` whatever the reason it is not public."""
    if not STORY_ID.fullmatch(story_id or ""):
        raise not_found()
    try:
        story, _ = store.get_story(story_id)
    except store.NotFound:
        raise not_found() from None
    if story.status not in PUBLIC_STATUSES:
        raise not_found()
    return story


# ------------------------------------------------------------------ the list
class ListQuery(BaseModel):
    need: Category | None = None
    country: str | None = Field(default=None, pattern=r"^[A-Za-z]{2}$")
    status: Literal["open", "funded"] | None = None
    sort: Literal["newest", "most_needed", "closest_to_goal"] = "newest"
    limit: int = Field(default=12, ge=1, le=50)
    cursor: str | None = Field(default=None, max_length=500)

    @field_validator("country")
    @classmethod
    def _upper(cls, v: str | None) -> str | None:
        return v.upper() if v else v


def parse_list_query(params: dict[str, str]) -> ListQuery:
    unknown = sorted(set(params) - set(ListQuery.model_fields))
    if unknown:
        raise DomainError("bad_parameter", f"Unknown query parameter '{unknown[0]}'", parameter=unknown[0])
    try:
        return ListQuery.model_validate(params)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]) if err["loc"] else "query"
        raise DomainError("bad_parameter", f"Query parameter '{name}': {err['msg']}", parameter=name) from None


def _sort_key(s: StorySummary, sort: str) -> tuple:
    """Keys compare within one sort; shares of a goal, so that stories in different currencies compare."""
    open_rank = 0 if s.status == "open" else 1
    if sort == "most_needed":  # the smallest share of its goals raised first
        return (open_rank, s.totals.percent, s.id)
    if sort == "closest_to_goal":  # open stories nearest to their goals first
        return (open_rank, -s.totals.percent, s.id)
    return (_neg_period(s.published), s.id)


_KEY_TYPES = {"most_needed": (int, int, str), "closest_to_goal": (int, int, str), "newest": (str, str)}


def _neg_period(period: str) -> str:
    # newest first with an ascending sort: invert the digits
    return "".join(chr(ord("9") - ord(c) + ord("0")) if c.isdigit() else c for c in period)


def _encode_cursor(key: tuple, q: ListQuery) -> str:
    raw = json.dumps({"k": list(key), "s": q.sort}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, q: ListQuery) -> tuple:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        key, types = data["k"], _KEY_TYPES[q.sort]
        if (
            data["s"] != q.sort
            or not isinstance(key, list)
            or len(key) != len(types)
            or not all(type(v) is t for v, t in zip(key, types, strict=False))
        ):
            raise ValueError
        return tuple(key)
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        raise DomainError("bad_parameter", "Query parameter 'cursor' is not valid for this listing", parameter="cursor") from None


def list_stories(q: ListQuery) -> StoryPage:
    items = [
        s
        for s in published_summaries()
        if (q.need is None or any(n.need == q.need and n.open for n in s.needs))
        and (q.country is None or s.origin.country == q.country)
        and (q.status is None or s.status == q.status)
    ]
    keyed = sorted(((_sort_key(s, q.sort), s) for s in items), key=lambda ks: ks[0])
    if q.cursor:
        after = _decode_cursor(q.cursor, q)
        keyed = [ks for ks in keyed if list(ks[0]) > list(after)]
    page = keyed[: q.limit]
    more = len(keyed) > q.limit
    return StoryPage(items=[s for _, s in page], next_cursor=_encode_cursor(page[-1][0], q) if more else None)


class _ListCache:
    """The published summaries, kept for STORY_LIST_CACHE_SECONDS in this instance."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value: list[StorySummary] | None = None
        self._expires = 0.0
        self._generation = 0  # bumped by invalidate(): a load that started before is not kept
        self.loads = 0

    def get(self) -> list[StorySummary]:
        now = time.monotonic()
        with self._lock:
            if self._value is not None and now < self._expires:
                return self._value
            generation = self._generation
        value = [summary(s) for s in store.list_published()]
        with self._lock:
            self.loads += 1
            if generation == self._generation:
                self._value, self._expires = value, now + get_settings().story_list_cache_seconds
        return value

    def invalidate(self) -> None:
        with self._lock:
            self._value = None
            self._generation += 1


list_cache = _ListCache()
store.on_story_changed(lambda _story_id: list_cache.invalidate())


def published_summaries() -> list[StorySummary]:
    return list_cache.get()
