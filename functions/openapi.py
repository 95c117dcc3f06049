"""The OpenAPI 3.1 document of the public API, generated from the pydantic models."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from functions.http import STATUS
from shared import models
from shared.health import Health
from shared.stories import ListQuery

REF = "#/components/schemas/{model}"


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _json(model: type[BaseModel], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(model)}}}


def _errors(*codes: str) -> dict[str, Any]:
    """Error responses for the codes an operation can answer, their statuses from the one table."""
    by_status: dict[str, list[str]] = {}
    for code in codes:
        by_status.setdefault(str(STATUS[code]), []).append(code)
    return {
        status: _json(models.ErrorBody, "Error: " + ", ".join(f"`{c}`" for c in found)) for status, found in sorted(by_status.items())
    }


STORY_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
GEOJSON = {
    "description": "GeoJSON FeatureCollection: a Point per milestone and a LineString route",
    "content": {"application/geo+json": {"schema": {"type": "object"}}},
}
CACHED = {"304": {"description": "Not modified (If-None-Match matched the ETag)"}}


def _list_parameters() -> list[dict[str, Any]]:
    schema = ListQuery.model_json_schema()
    return [{"name": name, "in": "query", "required": False, "schema": prop} for name, prop in schema["properties"].items()]


def operations() -> dict[str, dict[str, Any]]:
    """Every public route: path -> {method: operation}. Kept beside the models it describes."""
    from functions import manage_openapi
    from shared.donations import DonationCreate, DonationCreated, PortalConfig

    return {
        **manage_openapi.operations(),
        "/api/stories": {
            "get": {
                "operationId": "listStories",
                "summary": "Published stories as summaries",
                "parameters": _list_parameters(),
                "responses": {"200": _json(models.StoryPage, "A page of stories"), **CACHED, **_errors("bad_parameter")},
            }
        },
        "/api/stories/{id}": {
            "get": {
                "operationId": "getStory",
                "summary": "A story with its journey",
                "parameters": [STORY_ID],
                "responses": {"200": _json(models.StoryDetail, "The story"), **CACHED, **_errors("story_not_found")},
            }
        },
        "/api/stories/{id}/journey.geojson": {
            "get": {
                "operationId": "getJourney",
                "summary": "The journey as GeoJSON",
                "parameters": [STORY_ID],
                "responses": {"200": GEOJSON, **CACHED, **_errors("story_not_found")},
            }
        },
        "/api/stories/{id}/funding": {
            "get": {
                "operationId": "getFunding",
                "summary": "The public ledger of a story",
                "parameters": [STORY_ID],
                "responses": {"200": _json(models.FundingLedger, "Funding records"), **CACHED, **_errors("story_not_found")},
            }
        },
        "/api/donations": {
            "post": {
                "operationId": "createDonation",
                "summary": "Start a donation (a Stripe PaymentIntent)",
                "parameters": [
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": True,
                        "schema": {"type": "string", "minLength": 8, "maxLength": 255},
                    }
                ],
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(DonationCreate)}}},
                "responses": {
                    "201": _json(DonationCreated, "Created"),
                    **_errors(
                        "invalid_json",
                        "invalid_body",
                        "invalid_field",
                        "idempotency_key_required",
                        "unsupported_currency",
                        "currency_mismatch",
                        "amount_out_of_range",
                        "challenge_required",
                        "challenge_invalid",
                        "challenge_expired",
                        "challenge_used",
                        "story_not_found",
                        "need_not_found",
                        "exceeds_remaining",
                        "need_funded",
                        "idempotency_key_reused",
                        "body_too_large",
                        "rate_limited",
                        "busy",
                        "declined",
                        "payment_refused",
                        "payments_unavailable",
                    ),
                },
            }
        },
        "/api/challenge": {
            "get": {
                "operationId": "getChallenge",
                "summary": "A proof-of-work challenge (ALTCHA) for the next donation",
                "responses": {
                    "200": {
                        "description": "The challenge: parameters and signature",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    **_errors("payments_unavailable"),
                },
            }
        },
        "/api/config": {
            "get": {
                "operationId": "getConfig",
                "summary": "What the portal needs to take donations",
                "responses": {"200": _json(PortalConfig, "Portal configuration")},
            }
        },
        "/api/webhooks/stripe": {
            "post": {
                "operationId": "stripeWebhook",
                "summary": "Stripe events (authenticated by the Stripe-Signature header)",
                "parameters": [{"name": "Stripe-Signature", "in": "header", "required": True, "schema": {"type": "string"}}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {
                    "200": {"description": "Accepted or ignored"},
                    **_errors("invalid_signature", "invalid_event", "queue_unavailable"),
                },
            }
        },
        "/api/health": {
            "get": {
                "operationId": "getHealth",
                "summary": "Reachability of Cosmos DB and storage",
                "responses": {"200": _json(Health, "Healthy"), "503": _json(Health, "A dependency is down")},
            }
        },
        "/api/openapi.json": {
            "get": {
                "operationId": "getOpenApi",
                "summary": "This document",
                "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}},
            }
        },
    }


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    from functions import manage_openapi
    from shared.donations import DonationCreate, DonationCreated, PortalConfig

    component_models: list[type[BaseModel]] = [
        models.StoryPage,
        models.StoryDetail,
        models.FundingLedger,
        models.ErrorBody,
        Health,
        DonationCreate,
        DonationCreated,
        PortalConfig,
        *manage_openapi.BODY_MODELS,
    ]
    _, defs = models_json_schema([(m, "serialization") for m in component_models], ref_template=REF)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Second Chance API",
            "version": "1.0.0",
            "description": "Public API of the Second Chance portal. Money is an integer in minor units with its ISO 4217 currency.",
        },
        "paths": operations(),
        "components": {"schemas": defs.get("$defs", {}), "securitySchemes": manage_openapi.SECURITY},
    }
