"""What case workers do with a story: import it as a draft, publish it, withdraw it.

Publishing runs the privacy checks first. Withdrawal (consent withdrawn) works from any state
and takes effect at once: the story answers 404 like any unknown id."""

from __future__ import annotations

from shared import store
from shared.models import StoryDoc
from shared.privacy import check_story


class PrivacyProblems(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def import_draft(story: StoryDoc) -> StoryDoc:
    """Store a new story as a draft (an existing id is refused: stories are edited, not re-imported)."""
    problems = check_story(story)
    if problems:
        raise PrivacyProblems(problems)
    draft = story.model_copy(update={"status": "draft"})
    try:
        store.get_story(story.id)
    except store.NotFound:
        store.upsert_story(draft)
        return draft
    raise store.Conflict(f"story {story.id} exists already")


def set_status(story_id: str, status: str) -> StoryDoc:
    for _ in range(10):
        story, etag = store.get_story(story_id)
        if status == "published":
            if story.status not in ("draft", "published"):
                raise ValueError(f"a {story.status} story cannot be published")
            problems = check_story(story)
            if problems:
                raise PrivacyProblems(problems)
        story.status = status  # type: ignore[assignment]
        try:
            store.replace_story(story, etag)
        except store.PreconditionFailed:  # a payment landed meanwhile: read again
            continue
        store.story_changed(story_id)
        return story
    raise store.Unavailable(f"story {story_id} kept changing; try again")


def publish(story_id: str) -> StoryDoc:
    return set_status(story_id, "published")


def withdraw(story_id: str) -> tuple[StoryDoc, int | None]:
    """Hide the story at once, then cancel its PaymentIntents that could still be paid. Returns the
    story and how many were cancelled (None when Stripe could not be asked: payments that arrive
    anyway are held, not counted)."""
    import logging

    from shared import payments

    story = set_status(story_id, "withdrawn")
    try:
        return story, payments.cancel_open_intents(story_id)
    except Exception:  # noqa: BLE001 - the story is hidden whatever Stripe answers
        logging.getLogger(__name__).warning("story %s withdrawn; its open PaymentIntents could not be cancelled",
                                            story_id, exc_info=True)
        return story, None
