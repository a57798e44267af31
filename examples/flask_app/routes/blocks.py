"""``/api/blocks``: blocking users, and the list of those the caller blocks."""

from __future__ import annotations

from flask import Blueprint, Response

from examples.flask_app.auth import current_user
from examples.flask_app.extension import current_feed
from examples.flask_app.inputs import page_params, path_id
from examples.flask_app.responses import list_response, no_content
from examples.flask_app.shapes import user_body
from socialfeed.ids import UserId

bp = Blueprint("blocks", __name__, url_prefix="/api/blocks")


@bp.get("")
def blocked() -> Response:
    """Return the users the caller blocks, the latest block first."""
    me = current_user()
    page = page_params(50)
    found = current_feed().blocks.list(me, limit=page.limit, offset=page.offset, cursor=page.cursor)
    return list_response(map(user_body, found.items), found.next_cursor)


@bp.post("/<user_id>")
def block(user_id: str) -> Response:
    """Block a user: the follows between them end and neither sees the other's content."""
    me = current_user()
    current_feed().blocks.block(me, UserId(path_id("user_id", user_id)))
    return no_content()


@bp.delete("/<user_id>")
def unblock(user_id: str) -> Response:
    """Lift a block; lifting one that does not exist changes nothing."""
    me = current_user()
    current_feed().blocks.unblock(me, UserId(path_id("user_id", user_id)))
    return no_content()
