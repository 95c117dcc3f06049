"""What case workers do with a story in the staff pages: write and edit a draft, submit it for
review, approve it (never the author of that version: four eyes), publish it, post updates,
withdraw it with a reason, record consent. Every action leaves an append-only audit record.

The privacy gate (`shared.privacy.check_story`) runs on every save; its findings come back by
field, and a story with findings cannot be submitted, approved or published. A story is edited
while it is a draft; once published only updates, consent and withdrawal change it.
"""

from __future__ import annotations

import datetime as dt
import secrets
import string
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared import audit, store
from shared.errors import DomainError
from shared.models import (
    PUBLIC_STATUSES,
    Category,
    Consent,
    Country,
    Currency,
    Editorial,
    ImageRef,
    MilestoneDoc,
    NeedDoc,
    Origin,
    Period,
    Short,
    StoryDoc,
    Text,
    UpdateDoc,
)
from shared.principal import Principal
from shared.privacy import check_story

# ------------------------------------------------------------------ what the staff pages send
EDITABLE = ("pseudonym", "origin", "headline", "summary", "currency", "cover", "needs", "journey", "sensitive_terms")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NeedInput(Strict):
    need: Category
    title: Short
    description: Text
    goal: int = Field(gt=0, le=100_000_000)


class OriginInput(Strict):
    country: Country
    label: Short


class MilestoneInput(MilestoneDoc):
    """A milestone as stored, and nothing else (the editor may not add fields)."""

    model_config = ConfigDict(extra="forbid")


class StoryInput(Strict):
    """A draft as the editor sends it (create, and edit with the version it started from)."""

    version: int | None = Field(default=None, ge=1, description="The version being edited (required to edit)")
    pseudonym: Short
    origin: OriginInput
    headline: str = Field(min_length=1, max_length=140)
    summary: Text
    currency: Currency
    cover: ImageRef | None = None
    needs: list[NeedInput] = Field(min_length=1, max_length=5)
    journey: list[MilestoneInput] = Field(min_length=1, max_length=30)
    sensitive_terms: list[Short] = Field(default=[], max_length=50)


class VersionInput(Strict):
    version: int = Field(ge=1)


class UpdateInput(Strict):
    period: Period
    text: Text


class WithdrawInput(Strict):
    reason: Short


class ConsentInput(Strict):
    given: Period
    scope: Short
    expires: Period | None = None


def parse(model: type[BaseModel], body: bytes) -> Any:
    import json

    if len(body) > 256 * 1024:
        raise DomainError("body_too_large", "The story is too large")
    try:
        raw = json.loads(body or b"null")
    except ValueError:
        raise DomainError("invalid_json", "The body is not JSON") from None
    if not isinstance(raw, dict):
        raise DomainError("invalid_body", "The body must be a JSON object")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = ".".join(str(p) for p in err["loc"]) or "body"
        raise DomainError("invalid_field", f"{name}: {err['msg']}", parameter=name) from None


# ------------------------------------------------------------------ findings
def findings(story: StoryDoc) -> dict[str, list[str]]:
    """The privacy gate's findings, by the field they concern ("journey.2.narrative": [...])."""
    by_field: dict[str, list[str]] = {}
    for problem in check_story(story):
        field, sep, message = problem.partition(": ")
        if not sep:
            field, message = "story", problem
        by_field.setdefault(field, []).append(message)
    return by_field


def _refuse_findings(story: StoryDoc) -> None:
    found = findings(story)
    if found:
        raise DomainError("privacy_findings", "Fix what the privacy check found first", findings=found)


# ------------------------------------------------------------------ helpers
def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def this_month() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m")


def new_id() -> str:
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(20))


def get(story_id: str) -> tuple[StoryDoc, str]:
    from shared.stories import STORY_ID

    if not STORY_ID.fullmatch(story_id or ""):
        raise DomainError("story_not_found", "No story has this id")
    try:
        return store.get_story(story_id)
    except store.NotFound:
        raise DomainError("story_not_found", "No story has this id") from None


