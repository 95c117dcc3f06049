"""Donations: start one (a Stripe PaymentIntent), and what the portal needs to know to take them."""

import azure.functions as func

from shared import donations
from shared.http import cached_json, endpoint, json_response

bp = func.Blueprint()


@bp.route(route="donations", methods=["POST", "OPTIONS"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def create_donation(req: func.HttpRequest) -> func.HttpResponse:
    key = req.headers.get("idempotency-key")
    created = donations.create(donations.parse(req.get_body(), key), key)  # type: ignore[arg-type]
    return json_response(created, status=201, headers={"Cache-Control": "no-store"})


@bp.route(route="config", methods=["GET", "OPTIONS"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def get_config(req: func.HttpRequest) -> func.HttpResponse:
    return cached_json(req, donations.portal_config(), cache_control="public, max-age=300")
