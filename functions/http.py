"""The HTTP layer beside the triggers: one JSON shape for answers and errors, the table that maps
the domain's error codes to statuses, caching, CORS."""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func
from pydantic import BaseModel

from shared.errors import DomainError

JSON = "application/json"
# Every JSON answer: never sniffed as anything else, never rendered or framed as a page.
API_HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'"}


# Every error code the API answers, and its status: the one place the domain's words become HTTP.
# The OpenAPI description takes its error responses from here too (functions/openapi.py).
STATUS: dict[str, int] = {
    # the caller's request is malformed or incomplete
    "invalid_json": 400,
    "invalid_body": 400,
    "invalid_field": 400,
    "bad_parameter": 400,
    "idempotency_key_required": 400,
    "unsupported_currency": 400,
    "currency_mismatch": 400,
    "amount_out_of_range": 400,
    "challenge_required": 400,
    "challenge_invalid": 400,
    "challenge_expired": 400,
    "challenge_used": 400,
    "invalid_signature": 400,
    "invalid_event": 400,
    # what the caller names does not exist (or is not public)
    "story_not_found": 404,
    "need_not_found": 404,
    # the request conflicts with the current state
    "exceeds_remaining": 409,
    "need_funded": 409,
    "idempotency_key_reused": 409,
    "body_too_large": 413,
    # staff (the /api/manage/ routes): who may act, and where a story stands in its workflow
    "unauthenticated": 401,
    "forbidden": 403,
    "four_eyes": 403,
    "version_conflict": 409,
    "wrong_state": 409,
    "not_editable": 409,
    "consent_missing": 409,
    "privacy_findings": 422,
    "image_refused": 422,
    # the card-testing defence
    "rate_limited": 429,
    "busy": 429,
    "declined": 429,
    # our side
    "internal": 500,
    "payment_refused": 502,
    "unavailable": 503,
    "payments_unavailable": 503,
    "queue_unavailable": 503,
}


def status_of(code: str) -> int:
    return STATUS.get(code, 500)


def to_json(payload: Any) -> str:
    if isinstance(payload, BaseModel):
        return payload.model_dump_json(by_alias=True)
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> func.HttpResponse:
    body = to_json(payload)
    return func.HttpResponse(body, status_code=status, mimetype=JSON, charset="utf-8", headers={**API_HEADERS, **(headers or {})})


def error_response(err: DomainError, headers: dict[str, str] | None = None) -> func.HttpResponse:
    if "retry_after" in err.details:
        headers = {**(headers or {}), "Retry-After": str(err.details["retry_after"])}
    return json_response(err.body(), status_of(err.code), headers)


# ------------------------------------------------------------------ caching, CORS, errors
def cors_headers(
    req: func.HttpRequest,
    *,
    methods: str = "GET, POST, OPTIONS",
    allow_headers: str = "Content-Type, Idempotency-Key",
    expose: str | None = "ETag",
    credentials: bool = False,
) -> dict[str, str]:
    """CORS for an origin on the allow-list (never `*`); nothing for any other origin. The public
    API's by default; the staff API's add credentials (functions/manage.py)."""
    from shared.settings import get_settings

    origin = req.headers.get("origin")
    headers = {"Vary": "Origin"}
    if origin and origin in get_settings().cors_allowed_origins:
        headers.update(
            {
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Methods": methods,
                "Access-Control-Allow-Headers": allow_headers,
                "Access-Control-Max-Age": "600",
            }
        )
        if expose:
            headers["Access-Control-Expose-Headers"] = expose
        if credentials:
            headers["Access-Control-Allow-Credentials"] = "true"
    return headers


PUBLIC_CACHE = "public, max-age=15, stale-while-revalidate=60"
GZIP_FROM = 1024  # bytes: smaller answers gain less than gzip's own overhead


def accepts_gzip(req: func.HttpRequest) -> bool:
    """`Accept-Encoding` names gzip (or `*`) without `q=0`."""
    for part in req.headers.get("accept-encoding", "").lower().split(","):
        name, _, params = part.partition(";")
        if name.strip() not in ("gzip", "*"):
            continue
        try:
            q = float(params.split("q=", 1)[1]) if "q=" in params else 1.0
        except ValueError:
            q = 1.0
        if q > 0:
            return True
    return False


def cached_json(req: func.HttpRequest, payload: Any, mimetype: str = JSON, cache_control: str = PUBLIC_CACHE) -> func.HttpResponse:
    """A GET answer with a strong ETag over its body; `If-None-Match` gets 304. Compressed with gzip
    when the client accepts it: the Functions host on Linux does not compress answers itself."""
    import gzip
    import hashlib

    body = to_json(payload).encode()
    zipped = len(body) >= GZIP_FROM and accepts_gzip(req)
    tag = hashlib.sha256(body).hexdigest()[:32] + ("-gzip" if zipped else "")  # one ETag per encoding
    etag = f'"{tag}"'
    headers = {"ETag": etag, "Cache-Control": cache_control, **API_HEADERS, **cors_headers(req)}
    headers["Vary"] = ", ".join(filter(None, [headers.get("Vary"), "Accept-Encoding"]))
    given = req.headers.get("if-none-match", "")
    if etag in [t.strip().removeprefix("W/") for t in given.split(",")] or given.strip() == "*":
        return func.HttpResponse(status_code=304, headers=headers)
    if zipped:
        body = gzip.compress(body, compresslevel=6, mtime=0)
        headers["Content-Encoding"] = "gzip"
    return func.HttpResponse(body, status_code=200, mimetype=mimetype, charset="utf-8", headers=headers)


def endpoint(fn):
    """Wrap a trigger function: known errors become the one error body, unknown ones a plain 500
    (logged, never a stack trace in the answer); CORS headers on every answer; OPTIONS preflight."""
    import functools
    import logging

    from shared import store

    log = logging.getLogger(fn.__module__)

    @functools.wraps(fn)
    def wrapper(req: func.HttpRequest) -> func.HttpResponse:
        if req.method == "OPTIONS":
            return func.HttpResponse(status_code=204, headers=cors_headers(req))
        try:
            return fn(req)
        except DomainError as err:
            if err.code not in STATUS:
                log.error("%s: error code %r has no status in functions/http.STATUS", fn.__name__, err.code)
            return error_response(err, cors_headers(req))
        except (store.Unavailable, store.Throttled):
            log.warning("%s: Cosmos DB unavailable", fn.__name__, exc_info=True)
            return error_response(
                DomainError("unavailable", "The service is briefly unavailable; try again"), {**cors_headers(req), "Retry-After": "5"}
            )
        except Exception:
            log.exception("%s failed", fn.__name__)
            return error_response(DomainError("internal", "Something went wrong on our side"), cors_headers(req))

    return wrapper