def editorial(story: StoryDoc) -> Editorial:
    if story.editorial is None:  # imported by ops before the staff pages existed
        story.editorial = Editorial(version=1, state="approved" if story.status != "draft" else "editing", last_edited_by="ops import")
    return story.editorial


def content(story: StoryDoc) -> dict[str, Any]:
    """The editable part of a story (what a version is made of)."""
    return story.model_dump(mode="json", include=set(EDITABLE))


def _write(story: StoryDoc, etag: str | None, record: dict[str, Any], extra: list[tuple] | None = None) -> None:
    """The story and its audit record (and any version snapshot) in one transactional batch."""
    ops: list[tuple] = [
        ("create", (story.to_cosmos(),)) if etag is None else ("replace", (story.id, story.to_cosmos()), {"if_match_etag": etag})
    ]
    ops += extra or []
    ops.append(("create", (record,)))
    try:
        store.execute_batch(story.id, ops)
    except store.PreconditionFailed:
        raise DomainError("version_conflict", "Someone else changed this story meanwhile; reload it") from None
    if story.status in PUBLIC_STATUSES:
        store.story_changed(story.id)


def _apply(story: StoryDoc, data: StoryInput) -> None:
    story.pseudonym, story.headline, story.summary = data.pseudonym, data.headline.strip(), data.summary
    story.origin = Origin(country=data.origin.country, label=data.origin.label)
    story.currency, story.cover = data.currency, data.cover
    old = {n.need: n for n in story.needs}
    story.needs = [
        NeedDoc(
            **n.model_dump(),
            raised=old[n.need].raised if n.need in old else 0,
            donor_count=old[n.need].donor_count if n.need in old else 0,
        )
        for n in data.needs
    ]
    story.journey = [MilestoneDoc(**m.model_dump()) for m in data.journey]
    story.sensitive_terms = list(data.sensitive_terms)


def _validated(story: StoryDoc) -> StoryDoc:
    try:
        return StoryDoc.model_validate(story.model_dump())
    except ValidationError as exc:
        err = exc.errors()[0]
        name = ".".join(str(p) for p in err["loc"]) or "story"
        raise DomainError("invalid_field", f"{name}: {err['msg']}", parameter=name) from None


# ------------------------------------------------------------------ actions
def create(data: StoryInput, who: Principal, role: str) -> tuple[StoryDoc, dict[str, list[str]]]:
    story = StoryDoc.model_validate(
        {
            **data.model_dump(exclude={"version"}),
            "id": new_id(),
            "status": "draft",
            "published": this_month(),
            "editorial": Editorial(
                version=1, state="editing", last_edited_by=who.name, last_edited_at=now(), editors=[who.id]
            ).model_dump(),
        }
    )
    found = findings(story)
    _write(story, None, audit.record(story.id, who, role, "create", 1, findings=len(found)))
    return story, found


def edit(story_id: str, data: StoryInput, who: Principal, role: str) -> tuple[StoryDoc, dict[str, list[str]]]:
    story, etag = get(story_id)
    ed = editorial(story)
    if story.status != "draft":
        raise DomainError("not_editable", "Only drafts are edited; post an update or withdraw the story instead")
    if data.version != ed.version:
        raise DomainError("version_conflict", f"This story is at version {ed.version}; reload it", parameter="version")
    before = content(story)
    _apply(story, data)
    story = _validated(story)
    ed = editorial(story)
    changed = sorted(k for k, v in content(story).items() if before.get(k) != v)
    ed.version += 1
    ed.state = "editing"
    ed.last_edited_by, ed.last_edited_at = who.name, now()
    if who.id not in ed.editors:
        ed.editors.append(who.id)
    found = findings(story)
    _write(story, etag, audit.record(story.id, who, role, "edit", ed.version, fields=changed, findings=len(found)))
    return story, found


def _expect_version(ed: Editorial, version: int) -> None:
    if version != ed.version:
        raise DomainError("version_conflict", f"This story is at version {ed.version}, not {version}", parameter="version")


