"""The public read API of stories: the list, a story, its journey as GeoJSON."""

import azure.functions as func

from functions.http import cached_json, endpoint
from shared import funding, stories
from shared.models import FundingLedger

bp = func.Blueprint()


@bp.route(route="stories", methods=["GET", "OPTIONS"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def list_stories(req: func.HttpRequest) -> func.HttpResponse:
    query = stories.parse_list_query(dict(req.params))
    return cached_json(req, stories.list_stories(query))


@bp.route(route="stories/{id}", methods=["GET", "OPTIONS"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def get_story(req: func.HttpRequest) -> func.HttpResponse:
    return cached_json(req, stories.detail(stories.public_story(req.route_params["id"])))


@bp.route(route="stories/{id}/journey.geojson", methods=["GET", "OPTIONS"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def get_journey(req: func.HttpRequest) -> func.HttpResponse:
    story = stories.public_story(req.route_params["id"])
    return cached_json(req, stories.journey_geojson(story), mimetype="application/geo+json")


@bp.route(route="stories/{id}/funding", methods=["GET", "OPTIONS"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def get_funding(req: func.HttpRequest) -> func.HttpResponse:
    story = stories.public_story(req.route_params["id"])
    return cached_json(req, FundingLedger(story_id=story.id, items=funding.public_ledger(story.id)))
