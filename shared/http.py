"""HTTP helpers shared by the trigger functions: one JSON shape for answers and errors."""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func
from pydantic import BaseModel

JSON = "application/json"


class ApiError(Exception):
    """A caller's mistake (or a known unavailable dependency), answered as the one error body."""

    def __init__(self, status: int, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, **self.details}}


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> func.HttpResponse:
    if isinstance(payload, BaseModel):
        body = payload.model_dump_json(by_alias=True)
    else:
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    return func.HttpResponse(body, status_code=status, mimetype=JSON, charset="utf-8", headers=headers or {})


def error_response(err: ApiError, headers: dict[str, str] | None = None) -> func.HttpResponse:
    return json_response(err.body(), err.status, headers)
