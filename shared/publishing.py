"""What case workers do with a story: import it as a draft (with its images), publish it, withdraw it;
and what the consent-expiry timer does with a story whose consent has run out.

Importing and publishing run the privacy checks first (`shared.privacy`), and importing makes every
image safe (`shared.images`) before anything is stored. Withdrawal (consent withdrawn, or expired)
works from any state and takes effect at once: the story answers 404 like any unknown id, its
assets are deleted so that URLs issued before answer 404, and its open PaymentIntents are cancelled."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping

from shared import assets, store
from shared.models import ImageRef, StoryDoc
from shared.privacy import check_story, find_leaks, summarise

log = logging.getLogger(__name__)


class PrivacyProblems(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class AssetsRemain(Exception):
    """The story is hidden, but some of its assets could not be deleted: withdraw it again."""


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def image_refs(story: StoryDoc) -> list[tuple[str, ImageRef]]:
    """(field, image) for every image of the story, named as the privacy findings name fields."""
    refs = [("cover", story.cover)] if story.cover else []
    refs += [(f"journey.{i}.image", m.image) for i, m in enumerate(story.journey, 1) if m.image]
    return refs


def review_images(story: StoryDoc, files: Mapping[str, bytes]):
    """Each image of the story made safe (`images.SafeImage` by file name), and the problems found:
    a missing file, a refused image, text in a drawing that leaks, two images stored under one name."""
    from shared.images import ImageRefused, make_safe

    terms = [t for t in story.sensitive_terms if t.strip()]
    safe: dict = {}
    problems: list[str] = []
    stored_as: dict[str, str] = {}
    for field, ref in image_refs(story):
        name = assets.story_image_path(story.id, ref.file)
        if stored_as.setdefault(name, ref.file) != ref.file:
            problems.append(f"{field}: another image of the story has the same file name ({name.rsplit('/', 1)[-1]})")
            continue
        if ref.file in safe:
            continue
        data = files.get(ref.file)
        if data is None:
            problems.append(f"{field}: image file {ref.file} not found")
            continue
        try:
            image = make_safe(data, ref.file)
        except ImageRefused as exc:
            problems.append(f"{field}: image refused: {exc}")
            continue
        problems += summarise([f for text in image.texts for f in find_leaks(f"{field} (text in the drawing)", text, terms)])
        safe[ref.file] = image
    return safe, problems


def import_draft(story: StoryDoc, files: Mapping[str, bytes]) -> StoryDoc:
    """Store a new story as a draft, with its images made safe (an existing id is refused: stories are
    edited, not re-imported). `files`: the bytes of each image, by the file name the story gives."""
    safe, image_problems = review_images(story, files)
    problems = check_story(story) + image_problems
    if problems:
        raise PrivacyProblems(problems)
    draft = story.model_copy(update={"status": "draft"})
    try:
        store.create_story(draft)
    except store.Conflict:
        raise store.Conflict(f"story {story.id} exists already") from None
    for file, image in safe.items():
        assets.upload(assets.story_image_path(story.id, file), image.data, image.content_type)
    return draft


def set_status(story_id: str, status: str, **notes: str) -> StoryDoc:
    """Change the story's status (and record `notes` on it: internal fields, never public)."""

    def attempt(_n: int) -> StoryDoc:
        story, etag = store.get_story(story_id)
        if status == "published":
            if story.status not in ("draft", "published"):
                raise ValueError(f"a {story.status} story cannot be published")
            if story.consent is None:
                raise ValueError("the story has no recorded consent: record it first")
            if story.consent.expired(_today()):
                raise ValueError(f"the story's consent expired ({story.consent.expires}): record renewed consent first")
            problems = check_story(story)
            if problems:
                raise PrivacyProblems(problems)
        story.status = status  # type: ignore[assignment]
        for key, value in notes.items():
            setattr(story, key, value)
        store.replace_story(story, etag)  # PreconditionFailed when a payment landed meanwhile: read again
        store.story_changed(story_id)
        return story

    return store.with_retries(attempt, f"story {story_id}", attempts=10)


def publish(story_id: str) -> StoryDoc:
    return set_status(story_id, "published")


def withdraw(story_id: str, reason: str = "consent withdrawn") -> tuple[StoryDoc, int | None]:
    """Hide the story at once, delete its assets, then cancel its PaymentIntents that could still be
    paid. Returns the story and how many were cancelled (None when Stripe could not be asked: payments
    that arrive anyway are held, not counted). Raises AssetsRemain when assets could not be deleted
    (the story is hidden all the same; withdrawing again finishes the work)."""
    from shared import payments

    story = set_status(story_id, "withdrawn", withdrawn_reason=reason, withdrawn_on=_today().isoformat())
    assets_error = None
    try:
        deleted = assets.delete_story_assets(story_id)
        log.info("story %s withdrawn (%s): %d asset(s) deleted", story_id, reason, deleted)
    except Exception as exc:  # noqa: BLE001 - reported below, after the payments are seen to
        assets_error = exc
        log.exception("story %s withdrawn (%s); its assets could not be deleted", story_id, reason)
    try:
        cancelled = payments.cancel_open_intents(story_id)
    except Exception:  # noqa: BLE001 - the story is hidden whatever Stripe answers
        log.warning("story %s withdrawn; its open PaymentIntents could not be cancelled", story_id, exc_info=True)
        cancelled = None
    if assets_error is not None:
        raise AssetsRemain(
            f"story {story_id} is hidden, but its assets could not be deleted ({type(assets_error).__name__}): withdraw it again"
        ) from assets_error
    return story, cancelled


def _audit_expiry(story: StoryDoc, expired: str | None) -> None:
    """The consent timer's step in the story's audit trail (who: the system)."""
    from shared import audit
    from shared.principal import Principal

    timer = Principal(id="system:consent-expiry", name="consent expiry (daily timer)", roles=frozenset())
    audit.append(story, timer, "system", "consent_expired", expired=expired)


def unpublish_expired(today: dt.date | None = None) -> list[StoryDoc]:
    """Withdraw every published or funded story whose consent has expired; the stories unpublished.
    Each is logged for ops; one that fails is logged and the others still go."""
    today = today or _today()
    done: list[StoryDoc] = []
    failed: list[str] = []
    for story in store.list_published():
        consent = story.consent
        if consent is None or not consent.expired(today):
            continue
        try:
            withdrawn, cancelled = withdraw(story.id, reason=f"consent expired {consent.expires}")
            _audit_expiry(withdrawn, consent.expires)
        except Exception:  # noqa: BLE001 - the next story must not wait for this one
            log.exception("consent expired: story %s could NOT be fully unpublished; run ops withdraw %s", story.id, story.id)
            failed.append(story.id)
            continue
        log.warning(
            "consent expired: story %s unpublished (consent recorded by %s expired %s); %s open payment(s) cancelled",
            story.id,
            consent.recorded_by,
            consent.expires,
            "unknown" if cancelled is None else cancelled,
        )
        done.append(withdrawn)
    if failed:
        raise store.Unavailable(f"consent expired but not fully unpublished: {', '.join(failed)}")
    return done
