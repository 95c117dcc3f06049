"""Reconcile: list Stripe's events of the accepted types and apply any the webhook never delivered,
through the same code path as the queue. Applying is idempotent, so a second run changes nothing."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Callable

from pydantic import ValidationError

from shared import funding, payments

log = logging.getLogger(__name__)
_SINCE = re.compile(r"^(\d{1,3})([dh])$")


def parse_since(text: str) -> dt.timedelta:
    m = _SINCE.match(text.strip())
    if not m:
        raise ValueError("use a number of days or hours, e.g. 3d or 12h")
    n, unit = int(m.group(1)), m.group(2)
    return dt.timedelta(days=n) if unit == "d" else dt.timedelta(hours=n)


def reconcile(since: dt.timedelta, progress: Callable[[str], None] = lambda _: None) -> dict[str, int]:
    client = payments.stripe_client()
    start = int((dt.datetime.now(dt.timezone.utc) - since).timestamp())
    report = {"seen": 0, "applied": 0, "already": 0, "ignored": 0, "failed": 0}
    for kind in funding.ACCEPTED_TYPES:
        events = client.v1.events.list(params={"type": kind, "created": {"gte": start}, "limit": 100})
        for ev in events.auto_paging_iter():
            report["seen"] += 1
            try:
                event = payments.digest(ev.to_dict())
                ours = payments.complete(event) if event else None
                if ours is None:
                    report["ignored"] += 1
                    continue
                changed = funding.apply(ours)
            except (ValidationError, funding.UnknownStory, funding.InvalidEvent) as exc:
                report["failed"] += 1
                log.warning("reconcile: %s %s not applied: %s", kind, ev.id, exc)
                progress(f"  could not apply {kind} {ev.id}: {type(exc).__name__}")
                continue
            report["applied" if changed else "already"] += 1
            if changed:
                progress(f"  applied {kind} {ev.id}")
    return report