def submit(story_id: str, version: int, who: Principal, role: str) -> StoryDoc:
    story, etag = get(story_id)
    ed = editorial(story)
    _expect_version(ed, version)
    if story.status != "draft" or ed.state != "editing":
        raise DomainError("wrong_state", "Only a draft being edited can be submitted")
    _refuse_findings(story)
    ed.state, ed.submitted_by = "submitted", who.id
    _write(story, etag, audit.record(story.id, who, role, "submit", ed.version))
    return story


def approve(story_id: str, version: int, who: Principal, role: str) -> StoryDoc:
    story, etag = get(story_id)
    ed = editorial(story)
    _expect_version(ed, version)
    if ed.state != "submitted":
        raise DomainError("wrong_state", "Only a submitted story can be approved")
    if who.id in ed.editors or who.id == ed.submitted_by:
        raise DomainError("four_eyes", "You wrote this version; another reviewer must approve it")
    _refuse_findings(story)
    ed.state, ed.approved_version, ed.approved_by = "approved", ed.version, who.id
    ed.editors = []
    snapshot = {
        "id": f"{story.id}.v{ed.version}",
        "type": "story_version",
        "storyId": story.id,
        "version": ed.version,
        "approved_by": who.name,
        "at": now(),
        "content": content(story),
    }
    _write(story, etag, audit.record(story.id, who, role, "approve", ed.version), [("upsert", (snapshot,))])
    return story


def publish(story_id: str, version: int, who: Principal, role: str) -> StoryDoc:
    story, etag = get(story_id)
    ed = editorial(story)
    _expect_version(ed, version)
    if story.status != "draft" or ed.state != "approved":
        raise DomainError("wrong_state", "Only an approved draft can be published")
    if story.consent is None:
        raise DomainError("consent_missing", "Record the survivor's consent before publishing")
    if story.consent.expires and story.consent.expires < this_month():
        raise DomainError("consent_missing", "The recorded consent has expired")
    _refuse_findings(story)
    story.status, story.published = "published", this_month()
    _write(story, etag, audit.record(story.id, who, role, "publish", ed.version))
    return story


def post_update(story_id: str, data: UpdateInput, who: Principal, role: str) -> StoryDoc:
    story, etag = get(story_id)
    if story.status not in PUBLIC_STATUSES:
        raise DomainError("wrong_state", "Updates are posted on published stories")
    story.updates = [*story.updates, UpdateDoc(period=data.period, text=data.text, posted=now()[:10])]
    found = {k: v for k, v in findings(story).items() if k.startswith("updates.")}
    if found:
        raise DomainError("privacy_findings", "Fix what the privacy check found first", findings=found)
    _write(
        story,
        etag,
        audit.record(story.id, who, role, "update", editorial(story).version, update=len(story.updates), period=data.period),
    )
    return story


def withdraw(story_id: str, data: WithdrawInput, who: Principal, role: str) -> StoryDoc:
    story, etag = get(story_id)
    if story.status == "withdrawn":
        raise DomainError("wrong_state", "This story is withdrawn already")
    story.status = "withdrawn"
    reason = audit.redact(data.reason, story.sensitive_terms)
    _write(story, etag, audit.record(story.id, who, role, "withdraw", editorial(story).version, reason=reason))
    store.story_changed(story.id)
    try:  # open PaymentIntents are cancelled as `ops withdraw` does; any paid anyway are held
        from shared import payments

        payments.cancel_open_intents(story.id)
    except Exception:  # noqa: BLE001 - the story is hidden whatever Stripe answers
        import logging

        logging.getLogger(__name__).warning("story %s withdrawn; open PaymentIntents not cancelled", story.id, exc_info=True)
    return story


def record_consent(story_id: str, data: ConsentInput, who: Principal, role: str) -> StoryDoc:
    story, etag = get(story_id)
    if data.expires and data.expires <= data.given:
        raise DomainError("invalid_field", "expires: must come after the month consent was given", parameter="expires")
    story.consent = Consent(given=data.given, scope=data.scope, expires=data.expires, recorded_by=who.name)
    _write(story, etag, audit.record(story.id, who, role, "consent", editorial(story).version, given=data.given, expires=data.expires))
    return story


