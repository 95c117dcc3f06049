"""The OpenAPI description of the staff API (/api/manage/), merged into functions/openapi.py.
Each operation names the roles that may call it (`x-roles`) and the Easy Auth principal it needs."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from functions.manage import ROLES
from shared import editorial

STORY_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
SECURITY = {
    "easyAuth": {
        "type": "apiKey",
        "in": "header",
        "name": "X-MS-CLIENT-PRINCIPAL",
        "description": "Set by App Service Authentication (Entra ID) after staff sign in at /.auth/login/aad; "
        "the platform strips it from clients. App roles: author, reviewer, ops.",
    }
}
BODY_MODELS: list[type[BaseModel]] = [
    editorial.StoryInput,
    editorial.VersionInput,
    editorial.UpdateInput,
    editorial.WithdrawInput,
    editorial.ConsentInput,
]
OBJECT = {"content": {"application/json": {"schema": {"type": "object"}}}}


def _op(
    name: str, summary: str, ok: str, errors: tuple[str, ...], body: type[BaseModel] | None = None, path_id: bool = True
) -> dict[str, Any]:
    from functions.openapi import _errors, _ref

    op: dict[str, Any] = {
        "operationId": name,
        "summary": summary,
        "x-roles": list(ROLES[name]),
        "security": [{"easyAuth": []}],
        "parameters": [STORY_ID] if path_id else [],
        "responses": {ok: {"description": "Done", **OBJECT}, **_errors("unauthenticated", "forbidden", *errors)},
    }
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(body)}}}
    return op


BAD = ("invalid_json", "invalid_body", "invalid_field")


def _image_op() -> dict[str, Any]:
    op = _op(
        "manage_image",
        "Add a picture (made safe first: no metadata, no faces, clean SVG)",
        "201",
        ("invalid_body", "invalid_field", "story_not_found", "wrong_state", "image_refused"),
    )
    op["parameters"] = [STORY_ID, {"name": "name", "in": "query", "required": True, "schema": {"type": "string"}}]
    op["requestBody"] = {
        "required": True,
        "content": {
            t: {"schema": {"type": "string", "format": "binary"}} for t in ("image/jpeg", "image/png", "image/webp", "image/svg+xml")
        },
    }
    return op


def operations() -> dict[str, dict[str, Any]]:
    s = "/api/manage/stories"
    return {
        s: {
            "get": _op("manage_list", "Every story with its workflow state", "200", (), path_id=False),
            "post": _op(
                "manage_create",
                "Create a draft (the privacy gate's findings come back by field)",
                "201",
                (*BAD, "body_too_large"),
                editorial.StoryInput,
                path_id=False,
            ),
        },
        s + "/{id}": {
            "get": _op(
                "manage_get", "A story for staff: content, state, findings, changes since approval", "200", ("story_not_found",)
            ),
            "put": _op(
                "manage_edit",
                "Save a new version of a draft",
                "200",
                (*BAD, "story_not_found", "version_conflict", "not_editable"),
                editorial.StoryInput,
            ),
        },
        s + "/{id}/preview": {"get": _op("manage_preview", "The story as donors will see it", "200", ("story_not_found",))},
        s + "/{id}/images": {"post": _image_op()},
        s + "/{id}/submit": {
            "post": _op(
                "manage_submit",
                "Submit a version for review",
                "200",
                (*BAD, "story_not_found", "version_conflict", "wrong_state", "privacy_findings"),
                editorial.VersionInput,
            )
        },
        s + "/{id}/approve": {
            "post": _op(
                "manage_approve",
                "Approve a version (not by anyone who wrote it)",
                "200",
                (*BAD, "story_not_found", "version_conflict", "wrong_state", "four_eyes"),
                editorial.VersionInput,
            )
        },
        s + "/{id}/publish": {
            "post": _op(
                "manage_publish",
                "Publish an approved version",
                "200",
                (*BAD, "story_not_found", "version_conflict", "wrong_state", "consent_missing"),
                editorial.VersionInput,
            )
        },
        s + "/{id}/updates": {
            "post": _op(
                "manage_update",
                "Post an update on a published story",
                "201",
                (*BAD, "story_not_found", "wrong_state", "privacy_findings"),
                editorial.UpdateInput,
            )
        },
        s + "/{id}/withdraw": {
            "post": _op(
                "manage_withdraw",
                "Withdraw a story, with a reason",
                "200",
                (*BAD, "story_not_found", "wrong_state"),
                editorial.WithdrawInput,
            )
        },
        s + "/{id}/consent": {
            "post": _op("manage_consent", "Record the survivor's consent", "200", (*BAD, "story_not_found"), editorial.ConsentInput)
        },
        s + "/{id}/history": {"get": _op("manage_history", "The story's audit trail, oldest first", "200", ("story_not_found",))},
    }
