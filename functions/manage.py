"""The staff API under /api/manage/: case workers write, review, publish and update stories.

Every route needs a staff principal from App Service Authentication (X-MS-CLIENT-PRINCIPAL,
shared/principal.py) and one of the roles listed in ROLES: 401 without one, 403 with a role that
may not act. The routes are ANONYMOUS at the Functions level on purpose: in Azure, Easy Auth in
front of the app is the gate (a function key cannot identify a person, and one in the staff pages'
JavaScript would be no secret); the role check is here in code, before anything is read."""

from __future__ import annotations

import functools

import azure.functions as func

from functions.http import cors_headers, endpoint, json_response
from shared import audit, editorial, principal
from shared.errors import DomainError

bp = func.Blueprint()
ANON = func.AuthLevel.ANONYMOUS
NO_STORE = {"Cache-Control": "no-store"}

# Who may call what (function name -> roles); the OpenAPI description lists them as x-roles.
ROLES: dict[str, tuple[str, ...]] = {
    "manage_list": ("author", "reviewer", "ops"),
    "manage_create": ("author",),
    "manage_get": ("author", "reviewer", "ops"),
    "manage_edit": ("author",),
    "manage_preview": ("author", "reviewer"),
    "manage_submit": ("author",),
    "manage_approve": ("reviewer",),
    "manage_publish": ("reviewer",),
    "manage_update": ("author",),
    "manage_withdraw": ("reviewer", "ops"),
    "manage_consent": ("author", "reviewer"),
    "manage_history": ("author", "reviewer", "ops"),
    "manage_image": ("author",),
}


def staff_cors_headers(req: func.HttpRequest) -> dict[str, str]:
    """CORS for the staff pages when they are served from another origin on the allow-list: with
    credentials (the Easy Auth session cookie), never `*`."""
    return cors_headers(req, methods="GET, POST, PUT, OPTIONS", allow_headers="Content-Type", expose=None, credentials=True)


def staff_endpoint(fn):
    """`functions.http.endpoint` (errors, OPTIONS preflight), with the staff routes' CORS."""
    inner = endpoint(fn)

    @functools.wraps(fn)
    def wrapper(req: func.HttpRequest) -> func.HttpResponse:
        response = inner(req)
        for name, value in staff_cors_headers(req).items():
            response.headers[name] = value
        return response

    return wrapper


def _caller(req: func.HttpRequest, name: str) -> tuple[principal.Principal, str]:
    return principal.require(req.headers, *ROLES[name])


def _saved(story, found, status: int = 200) -> func.HttpResponse:
    return json_response({"story": editorial.staff_view(story), "findings": found}, status, NO_STORE)


@bp.route(route="manage/stories", methods=["GET", "OPTIONS"], auth_level=ANON)
@staff_endpoint
def manage_list(req: func.HttpRequest) -> func.HttpResponse:
    from shared import assets

    _caller(req, "manage_list")
    return json_response({"items": editorial.listing(), "basemap_url": assets.asset_url(assets.BASEMAP_PATH)}, headers=NO_STORE)


@bp.route(route="manage/stories", methods=["POST"], auth_level=ANON)
@staff_endpoint
def manage_create(req: func.HttpRequest) -> func.HttpResponse:
    who, role = _caller(req, "manage_create")
    story, found = editorial.create(editorial.parse(editorial.StoryInput, req.get_body()), who, role)
    return _saved(story, found, 201)


@bp.route(route="manage/stories/{id}", methods=["GET", "OPTIONS"], auth_level=ANON)
@staff_endpoint
def manage_get(req: func.HttpRequest) -> func.HttpResponse:
    _caller(req, "manage_get")
    story, _ = editorial.get(req.route_params["id"])
    return json_response({"story": editorial.staff_view(story), "changes": editorial.changes(story)}, headers=NO_STORE)


@bp.route(route="manage/stories/{id}", methods=["PUT"], auth_level=ANON)
@staff_endpoint
def manage_edit(req: func.HttpRequest) -> func.HttpResponse:
    who, role = _caller(req, "manage_edit")
    data = editorial.parse(editorial.StoryInput, req.get_body())
    if data.version is None:
        raise DomainError("invalid_field", "version: the version being edited is required", parameter="version")
    story, found = editorial.edit(req.route_params["id"], data, who, role)
    return _saved(story, found)


