"""The domain's contracts (pydantic v2).

`*Doc` models are what Cosmos DB stores (internal: consent, sensitive terms, allocations).
`*Public` models are what the API answers; they list their fields explicitly and forbid extras,
so nothing internal can leak into a response by accident.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

Category = Literal["shelter", "medical", "legal", "repatriation", "education"]
MilestoneKind = Literal["home", "recruitment", "journey", "exploitation", "escape", "rescue", "shelter", "recovery", "future"]
MILESTONE_KINDS: tuple[str, ...] = MilestoneKind.__args__  # type: ignore[attr-defined]
StoryStatus = Literal["draft", "published", "funded", "closed", "withdrawn"]
PUBLIC_STATUSES = ("published", "funded")

Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
# Coarse periods only: a year or a month, never a day.
Period = Annotated[str, StringConstraints(pattern=r"^(19|20)\d{2}(-(0[1-9]|1[0-2]))?$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
StoryId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]{16,32}$")]
# Story texts are written in English (the base language, required); a translation per other locale
# is optional and may cover any subset of the texts. Each translated text is keyed by its path, the
# same path the privacy check names it by ("headline", "journey.2.narrative", "needs.legal.title").
BASE_LANG: Literal["en"] = "en"
Locale = Literal["th"]
TEXT_PATH = re.compile(
    r"^(headline|summary|origin\.label|cover\.alt|needs\.[a-z]+\.(title|description)"
    r"|journey\.[1-9]\d*\.(title|narrative|place|image\.alt)|updates\.[1-9]\d*\.text)$"
)


def period_start(period: str) -> dt.date:
    """The first day of a period: "2026" -> 2026-01-01, "2026-11" -> 2026-11-01."""
    year, _, month = period.partition("-")
    return dt.date(int(year), int(month or 1), 1)


class Internal(BaseModel):
    # Stored documents keep fields this code does not model (case notes, later additions), so that
    # rewriting a story (e.g. its totals) never drops them. Public views never copy them.
    model_config = ConfigDict(extra="allow")


class Public(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ------------------------------------------------------------------ stored documents
class Origin(Internal):
    country: Country
    label: Short


class ImageRef(Internal):
    file: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_./-]+\.(svg|png|jpg|jpeg|webp)$")]
    alt: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=300)]


class NeedDoc(Internal):
    need: Category
    title: Short
    description: Text
    goal: int = Field(gt=0)
    raised: int = Field(default=0, ge=0)
    donor_count: int = Field(default=0, ge=0)

    @property
    def remaining(self) -> int:
        return max(0, self.goal - self.raised)

    @property
    def open(self) -> bool:
        return self.raised < self.goal


class MilestoneDoc(Internal):
    kind: MilestoneKind
    title: Short
    narrative: Text
    place: Short
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    period: Period
    image: ImageRef | None = None


class UpdateDoc(Internal):
    period: Period
    text: Text
    posted: str | None = None  # the day it was posted (ISO date), for "new update"; never public


class Partner(Internal):
    """The organisation that supports the survivor on the ground and vouches for the story."""

    name: Short
    country: Country | None = None


class Verification(Internal):
    """Who checked the story against the case file, and in which month (never a day)."""

    by: Short
    month: Period


class Consent(Internal):
    given: Period
    scope: Short
    recorded_by: Short
    # The first month (or year) the consent no longer covers: from its first day (UTC) the story is
    # unpublished. None: consent until withdrawn.
    expires: Period | None = None

    @model_validator(mode="after")
    def _expires_after_given(self) -> Consent:
        if self.expires is not None and period_start(self.expires) <= period_start(self.given):
            raise ValueError("consent must expire after the month it was given")
        return self

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and today >= period_start(self.expires)


class Editorial(Internal):
    """Where a story stands in the staff workflow (never public): its version, who edited it since
    it was last approved, who submitted and approved which version."""

    version: int = Field(default=1, ge=1)
    state: Literal["editing", "submitted", "approved"] = "editing"
    last_edited_by: str = ""
    last_edited_at: str = ""
    editors: list[str] = []  # principal ids that edited since the last approval (four eyes)
    submitted_by: str | None = None
    approved_version: int | None = None
    approved_by: str | None = None


class StoryDoc(Internal):
    """A story as case workers author it and as Cosmos DB stores it (partition key = its id)."""

    id: StoryId
    type: Literal["story"] = "story"
    status: StoryStatus
    pseudonym: Short
    origin: Origin
    headline: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=140)]
    summary: Text
    currency: Currency
    published: Period
    cover: ImageRef | None = None
    needs: list[NeedDoc] = Field(min_length=1)
    journey: list[MilestoneDoc] = Field(min_length=1)
    updates: list[UpdateDoc] = []
    consent: Consent | None = None
    editorial: Editorial | None = None
    partner: Partner | None = None
    verified: Verification | None = None
    lang: Literal["en"] = BASE_LANG  # the language of the texts above
    translations: dict[Locale, dict[str, Text]] = {}
    sensitive_terms: list[str] = []
    donor_count: int = Field(default=0, ge=0)
    overfunded: int = Field(default=0, ge=0)

    @property
    def storyId(self) -> str:  # noqa: N802 - the partition key path
        return self.id

    @field_validator("needs")
    @classmethod
    def _one_need_per_category(cls, needs: list[NeedDoc]) -> list[NeedDoc]:
        categories = [n.need for n in needs]
        if len(categories) != len(set(categories)):
            raise ValueError("each need category may appear once per story")
        return needs

    @model_validator(mode="after")
    def _translations_name_texts(self) -> StoryDoc:
        for locale, texts in self.translations.items():
            for path in texts:
                if not TEXT_PATH.fullmatch(path) or self.base_text(path) is None:
                    raise ValueError(f"translations.{locale}: '{path}' names no text of this story")
        return self

    def base_text(self, path: str) -> str | None:
        """The English text at `path` (see TEXT_PATH), or None if the story has none there."""
        parts = path.split(".")
        try:
            if parts[0] in ("headline", "summary"):
                return getattr(self, parts[0])
            if parts[0] == "origin":
                return self.origin.label
            if parts[0] == "cover":
                return self.cover.alt if self.cover else None
            if parts[0] == "needs":
                need = self.need(parts[1])
                return getattr(need, parts[2]) if need else None
            if parts[0] == "journey":
                m = self.journey[int(parts[1]) - 1]
                if parts[2] == "image":
                    return m.image.alt if m.image else None
                return getattr(m, parts[2])
            if parts[0] == "updates":
                return self.updates[int(parts[1]) - 1].text
        except (IndexError, ValueError):
            return None
        return None

    def translated_texts(self) -> list[tuple[str, str]]:
        """("th:journey.2.narrative", text) for every translated text."""
        return [(f"{locale}:{path}", text) for locale, texts in self.translations.items() for path, text in texts.items()]

    def need(self, category: str) -> NeedDoc | None:
        return next((n for n in self.needs if n.need == category), None)

    def to_cosmos(self) -> dict:
        body = {k: v for k, v in self.model_dump(mode="json").items() if not k.startswith("_")}
        return {**body, "storyId": self.id}


# ------------------------------------------------------------------ public views
class OriginPublic(Public):
    country: Country
    label: str


class AssetPublic(Public):
    url: str
    alt: str


class NeedPublic(Public):
    need: Category
    title: str
    description: str
    goal: int
    raised: int
    remaining: int
    percent: int
    donor_count: int
    open: bool


class TotalsPublic(Public):
    currency: Currency
    goal: int
    raised: int
    percent: int
    overfunded: int = Field(description="Money received beyond every need's goal, kept for the same survivor")


class StorySummary(Public):
    id: str
    lang: Literal["en"] = Field(default=BASE_LANG, description="The language of the texts (English)")
    translations: dict[str, dict[str, str]] = Field(
        default={},
        description="Per locale, the texts of this view that have a translation, keyed by path "
        "(headline, journey.2.narrative, needs.legal.title ...)",
    )
    pseudonym: str
    origin: OriginPublic
    headline: str
    summary: str
    status: Literal["open", "funded"]
    currency: Currency
    published: Period
    cover: AssetPublic
    needs: list[NeedPublic]
    totals: TotalsPublic
    donor_count: int
    new_update: bool = Field(default=False, description="An update was posted in the last 30 days")


class MilestonePublic(Public):
    order: int
    kind: MilestoneKind
    title: str
    narrative: str
    place: str
    lat: float
    lon: float
    period: Period
    icon_url: str
    image: AssetPublic | None


class UpdatePublic(Public):
    period: Period
    text: str


class StoryDetail(StorySummary):
    partner: str | None = Field(default=None, description="The organisation supporting the survivor")
    verified_by: str | None = Field(default=None, description="Who checked the story against the case file")
    verified: Period | None = Field(default=None, description="The month it was checked")
    journey: list[MilestonePublic]
    updates: list[UpdatePublic]
    basemap_url: str


class StoryPage(Public):
    items: list[StorySummary]
    next_cursor: str | None


class FundingEntryPublic(Public):
    amount: int = Field(description="Minor units; negative for refunds and lost disputes")
    currency: Currency
    need: Category
    day: str
    display_name: str


class FundingLedger(Public):
    story_id: str
    items: list[FundingEntryPublic]


class ErrorDetail(Public):
    code: str
    message: str
    parameter: str | None = None
    remaining: int | None = None
    retry_after: int | None = Field(default=None, description="Seconds to wait (429), as in Retry-After")
    findings: dict[str, list[str]] | None = Field(default=None, description="Privacy gate findings by field")


class ErrorBody(Public):
    error: ErrorDetail
