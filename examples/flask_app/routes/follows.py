"""``/api/follow``: following (or asking to follow a private account) and unfollowing."""

from __future__ import annotations

from flask import Blueprint, Response

from examples.flask_app.auth import current_user
from examples.flask_app.extension import current_feed
from examples.flask_app.inputs import path_id
from examples.flask_app.responses import json_response
from examples.flask_app.shapes import FollowingBody, FollowRequestedBody
from socialfeed.ids import UserId

bp = Blueprint("follows", __name__, url_prefix="/api/follow")


@bp.post("/<user_id>")
def follow(user_id: str) -> Response:
    """Follow a user: ``{"following": true}``, or a request to a private account.

    Asking to follow a private account answers ``{"following": false,
    "requested": true}``; the follow starts when its owner approves.
    """
    me = current_user()
    if current_feed().follows.follow(me, UserId(path_id("user_id", user_id))) == "requested":
        requested: FollowRequestedBody = {"following": False, "requested": True}
        return json_response(requested)
    body: FollowingBody = {"following": True}
    return json_response(body)


@bp.delete("/<user_id>")
def unfollow(user_id: str) -> Response:
    """Stop following a user."""
    me = current_user()
    current_feed().follows.unfollow(me, UserId(path_id("user_id", user_id)))
    body: FollowingBody = {"following": False}
    return json_response(body)
