"""Reconcile the funding records with Stripe, both ways, through the same path as the queue.

1. Stripe → records: every PaymentIntent named by a handled event of the period is settled as
   Stripe says (a webhook that never arrived, a refund missed...).
2. Records → Stripe: every Stripe payment record of the period is checked against its
   PaymentIntent; one that Stripe does not back (no succeeded intent, a smaller amount) is
   reversed with a visible `correction` record.

Settling is idempotent, so a second run changes nothing. One payment that fails is reported and
the run goes on; the report's `failed` says whether any did."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable

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
    start = int((dt.datetime.now(dt.UTC) - since).timestamp())
    report = {
        "events": 0,
        "payments": 0,
        "applied": 0,
        "held": 0,
        "unchanged": 0,
        "not_ours": 0,
        "unknown_payment": 0,
        "corrected": 0,
        "failed": 0,
    }
    checked: set[str] = set()

    def check(intent_id: str, source: str, backward: bool) -> None:
        checked.add(intent_id)
        report["payments"] += 1
        try:
            outcome = payments.process(intent_id, source=source)
        except Exception as exc:  # noqa: BLE001 - reported; the run goes on
            report["failed"] += 1
            log.warning("reconcile: %s not settled: %s", intent_id, exc, exc_info=True)
            progress(f"  failed {intent_id}: {type(exc).__name__}: {exc}")
            return
        report["corrected" if backward and outcome == "applied" else outcome] += 1
        if outcome in ("applied", "held"):
            progress(f"  {'corrected' if backward else outcome} {intent_id}")

    for kind in payments.FUNDING_EVENTS:
        events = client.v1.events.list(params={"type": kind, "created": {"gte": start}, "limit": 100})
        for ev in events.auto_paging_iter():
            report["events"] += 1
            try:
                notice = payments.notice(ev.to_dict())
            except ValueError as exc:
                report["failed"] += 1
                progress(f"  failed event {ev.id}: {exc}")
                continue
            if notice is not None and notice.payment_intent not in checked:
                check(notice.payment_intent, f"reconcile:{ev.id}", backward=False)
    progress(f"  {len(checked)} payment(s) named by Stripe's events checked; now the records of the period ...")
    for record in funding.payment_records_since(start):
        if record.id not in checked:
            check(record.id, "reconcile", backward=True)
    return report
