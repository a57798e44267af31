"""``/api/notifications``: the caller's notifications, one by one or grouped."""

from __future__ import annotations

from fastapi import APIRouter, Response

from examples.fastapi_app import schemas
from examples.fastapi_app.dependencies import CurrentUser, Feed
from examples.fastapi_app.errors import AUTH, INVALID, responses
from examples.fastapi_app.pagination import PAGED, Cursor, Limit, Offset, items_of
from examples.fastapi_app.schemas import PathId
from socialfeed.ids import NotificationId

__all__ = ["router"]

router = APIRouter(prefix="/api/notifications", tags=["notifications"])


@router.get(
    "",
    response_model=list[schemas.Notification],
    responses=PAGED | responses({401: AUTH, 422: INVALID}),
)
def list_notifications(
    feed: Feed,
    user_id: CurrentUser,
    response: Response,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> list[schemas.Notification]:
    """Return the caller's notifications, newest first."""
    page = feed.notifications.list(user_id, limit=limit, cursor=cursor, offset=offset)
    return [schemas.Notification.of(notification) for notification in items_of(page, response)]


@router.get("/unread-count", response_model=schemas.Count, responses=responses({401: AUTH}))
def unread_notifications(feed: Feed, user_id: CurrentUser) -> schemas.Count:
    """Count the caller's unread notifications."""
    return schemas.Count(count=feed.notifications.unread_count(user_id))


@router.get(
    "/grouped",
    response_model=list[schemas.NotificationGroup],
    responses=PAGED | responses({401: AUTH, 422: INVALID}),
)
def grouped_notifications(
    feed: Feed,
    user_id: CurrentUser,
    response: Response,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> list[schemas.NotificationGroup]:
    """Return the caller's notifications folded by type and post, latest group first."""
    page = feed.notifications.grouped(user_id, limit=limit, cursor=cursor, offset=offset)
    return [schemas.NotificationGroup.of(group) for group in items_of(page, response)]


@router.post("/read-all", response_model=schemas.Status, responses=responses({401: AUTH}))
def mark_all_read(feed: Feed, user_id: CurrentUser) -> schemas.Status:
    """Mark all of the caller's notifications read."""
    feed.notifications.mark_all_read(user_id)
    return schemas.Status()


@router.post(
    "/{notification_id}/read",
    response_model=schemas.Status,
    responses=responses(
        {401: AUTH, 404: '"Notification not found" (also another user\'s)', 422: INVALID}
    ),
)
def mark_read(
    notification_id: PathId[NotificationId], feed: Feed, user_id: CurrentUser
) -> schemas.Status:
    """Mark one of the caller's notifications read."""
    feed.notifications.mark_read(user_id, notification_id)
    return schemas.Status()
