"""``/api/feed``: the caller's home feed."""

from __future__ import annotations

from flask import Blueprint, Response

from examples.flask_app.auth import current_user
from examples.flask_app.extension import current_feed
from examples.flask_app.inputs import page_params
from examples.flask_app.responses import list_response
from examples.flask_app.shapes import post_body

bp = Blueprint("feed", __name__, url_prefix="/api/feed")


@bp.get("")
def home() -> Response:
    """Return the caller's posts and those of the users they follow, newest first."""
    me = current_user()
    page = page_params(20)
    found = current_feed().feed.home(me, limit=page.limit, offset=page.offset, cursor=page.cursor)
    return list_response((post_body(item.post) for item in found.items), found.next_cursor)
