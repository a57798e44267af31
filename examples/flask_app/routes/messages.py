"""``/api/messages``: direct messages, conversations and the unread badge."""

from __future__ import annotations

from flask import Blueprint, Response

from examples.flask_app.auth import current_user
from examples.flask_app.bodies import MessageIn
from examples.flask_app.extension import current_feed
from examples.flask_app.inputs import json_body, page_params, path_id, validate_body
from examples.flask_app.responses import json_response, list_response
from examples.flask_app.shapes import CountBody, conversation_body, message_body, status_ok
from socialfeed.ids import UserId

bp = Blueprint("messages", __name__, url_prefix="/api/messages")


@bp.post("")
def send() -> Response:
    """Send a message: 201 ``Message``."""
    raw = json_body()
    me = current_user()
    body = validate_body(MessageIn, raw)
    message = current_feed().messages.send(me, UserId(body.receiver_id), body.content)
    return json_response(message_body(message), 201)


@bp.get("")
def conversations() -> Response:
    """Return one row per person the caller messaged with, latest first."""
    me = current_user()
    page = page_params(50)
    found = current_feed().messages.conversations(
        me, limit=page.limit, offset=page.offset, cursor=page.cursor
    )
    return list_response(map(conversation_body, found.items), found.next_cursor)


@bp.get("/unread-count")
def unread_count() -> Response:
    """Count the caller's unread messages."""
    body: CountBody = {"count": current_feed().messages.unread_count(current_user())}
    return json_response(body)


@bp.get("/<user_id>")
def conversation(user_id: str) -> Response:
    """Return the messages between the caller and a user, both directions, newest first."""
    me = current_user()
    other_id = UserId(path_id("user_id", user_id))
    page = page_params(50)
    found = current_feed().messages.conversation(
        me, other_id, limit=page.limit, offset=page.offset, cursor=page.cursor
    )
    return list_response(map(message_body, found.items), found.next_cursor)


@bp.post("/<sender_id>/read")
def mark_read(sender_id: str) -> Response:
    """Mark the unread messages from a user to the caller read."""
    me = current_user()
    sender = UserId(path_id("sender_id", sender_id))
    current_feed().messages.mark_read(me, sender)
    return json_response(status_ok())
