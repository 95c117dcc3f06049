"""HTTP helpers shared by the trigger functions: one JSON shape for answers and errors."""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func
from pydantic import BaseModel

JSON = "application/json"
# Every JSON answer: never sniffed as anything else, never rendered or framed as a page.
API_HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'"}


class ApiError(Exception):
    """A caller's mistake (or a known unavailable dependency), answered as the one error body."""

    def __init__(self, status: int, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, **self.details}}


def to_json(payload: Any) -> str:
    if isinstance(payload, BaseModel):
        return payload.model_dump_json(by_alias=True)
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> func.HttpResponse:
    body = to_json(payload)
    return func.HttpResponse(body, status_code=status, mimetype=JSON, charset="utf-8", headers={**API_HEADERS, **(headers or {})})


def error_response(err: ApiError, headers: dict[str, str] | None = None) -> func.HttpResponse:
    if "retry_after" in err.details:
        headers = {**(headers or {}), "Retry-After": str(err.details["retry_after"])}
    return json_response(err.body(), err.status, headers)


# ------------------------------------------------------------------ caching, CORS, errors
def cors_headers(req: func.HttpRequest) -> dict[str, str]:
    """CORS for an origin on the allow-list (never `*`); nothing for any other origin."""
    from shared.settings import get_settings

    origin = req.headers.get("origin")
    headers = {"Vary": "Origin"}
    if origin and origin in get_settings().cors_allowed_origins:
        headers.update({
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type, Idempotency-Key",
            "Access-Control-Expose-Headers": "ETag",
            "Access-Control-Max-Age": "600",
        })
    return headers


PUBLIC_CACHE = "public, max-age=15, stale-while-revalidate=60"


def cached_json(req: func.HttpRequest, payload: Any, mimetype: str = JSON,
                cache_control: str = PUBLIC_CACHE) -> func.HttpResponse:
    """A GET answer with a strong ETag over its body; `If-None-Match` gets 304."""
    import hashlib

    body = to_json(payload)
    etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": cache_control, **API_HEADERS, **cors_headers(req)}
    given = req.headers.get("if-none-match", "")
    if etag in [t.strip().removeprefix("W/") for t in given.split(",")] or given.strip() == "*":
        return func.HttpResponse(status_code=304, headers=headers)
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
        except ApiError as err:
            return error_response(err, cors_headers(req))
        except (store.Unavailable, store.Throttled):
            log.warning("%s: Cosmos DB unavailable", fn.__name__, exc_info=True)
            return error_response(ApiError(503, "unavailable", "The service is briefly unavailable; try again"),
                                  {**cors_headers(req), "Retry-After": "5"})
        except Exception:
            log.exception("%s failed", fn.__name__)
            return error_response(ApiError(500, "internal", "Something went wrong on our side"), cors_headers(req))

    return wrapper
