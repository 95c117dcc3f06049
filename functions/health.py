"""GET /api/health: is the app able to reach its dependencies?"""

import azure.functions as func

from functions.http import json_response
from shared import health

bp = func.Blueprint()


@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def get_health(req: func.HttpRequest) -> func.HttpResponse:
    result = health.check_all()
    body = result.model_dump()
    if result.down:
        body["message"] = "unavailable: " + ", ".join(result.down)
        return json_response(body, status=503, headers={"Cache-Control": "no-store"})
    return json_response(body, headers={"Cache-Control": "no-store"})
