"""``/api/notifications``: the caller's notifications, grouped or not, and marking them read."""

from __future__ import annotations

from flask import Blueprint, Response

from examples.flask_app.auth import current_user
from examples.flask_app.extension import current_feed
from examples.flask_app.inputs import page_params, path_id
from examples.flask_app.responses import json_response, list_response
from examples.flask_app.shapes import (
    CountBody,
    notification_body,
    notification_group_body,
    status_ok,
)
from socialfeed.ids import NotificationId

bp = Blueprint("notifications", __name__, url_prefix="/api/notifications")


@bp.get("")
def notifications() -> Response:
    """Return the caller's notifications, newest first."""
    me = current_user()
    page = page_params(50)
    found = current_feed().notifications.list(
        me, limit=page.limit, offset=page.offset, cursor=page.cursor
    )
    return list_response(map(notification_body, found.items), found.next_cursor)


@bp.get("/grouped")
def grouped() -> Response:
    """Return the caller's notifications folded by kind and post, newest first."""
    me = current_user()
    page = page_params(50)
    found = current_feed().notifications.grouped(
        me, limit=page.limit, offset=page.offset, cursor=page.cursor
    )
    return list_response(map(notification_group_body, found.items), found.next_cursor)


@bp.get("/unread-count")
def unread_count() -> Response:
    """Count the caller's unread notifications."""
    body: CountBody = {"count": current_feed().notifications.unread_count(current_user())}
    return json_response(body)


@bp.post("/read-all")
def mark_all_read() -> Response:
    """Mark all of the caller's notifications read."""
    current_feed().notifications.mark_all_read(current_user())
    return json_response(status_ok())


@bp.post("/<notification_id>/read")
def mark_read(notification_id: str) -> Response:
    """Mark one of the caller's notifications read."""
    me = current_user()
    current_feed().notifications.mark_read(
        me, NotificationId(path_id("notification_id", notification_id))
    )
    return json_response(status_ok())