# ------------------------------------------------------------------ reading
def changes(story: StoryDoc) -> dict[str, Any]:
    """What changed since the last approved version, field by field ({} when nothing did);
    `since` is that version (None: never approved, so everything is new)."""
    ed = editorial(story)
    approved = ed.approved_version
    base: dict[str, Any] = {}
    if approved:
        snap = store.get_item(story.id, f"{story.id}.v{approved}")
        base = snap["content"] if snap else {}
    now_flat, base_flat = _flatten(content(story)), _flatten(base)
    fields = sorted(set(now_flat) | set(base_flat), key=_field_order)
    diff = [
        {"field": f, "before": base_flat.get(f), "after": now_flat.get(f)}
        for f in fields
        if now_flat.get(f) != base_flat.get(f) and f != "sensitive_terms"
    ]
    return {"since": approved, "fields": diff}


def _field_order(field: str) -> tuple:
    return tuple((int(p), "") if p.isdigit() else (0, p) for p in field.split("."))


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else k))
        return out
    if isinstance(value, list) and value and isinstance(value[0], dict):
        out = {}
        for i, v in enumerate(value, 1):
            out.update(_flatten(v, f"{prefix}.{i}"))
        return out
    return {prefix: value}


def staff_view(story: StoryDoc) -> dict[str, Any]:
    ed = editorial(story)
    return {
        **story.model_dump(mode="json"),
        "editorial": ed.model_dump(mode="json"),
        "state": state_of(story),
        "findings": findings(story),
    }


def state_of(story: StoryDoc) -> str:
    """One word for the staff list: editing, submitted, approved, published, funded, closed, withdrawn."""
    return editorial(story).state if story.status == "draft" else story.status


def listing() -> list[dict[str, Any]]:
    rows = []
    for story in store.all_stories():
        ed = editorial(story)
        rows.append(
            {
                "id": story.id,
                "pseudonym": story.pseudonym,
                "headline": story.headline,
                "state": state_of(story),
                "version": ed.version,
                "last_edited_by": ed.last_edited_by,
                "last_edited_at": ed.last_edited_at,
                "updates": len(story.updates),
            }
        )
    return sorted(rows, key=lambda r: (r["state"], r["pseudonym"]))


# ------------------------------------------------------------------ images
IMAGE_NAME = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,59}\.(jpg|jpeg|png|webp|svg)$"


def add_image(story_id: str, name: str, data: bytes, who: Principal, role: str) -> dict[str, Any]:
    """Store a picture for the story after making it safe (`shared.images`: re-encoded without any
    metadata, refused with a face, SVG cleaned, text in a drawing checked by the privacy gate). A
    milestone or the cover then names it by `file`. The audit trail records who added which file."""
    import re

    from shared import assets
    from shared.images import ImageRefused, make_safe
    from shared.privacy import find_leaks, summarise

    story, _ = get(story_id)
    if story.status == "withdrawn":
        raise DomainError("wrong_state", "This story is withdrawn: it takes no new pictures")
    if not re.fullmatch(IMAGE_NAME, name or "", flags=re.IGNORECASE):
        raise DomainError("invalid_field", "name: a plain file name ending in .jpg, .png, .webp or .svg", parameter="name")
    if not data:
        raise DomainError("invalid_body", "Send the picture itself as the request body")
    try:
        image = make_safe(data, name)
    except ImageRefused as exc:
        raise DomainError("image_refused", f"The picture was refused: {exc}") from None
    terms = [t for t in story.sensitive_terms if t.strip()]
    leaks = summarise([f for text in image.texts for f in find_leaks("text in the drawing", text, terms)])
    if leaks:
        raise DomainError("image_refused", "The picture was refused: " + "; ".join(leaks))
    path = assets.story_image_path(story.id, name)
    assets.upload(path, image.data, image.content_type)
    audit.append(story, who, role, "image", file=name)
    return {
        "file": name,
        "content_type": image.content_type,
        "width": image.width,
        "height": image.height,
        "url": assets.asset_url(path),
    }
