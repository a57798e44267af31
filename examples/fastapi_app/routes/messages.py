"""``/api/messages``: direct messages and conversations."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from examples.fastapi_app import schemas
from examples.fastapi_app.dependencies import CurrentUser, Feed
from examples.fastapi_app.errors import AUTH, INVALID, responses
from examples.fastapi_app.pagination import PAGED, Cursor, Limit, Offset, items_of
from examples.fastapi_app.schemas import PathId
from socialfeed.ids import UserId

__all__ = ["router"]

router = APIRouter(prefix="/api/messages", tags=["messages"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.Message,
    responses=responses(
        {
            400: '"Cannot message yourself"',
            401: AUTH,
            403: '"You blocked this user"',
            404: '"User not found" (also a user who blocked the caller)',
            422: INVALID,
        }
    ),
)
def send_message(body: schemas.MessageCreate, feed: Feed, user_id: CurrentUser) -> schemas.Message:
    """Send a direct message to another user."""
    return schemas.Message.of(feed.messages.send(user_id, UserId(body.receiver_id), body.content))


@router.get(
    "",
    response_model=list[schemas.Conversation],
    responses=PAGED | responses({401: AUTH, 422: INVALID}),
)
def list_conversations(
    feed: Feed,
    user_id: CurrentUser,
    response: Response,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> list[schemas.Conversation]:
    """Return one row per person the caller has messaged with, latest message first."""
    page = feed.messages.conversations(user_id, limit=limit, cursor=cursor, offset=offset)
    return [schemas.Conversation.of(row) for row in items_of(page, response)]


# Declared before "/{user_id}", which would otherwise take "unread-count" for an id.
@router.get("/unread-count", response_model=schemas.Count, responses=responses({401: AUTH}))
def unread_messages(feed: Feed, user_id: CurrentUser) -> schemas.Count:
    """Count the unread messages sent to the caller."""
    return schemas.Count(count=feed.messages.unread_count(user_id))


@router.get(
    "/{user_id}",
    response_model=list[schemas.Message],
    responses=PAGED
    | responses(
        {
            400: '"A conversation needs two people" (the caller\'s own id)',
            401: AUTH,
            404: '"User not found"',
            422: INVALID,
        }
    ),
)
def conversation(
    user_id: PathId[UserId],
    feed: Feed,
    me: CurrentUser,
    response: Response,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> list[schemas.Message]:
    """Return the messages between the caller and a user, both directions, newest first."""
    page = feed.messages.conversation(me, user_id, limit=limit, cursor=cursor, offset=offset)
    return [schemas.Message.of(message) for message in items_of(page, response)]


@router.post(
    "/{sender_id}/read",
    response_model=schemas.Status,
    responses=responses(
        {
            400: '"A conversation needs two people" (the caller\'s own id)',
            401: AUTH,
            404: '"User not found"',
            422: INVALID,
        }
    ),
)
def mark_messages_read(
    sender_id: PathId[UserId], feed: Feed, user_id: CurrentUser
) -> schemas.Status:
    """Mark every unread message from that sender to the caller read."""
    feed.messages.mark_read(user_id, sender_id)
    return schemas.Status()
