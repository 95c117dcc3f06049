"""Consent expiry: every day, each published story whose recorded consent has expired is unpublished
the way `ops withdraw` does it (hidden, assets deleted, open payments cancelled) and logged for ops."""

import logging

import azure.functions as func

from shared import publishing

bp = func.Blueprint()
log = logging.getLogger(__name__)


@bp.timer_trigger(schedule="0 5 0 * * *", arg_name="timer", run_on_startup=False)
def expire_consents(timer: func.TimerRequest) -> None:
    unpublished = publishing.unpublish_expired()
    log.info("consent expiry: %d story(ies) unpublished%s", len(unpublished), "".join(f" {s.id}" for s in unpublished))
