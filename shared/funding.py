"""Funding records: payment events applied to a story exactly once in effect.

Delivery is at least once and unordered, so every effect is guarded by state in Cosmos DB:

- A payment has one record, id = its PaymentIntent id. Creating it a second time conflicts (409),
  so a redelivered `payment_intent.succeeded` changes nothing.
- Refunds and lost disputes carry cumulative amounts (`amount_refunded` of the charge, the
  dispute's amount); only the part beyond what the payment record already reverses is applied,
  so a repeat applies nothing and a later event carrying more applies the difference.
- A refund or dispute that arrives before its payment first records the payment (the charge
  event carries the amount and metadata), then reverses it: totals end correct, never negative.
- The record(s) and the story's totals are written in one transactional batch in the story's
  partition, guarded by the story's ETag: concurrent workers retry on 412, never count twice.

Allocation rule (over-funding): a payment goes to its need up to the need's remaining amount;
the rest goes to the same survivor's other open needs in the story's order; what is left after
every need is met is recorded on the story as `overfunded`, shown publicly in the totals and
kept for the same survivor. Reversals take money back in the opposite order.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
import zlib
from typing import Literal

from pydantic import BaseModel, Field

from shared import store
from shared.models import StoryDoc

log = logging.getLogger(__name__)

EventType = Literal["payment_intent.succeeded", "charge.refunded", "charge.dispute.created", "charge.dispute.closed"]
ACCEPTED_TYPES: tuple[str, ...] = EventType.__args__  # type: ignore[attr-defined]
MAX_ATTEMPTS = 60


class PaymentEvent(BaseModel):
    """The queue message: a small, validated digest of one Stripe event."""

    event_id: str = Field(min_length=1, max_length=255)
    type: EventType
    created: int = Field(gt=0)
    payment_intent: str = Field(min_length=1, max_length=255)
    charge: str | None = Field(default=None, max_length=255)
    amount: int | None = Field(default=None, gt=0, description="The payment's amount, minor units")
    amount_refunded: int = Field(default=0, ge=0, description="Cumulative, for charge.refunded")
    dispute_amount: int = Field(default=0, ge=0)
    dispute_status: str | None = None
    currency: str = Field(pattern=r"^[A-Za-z]{3}$")
    metadata: dict[str, str] = {}


class UnknownStory(Exception):
    """The event names a story that does not exist: retried, then poisoned for a person to look at."""


class InvalidEvent(Exception):
    """The event cannot be applied as it is (no story, currency mismatch...)."""


class Allocation(BaseModel):
    need: str
    amount: int


class PaymentRecord(BaseModel):
    id: str
    storyId: str  # noqa: N815
    type: Literal["funding"] = "funding"
    kind: Literal["payment", "refund", "dispute"]
    amount: int
    currency: str
    need: str
    day: str
    display_name: str
    created: int
    allocations: list[Allocation] = []
    overfunded: int = 0
    reversed: dict[str, int] = Field(default_factory=dict, description="cumulative reversals by kind")
    event_id: str


def _day(ts: int) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).date().isoformat()


def allocate(story: StoryDoc, need: str, amount: int) -> tuple[list[Allocation], int]:
    """Where a payment's money goes (see the module's rule); mutates the story's needs."""
    order = [n for n in story.needs if n.need == need] + [n for n in story.needs if n.need != need]
    allocations, left = [], amount
    for n in order:
        take = min(left, n.remaining)
        if take > 0:
            n.raised += take
            allocations.append(Allocation(need=n.need, amount=take))
            left -= take
    story.overfunded += left
    for a in allocations:
        story.need(a.need).donor_count += 1  # type: ignore[union-attr]
    story.donor_count += 1
    return allocations, left


def reverse(story: StoryDoc, record: PaymentRecord, amount: int) -> list[Allocation]:
    """Take `amount` back from what `record` gave: over-funding first, then needs in reverse order."""
    already = sum(record.reversed.values())
    taken: list[Allocation] = []
    left = amount
    from_over = min(left, max(0, record.overfunded - already))
    story.overfunded -= from_over
    left -= from_over
    already_from_needs = max(0, already - record.overfunded)
    for a in reversed(record.allocations):
        available = a.amount - min(a.amount, already_from_needs)
        already_from_needs = max(0, already_from_needs - a.amount)
        take = min(left, available)
        if take > 0:
            n = story.need(a.need)
            if n is not None:
                n.raised = max(0, n.raised - take)
                if take == available:  # this allocation is now wholly reversed
                    n.donor_count = max(0, n.donor_count - 1)
            taken.append(Allocation(need=a.need, amount=take))
            left -= take
    if already < record.amount <= already + amount:
        story.donor_count = max(0, story.donor_count - 1)
    return taken