@bp.route(route="manage/stories/{id}/images", methods=["POST", "OPTIONS"], auth_level=ANON)
@staff_endpoint
def manage_image(req: func.HttpRequest) -> func.HttpResponse:
    """A picture for the story (a milestone's or the cover), made safe before anything is stored
    (shared/images.py: no metadata, no faces, clean SVG). The body is the file; `name` its file name."""
    who, role = _caller(req, "manage_image")
    stored = editorial.add_image(req.route_params["id"], req.params.get("name", ""), req.get_body(), who, role)
    return json_response(stored, 201, NO_STORE)


@bp.route(route="manage/stories/{id}/preview", methods=["GET", "OPTIONS"], auth_level=ANON)
@staff_endpoint
def manage_preview(req: func.HttpRequest) -> func.HttpResponse:
    """The story as the donor's page will show it, whatever its state (the staff preview)."""
    from shared.stories import detail

    _caller(req, "manage_preview")
    story, _ = editorial.get(req.route_params["id"])
    return json_response(detail(story), headers=NO_STORE)


def _action(name: str, req: func.HttpRequest, model, run) -> func.HttpResponse:
    who, role = _caller(req, name)
    story = run(req.route_params["id"], editorial.parse(model, req.get_body()), who, role)
    return _saved(story, editorial.findings(story))


@bp.route(route="manage/stories/{id}/submit", methods=["POST", "OPTIONS"], auth_level=ANON)
@staff_endpoint
def manage_submit(req: func.HttpRequest) -> func.HttpResponse:
    return _action("manage_submit", req, editorial.VersionInput, lambda sid, d, who, role: editorial.submit(sid, d.version, who, role))


@bp.route(route="manage/stories/{id}/approve", methods=["POST", "OPTIONS"], auth_level=ANON)
@staff_endpoint
def manage_approve(req: func.HttpRequest) -> func.HttpResponse:
    return _action(
        "manage_approve", req, editorial.VersionInput, lambda sid, d, who, role: editorial.approve(sid, d.version, who, role)
    )


@bp.route(route="manage/stories/{id}/publish", methods=["POST", "OPTIONS"], auth_level=ANON)
@staff_endpoint
def manage_publish(req: func.HttpRequest) -> func.HttpResponse:
    return _action(
        "manage_publish", req, editorial.VersionInput, lambda sid, d, who, role: editorial.publish(sid, d.version, who, role)
    )


@bp.route(route="manage/stories/{id}/updates", methods=["POST", "OPTIONS"], auth_level=ANON)
@staff_endpoint
def manage_update(req: func.HttpRequest) -> func.HttpResponse:
    who, role = _caller(req, "manage_update")
    story = editorial.post_update(req.route_params["id"], editorial.parse(editorial.UpdateInput, req.get_body()), who, role)
    return json_response({"story": editorial.staff_view(story), "findings": {}}, 201, NO_STORE)


@bp.route(route="manage/stories/{id}/withdraw", methods=["POST", "OPTIONS"], auth_level=ANON)
@staff_endpoint
def manage_withdraw(req: func.HttpRequest) -> func.HttpResponse:
    return _action("manage_withdraw", req, editorial.WithdrawInput, editorial.withdraw)


@bp.route(route="manage/stories/{id}/consent", methods=["POST", "OPTIONS"], auth_level=ANON)
@staff_endpoint
def manage_consent(req: func.HttpRequest) -> func.HttpResponse:
    return _action("manage_consent", req, editorial.ConsentInput, editorial.record_consent)


@bp.route(route="manage/stories/{id}/history", methods=["GET", "OPTIONS"], auth_level=ANON)
@staff_endpoint
def manage_history(req: func.HttpRequest) -> func.HttpResponse:
    _caller(req, "manage_history")
    story, _ = editorial.get(req.route_params["id"])
    return json_response({"story_id": story.id, "items": audit.history(story.id)}, headers=NO_STORE)
