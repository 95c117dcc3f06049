"""Funding records: what the payment provider says about a payment, settled on a story exactly once.

The core speaks its own words. Its one command is a `Payment`: the provider's current view of one
payment (amount received, currency, the story and need it was for, and the cumulative amounts
refunded and lost in disputes). Adapters (Stripe, sample data) build it; `settle` brings the
funding records in line with it. Because the command is a state, not a delta, delivery order and
repeats do not matter: settling the same state twice changes nothing, and a later state applies
only what is new.

- A payment has one record, id = the provider's payment id. Creating it a second time conflicts
  (a conflict), so a repeat changes nothing.
- Reversals are cumulative per kind: `refund`, `dispute` (a dispute lost) and `correction` (the
  record claims more than the provider received: reconcile's repair). Only the part beyond what the
  record already reverses is applied, as a negative record.
- Only published stories are funded in public. A payment for a draft, withdrawn or unknown story,
  in another currency or for a need the story does not have, is recorded as *held*: it changes no
  totals, is not on the public ledger, and ops refund it (`python -m ops held`, `ops refund`).
- Records and the story's totals are written in one transactional batch in the story's partition,
  guarded by the story's ETag: concurrent workers retry, never count twice.

Allocation rule (over-funding): a payment goes to its need up to the need's remaining amount;
the rest goes to the same survivor's other open needs in the story's order; what is left after
every need is met is recorded on the story as `overfunded`, shown publicly in the totals and
kept for the same survivor. Reversals take money back in the opposite order.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
import zlib
from typing import Literal

from pydantic import BaseModel, Field

from shared import store
from shared.models import PUBLIC_STATUSES, FundingEntryPublic, StoryDoc

log = logging.getLogger(__name__)

ReversalKind = Literal["refund", "dispute", "correction"]
REVERSAL_ORDER: tuple[ReversalKind, ...] = ("correction", "refund", "dispute")
REVERSAL_LABEL = {"refund": "Refund", "dispute": "Reversed", "correction": "Reversed"}
Outcome = Literal["applied", "held", "unchanged"]
MAX_ATTEMPTS = 60
UNKNOWN_PARTITION = "unknown"
_STORY_ID = re.compile(r"^[a-z0-9]{16,32}$")


class Payment(BaseModel):
    """The provider's current view of one payment: the funding core's one command."""

    id: str = Field(min_length=1, max_length=255, description="The provider's payment id")
    provider: Literal["stripe", "sample"] = "stripe"
    story_id: str = Field(min_length=1, max_length=64)
    need: str = Field(max_length=32)
    currency: str = Field(pattern=r"^[A-Za-z]{3}$")
    received: int = Field(ge=0, description="Minor units received; 0 when the provider backs no payment")
    created: int = Field(gt=0)
    display_name: str | None = None
    refunded: int = Field(default=0, ge=0, description="Cumulative")
    disputed: int = Field(default=0, ge=0, description="Cumulative amount of disputes lost")
    source: str = Field(default="", max_length=255, description="What prompted this: an event id, reconcile...")


class Allocation(BaseModel):
    need: str
    amount: int


class PaymentRecord(BaseModel):
    id: str
    storyId: str  # noqa: N815
    type: Literal["funding"] = "funding"
    kind: Literal["payment", "refund", "dispute", "correction"]
    provider: Literal["stripe", "sample"] = "stripe"
    held: bool = False
    hold_reason: str | None = None
    amount: int
    currency: str
    need: str
    day: str
    display_name: str | None = None
    created: int
    allocations: list[Allocation] = []
    overfunded: int = 0
    reversed: dict[str, int] = Field(default_factory=dict, description="cumulative reversals by kind")
    source: str = ""

    @property
    def net(self) -> int:
        return self.amount - sum(self.reversed.values())


def _day(ts: int) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).date().isoformat()


def partition_of(payment: Payment) -> str:
    return payment.story_id if _STORY_ID.match(payment.story_id) else UNKNOWN_PARTITION


def hold_reason(payment: Payment, story: StoryDoc | None) -> str | None:
    """Why a payment cannot be counted in public, or None when it can."""
    if story is None:
        return "unknown story"
    if story.status not in PUBLIC_STATUSES:
        return f"story is {story.status}"
    if payment.currency.upper() != story.currency:
        return f"paid in {payment.currency.upper()}, the story's needs are in {story.currency}"
    if story.need(payment.need) is None:
        return f"the story has no need '{payment.need}'"
    return None


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
    if story.status in PUBLIC_STATUSES:
        story.status = "funded" if all(not n.open for n in story.needs) else "published"


def new_record(payment: Payment, story: StoryDoc | None) -> PaymentRecord:
    """The payment's record; counted on `story` (mutated) unless the payment must be held."""
    from shared.names import clean_display_name

    reason = hold_reason(payment, story)
    try:
        terms = story.sensitive_terms if story is not None else ()
        name = clean_display_name(payment.display_name, terms) if payment.display_name else None
    except ValueError:
        name = None  # validated when the donation was made; never publish one that fails now
    record = PaymentRecord(
        id=payment.id,
        storyId=partition_of(payment),
        kind="payment",
        provider=payment.provider,
        held=reason is not None,
        hold_reason=reason,
        amount=payment.received,
        currency=payment.currency.upper(),
        need=payment.need,
        day=_day(payment.created),
        display_name=name or "Anonymous",
        created=payment.created,
        source=payment.source,
    )
    if reason is None:
        record.allocations, record.overfunded = allocate(story, payment.need, payment.received)  # type: ignore[arg-type]
    return record


