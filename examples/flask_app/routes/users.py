"""``/api/users``: profiles, profile edits, privacy, account deletion, posts and follow lists.

The reads take an optional bearer token: with one, the caller sees what the
library shows them (a private account's content once they follow it); without
one, what it shows anyone.
"""

from __future__ import annotations

from flask import Blueprint, Response

from examples.flask_app.auth import current_user, current_viewer
from examples.flask_app.bodies import PrivacyIn, ProfileUpdateIn
from examples.flask_app.extension import current_feed
from examples.flask_app.inputs import json_body, page_params, path_id, validate_body
from examples.flask_app.responses import json_response, list_response, no_content
from examples.flask_app.shapes import post_body, profile_body, user_body
from socialfeed.ids import UserId

bp = Blueprint("users", __name__, url_prefix="/api/users")


@bp.put("/me")
def update_me() -> Response:
    """Apply the profile fields present in the body; return the caller's ``User``."""
    raw = json_body()
    me = current_user()
    changes = validate_body(ProfileUpdateIn, raw).model_dump(exclude_unset=True)
    return json_response(user_body(current_feed().users.update_profile(me, changes), own=True))


@bp.put("/me/privacy")
def set_privacy() -> Response:
    """Make the caller's account private or public; return the caller's ``User``."""
    raw = json_body()
    me = current_user()
    body = validate_body(PrivacyIn, raw)
    current_feed().users.set_private(me, body.is_private)
    return json_response(user_body(current_feed().users.get(me), own=True))


@bp.delete("/me")
def delete_me() -> Response:
    """Delete the caller's account and everything it owns."""
    current_feed().accounts.delete(current_user())
    return no_content()


@bp.get("/<user_id>")
def profile(user_id: str) -> Response:
    """Return a user's ``Profile`` (a private account's too)."""
    viewer = current_viewer()
    found = current_feed().users.get(UserId(path_id("user_id", user_id)), viewer_id=viewer)
    return json_response(profile_body(found))


@bp.get("/<user_id>/posts")
def posts(user_id: str) -> Response:
    """Return a user's posts, newest first, if the caller may see them."""
    viewer = current_viewer()
    author_id = UserId(path_id("user_id", user_id))
    page = page_params(20)
    found = current_feed().posts.by_author(
        author_id, viewer_id=viewer, limit=page.limit, offset=page.offset, cursor=page.cursor
    )
    return list_response(map(post_body, found.items), found.next_cursor)


@bp.get("/<user_id>/followers")
def followers(user_id: str) -> Response:
    """Return who follows a user, the most recent follow first, if the caller may see it."""
    viewer = current_viewer()
    followee_id = UserId(path_id("user_id", user_id))
    page = page_params(50)
    found = current_feed().users.followers(
        followee_id, viewer_id=viewer, limit=page.limit, offset=page.offset, cursor=page.cursor
    )
    return list_response(map(user_body, found.items), found.next_cursor)


@bp.get("/<user_id>/following")
def following(user_id: str) -> Response:
    """Return whom a user follows, the most recent follow first, if the caller may see it."""
    viewer = current_viewer()
    follower_id = UserId(path_id("user_id", user_id))
    page = page_params(50)
    found = current_feed().users.following(
        follower_id, viewer_id=viewer, limit=page.limit, offset=page.offset, cursor=page.cursor
    )
    return list_response(map(user_body, found.items), found.next_cursor)