def _story_status(story: StoryDoc) -> None:
    if story.status in ("published", "funded"):
        story.status = "funded" if all(not n.open for n in story.needs) else "published"


def _plan(event: PaymentEvent, story: StoryDoc, record_doc: dict | None) -> list[tuple] | None:
    """The batch that applies `event` to `story`, or None when it is already applied."""
    ops: list[tuple] = []
    if event.currency.upper() != story.currency:
        raise InvalidEvent(f"currency {event.currency} does not match the story's {story.currency}")
    need = event.metadata.get("need", "")
    if record_doc is None:
        if story.need(need) is None:
            raise InvalidEvent(f"story has no need '{need}'")
        if event.amount is None:
            raise InvalidEvent("the payment's amount is unknown")
        allocations, over = allocate(story, need, event.amount)
        record = PaymentRecord(
            id=event.payment_intent, storyId=story.id, kind="payment", amount=event.amount, currency=story.currency,
            need=need, day=_day(event.created), display_name=event.metadata.get("display_name") or "Anonymous",
            created=event.created, allocations=allocations, overfunded=over, event_id=event.event_id,
        )
        create_record = True
    else:
        record = PaymentRecord.model_validate(record_doc)
        create_record = False
        if event.type == "payment_intent.succeeded":
            return None

    kind, cumulative = None, 0
    if event.type == "charge.refunded":
        kind, cumulative = "refund", event.amount_refunded
    elif event.type == "charge.dispute.closed" and event.dispute_status == "lost":
        kind, cumulative = "dispute", event.dispute_amount
    if kind is not None:
        cumulative = min(cumulative, record.amount - sum(v for k, v in record.reversed.items() if k != kind))
        delta = cumulative - record.reversed.get(kind, 0)
        if delta > 0:
            taken = reverse(story, record, delta)
            record.reversed[kind] = cumulative
            ops.append(("create", (PaymentRecord(
                id=f"{event.payment_intent}:{kind}:{cumulative}", storyId=story.id, kind=kind, amount=-delta,
                currency=story.currency, need=record.need, day=_day(event.created), display_name=record.display_name,
                created=event.created, allocations=taken, event_id=event.event_id).model_dump(),)))
    if not create_record and not ops:
        return None  # nothing new: a repeat, a dispute opening, or a won dispute
    record_body = record.model_dump()
    if create_record:
        ops.insert(0, ("create", (record_body,)))
    else:
        ops.insert(0, ("replace", (record.id, record_body), {"if_match_etag": record_doc["_etag"]}))  # type: ignore[index]
    _story_status(story)
    return ops


# Workers of one instance take turns per story (lock striping) instead of racing on its ETag;
# across instances the ETag-guarded batch keeps effects exact.
_STRIPES = [threading.Lock() for _ in range(64)]


def apply(event: PaymentEvent) -> bool:
    """Apply one event. True if it changed anything, False if it was already applied.
    Raises UnknownStory / InvalidEvent (to be retried, then poisoned) and store errors (transient)."""
    story_id = event.metadata.get("story_id", "")
    if not story_id:
        raise UnknownStory(f"event {event.event_id} names no story")
    with _STRIPES[zlib.crc32(story_id.encode()) % len(_STRIPES)]:
        return _apply(story_id, event)


def _apply(story_id: str, event: PaymentEvent) -> bool:
    first_payment = event.type == "payment_intent.succeeded"
    for attempt in range(MAX_ATTEMPTS):
        try:
            story, etag = store.get_story(story_id)
        except store.NotFound:
            raise UnknownStory(f"event {event.event_id} names no known story") from None
        # A payment's record is created, never replaced: no need to read it first, a 409 says "done".
        record = None if first_payment else store.get_item(story_id, event.payment_intent)
        ops = _plan(event, story, record)
        if ops is None:
            return False
        ops.append(("replace", (story.id, story.to_cosmos()), {"if_match_etag": etag}))
        try:
            store.execute_batch(story_id, ops)
        except store.Conflict:
            if first_payment:
                return False  # the payment's record exists: applied before
            _pause(attempt)
            continue
        except (store.PreconditionFailed, store.Throttled):  # another instance wrote first
            _pause(attempt)
            continue
        _changed(story_id)
        return True
    raise store.Unavailable(f"gave up applying {event.event_id} after {MAX_ATTEMPTS} concurrent attempts")


def _pause(attempt: int) -> None:
    time.sleep(random.uniform(0, min(0.5, 0.01 * 2 ** min(attempt, 6))))


def _changed(story_id: str) -> None:
    from shared.stories import list_cache

    list_cache.invalidate()


def ledger(story_id: str) -> list[dict]:
    return store.funding_records(story_id)
