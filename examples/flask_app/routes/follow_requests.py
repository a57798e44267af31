"""``/api/follow-requests``: the requests to follow a private account, both ways."""

from __future__ import annotations

from flask import Blueprint, Response

from examples.flask_app.auth import current_user
from examples.flask_app.extension import current_feed
from examples.flask_app.inputs import page_params, path_id
from examples.flask_app.responses import list_response, no_content
from examples.flask_app.shapes import user_body
from socialfeed.ids import UserId

bp = Blueprint("follow_requests", __name__, url_prefix="/api/follow-requests")


@bp.get("")
def incoming() -> Response:
    """Return who asks to follow the caller, the latest request first."""
    me = current_user()
    page = page_params(50)
    found = current_feed().follow_requests.incoming(
        me, limit=page.limit, offset=page.offset, cursor=page.cursor
    )
    return list_response(map(user_body, found.items), found.next_cursor)


@bp.get("/sent")
def sent() -> Response:
    """Return whom the caller asked to follow and who has not answered, the latest first."""
    me = current_user()
    page = page_params(50)
    found = current_feed().follow_requests.outgoing(
        me, limit=page.limit, offset=page.offset, cursor=page.cursor
    )
    return list_response(map(user_body, found.items), found.next_cursor)


@bp.post("/<user_id>/approve")
def approve(user_id: str) -> Response:
    """Approve that user's request: they now follow the caller."""
    me = current_user()
    current_feed().follow_requests.approve(me, UserId(path_id("user_id", user_id)))
    return no_content()


@bp.post("/<user_id>/reject")
def reject(user_id: str) -> Response:
    """Reject that user's request; they may ask again."""
    me = current_user()
    current_feed().follow_requests.reject(me, UserId(path_id("user_id", user_id)))
    return no_content()


@bp.delete("/<user_id>")
def withdraw(user_id: str) -> Response:
    """Take back the caller's request to follow that user."""
    me = current_user()
    current_feed().follow_requests.withdraw(me, UserId(path_id("user_id", user_id)))
    return no_content()
