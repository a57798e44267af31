"""``/api/mutes``: muting users for a while or for good, and the list of those muted."""

from __future__ import annotations

from flask import Blueprint, Response

from examples.flask_app.auth import current_user
from examples.flask_app.bodies import MuteIn
from examples.flask_app.extension import current_feed
from examples.flask_app.inputs import json_body, optional_body, page_params, path_id
from examples.flask_app.responses import list_response, no_content
from examples.flask_app.shapes import mute_body
from socialfeed.ids import UserId

bp = Blueprint("mutes", __name__, url_prefix="/api/mutes")


@bp.get("")
def muted() -> Response:
    """Return the caller's mutes that still run, the latest first."""
    me = current_user()
    page = page_params(50)
    found = current_feed().mutes.list(me, limit=page.limit, offset=page.offset, cursor=page.cursor)
    return list_response(map(mute_body, found.items), found.next_cursor)


@bp.post("/<user_id>")
def mute(user_id: str) -> Response:
    """Mute a user until ``until``, or until unmuted when the body is absent or has no ``until``."""
    raw = json_body()
    me = current_user()
    target = UserId(path_id("user_id", user_id))
    body = optional_body(MuteIn, raw)
    current_feed().mutes.mute(me, target, until=None if body is None else body.until)
    return no_content()


@bp.delete("/<user_id>")
def unmute(user_id: str) -> Response:
    """Lift a mute; lifting one that does not exist changes nothing."""
    me = current_user()
    current_feed().mutes.unmute(me, UserId(path_id("user_id", user_id)))
    return no_content()