def reversal_targets(payment: Payment, record: PaymentRecord) -> dict[str, int]:
    """Cumulative reversal per kind that the provider's view calls for, capped by the record's amount.
    A smaller amount than already reversed (an older view, read before a newer one) changes nothing."""
    wanted = {"correction": max(0, record.amount - payment.received), "refund": payment.refunded, "dispute": payment.disputed}
    targets = dict(record.reversed)
    for kind in REVERSAL_ORDER:
        others = sum(v for k, v in targets.items() if k != kind)
        targets[kind] = max(targets.get(kind, 0), min(wanted[kind], record.amount - others))
    return targets


def plan(payment: Payment, story: StoryDoc | None, record: PaymentRecord | None) -> tuple[PaymentRecord, list[PaymentRecord]] | None:
    """The payment record (new or updated) and the reversal records that settle `payment`, or None
    when nothing changes. Mutates `story` and `record` as the batch will."""
    created = record is None
    if record is None:
        if payment.received <= 0:
            return None  # the provider backs no payment and none is recorded
        record = new_record(payment, story)
    elif payment.received > record.amount:
        log.warning(
            "payment %s: the provider shows %d received, the record %d; left for a person to check",
            payment.id,
            payment.received,
            record.amount,
        )
    reversals = []
    targets = reversal_targets(payment, record)
    for kind in REVERSAL_ORDER:
        target = targets[kind]
        delta = target - record.reversed.get(kind, 0)
        if delta <= 0:
            continue
        taken = [] if record.held else reverse(story, record, delta)  # type: ignore[arg-type]
        record.reversed[kind] = target
        reversals.append(
            PaymentRecord(
                id=f"{record.id}:{kind}:{target}",
                storyId=record.storyId,
                kind=kind,
                provider=record.provider,
                held=record.held,
                amount=-delta,
                currency=record.currency,
                need=record.need,
                day=_day(int(time.time()) if kind == "correction" else payment.created),
                created=int(time.time()),
                allocations=taken,
                source=payment.source,
            )
        )
    if not created and not reversals:
        return None
    if story is not None and not record.held:
        _story_status(story)
    return record, reversals


# Workers of one instance take turns per story (lock striping) instead of racing on its ETag;
# across instances the ETag-guarded batch keeps effects exact.
_STRIPES = [threading.Lock() for _ in range(64)]


def settle(payment: Payment) -> Outcome:
    """Bring the funding records in line with the provider's view of `payment`.
    Raises store errors (transient: the caller retries)."""
    partition = partition_of(payment)
    with _STRIPES[zlib.crc32(partition.encode()) % len(_STRIPES)]:
        return _settle(partition, payment)


def _settle(partition: str, payment: Payment) -> Outcome:
    # A plain payment is usually new: skip reading its record, a conflict on create says it exists.
    read_record = [bool(payment.refunded or payment.disputed or payment.received == 0)]

    def attempt(_n: int) -> Outcome:
        story, etag = _story(partition)
        record, record_etag = _record(partition, payment.id) if read_record[0] else (None, None)
        planned = plan(payment, story, record)
        if planned is None:
            return "unchanged"
        payment_record, reversals = planned
        body = payment_record.model_dump()
        ops: list[tuple] = [
            ("create", (body,)) if record is None else ("replace", (payment_record.id, body), {"if_match_etag": record_etag})
        ]
        ops += [("create", (r.model_dump(),)) for r in reversals]
        if story is not None and not payment_record.held:
            ops.append(("replace", (story.id, story.to_cosmos()), {"if_match_etag": etag}))
        try:
            store.execute_batch(partition, ops)
        except store.Conflict:  # the record exists (or a reversal was written by another worker): read, retry
            read_record[0] = True
            raise store.PreconditionFailed(f"{payment.id} was written meanwhile") from None
        if not payment_record.held:
            store.story_changed(partition)
        if payment_record.held:
            log.warning("payment %s held (%s): not counted in public; ops can refund it", payment.id, payment_record.hold_reason)
            return "held"
        return "applied"

    return store.with_retries(attempt, f"settling {payment.id}", MAX_ATTEMPTS)


def _story(partition: str) -> tuple[StoryDoc | None, str | None]:
    if partition == UNKNOWN_PARTITION:
        return None, None
    try:
        return store.get_story(partition)
    except store.NotFound:
        return None, None


def _record(partition: str, payment_id: str) -> tuple[PaymentRecord | None, str | None]:
    doc = store.get_item(partition, payment_id)
    if doc is None:
        return None, None
    return PaymentRecord.model_validate(doc), doc["_etag"]


# ------------------------------------------------------------------ reading
def records(story_id: str) -> list[PaymentRecord]:
    return [PaymentRecord.model_validate(d) for d in store.funding_records(story_id)]


def public_ledger(story_id: str) -> list[FundingEntryPublic]:
    """What donors see: counted records only; reversals never carry a donor's name."""
    return [
        FundingEntryPublic(
            amount=r.amount,
            currency=r.currency,
            need=r.need,  # type: ignore[arg-type]  # a category: records are written from stories' needs
            day=r.day,
            display_name=(r.display_name or "Anonymous") if r.kind == "payment" else REVERSAL_LABEL[r.kind],
        )
        for r in records(story_id)
        if not r.held
    ]


def held_payments() -> list[PaymentRecord]:
    """Payment records held from public totals with money still to return."""
    return [r for r in (PaymentRecord.model_validate(d) for d in store.held_funding_records()) if r.kind == "payment" and r.net > 0]


def find_record(payment_id: str) -> PaymentRecord | None:
    doc = store.find_funding_record(payment_id)
    return PaymentRecord.model_validate(doc) if doc else None


def payment_records_since(ts: int, provider: str = "stripe") -> list[PaymentRecord]:
    return [PaymentRecord.model_validate(d) for d in store.payment_records_since(ts, provider)]
