"""Donations: start one (a Stripe PaymentIntent), and what the portal needs to know to take them."""

import azure.functions as func

from functions.http import cached_json, endpoint, json_response
from shared import defence, donations

bp = func.Blueprint()


@bp.route(route="donations", methods=["POST", "OPTIONS"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def create_donation(req: func.HttpRequest) -> func.HttpResponse:
    key = req.headers.get("idempotency-key")
    created = donations.create(
        donations.parse(req.get_body(), key),
        key or "",  # parse() refused a missing key
        req.headers.get("x-forwarded-for"),
    )
    return json_response(created, status=201, headers={"Cache-Control": "no-store"})


@bp.route(route="challenge", methods=["GET", "OPTIONS"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def get_challenge(req: func.HttpRequest) -> func.HttpResponse:
    """A proof-of-work challenge for the next donation (ALTCHA); solved in the browser, used once."""
    return json_response(defence.new_challenge(), headers={"Cache-Control": "no-store"})


@bp.route(route="config", methods=["GET", "OPTIONS"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def get_config(req: func.HttpRequest) -> func.HttpResponse:
    return cached_json(req, donations.portal_config(), cache_control="public, max-age=300")
