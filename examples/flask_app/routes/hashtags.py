"""``/api/hashtags``: trending hashtags."""

from __future__ import annotations

from flask import Blueprint, Response

from examples.flask_app.extension import current_feed
from examples.flask_app.inputs import LIMIT, query_param
from examples.flask_app.responses import list_response
from examples.flask_app.shapes import trending_hashtag_body

bp = Blueprint("hashtags", __name__, url_prefix="/api/hashtags")


@bp.get("/trending")
def trending() -> Response:
    """Return the hashtags most used within the trending window."""
    limit = query_param("limit", LIMIT, 10)
    return list_response(map(trending_hashtag_body, current_feed().hashtags.trending(limit=limit)))
