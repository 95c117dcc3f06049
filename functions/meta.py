"""GET /api/openapi.json: the OpenAPI 3.1 document, generated from the models."""

import azure.functions as func

from functions import openapi
from functions.http import cached_json, endpoint

bp = func.Blueprint()


@bp.route(route="openapi.json", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def get_openapi(req: func.HttpRequest) -> func.HttpResponse:
    return cached_json(req, openapi.document(), cache_control="public, max-age=3600")
