"""``/api/follow-requests``: the requests to follow a private account, both ways."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from examples.fastapi_app import schemas
from examples.fastapi_app.dependencies import CurrentUser, Feed
from examples.fastapi_app.errors import AUTH, INVALID, responses
from examples.fastapi_app.pagination import PAGED, Cursor, Limit, Offset, items_of
from examples.fastapi_app.schemas import PathId
from socialfeed.ids import UserId

__all__ = ["router"]

router = APIRouter(prefix="/api/follow-requests", tags=["follow requests"])

_REQUEST_NOT_FOUND = '"Follow request not found"'


@router.get(
    "",
    response_model=list[schemas.User],
    responses=PAGED | responses({401: AUTH, 422: INVALID}),
)
def incoming_follow_requests(
    feed: Feed,
    user_id: CurrentUser,
    response: Response,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> list[schemas.User]:
    """Return who asks to follow the caller, the latest request first."""
    page = feed.follow_requests.incoming(user_id, limit=limit, cursor=cursor, offset=offset)
    return [schemas.User.of(user) for user in items_of(page, response)]


@router.get(
    "/sent",
    response_model=list[schemas.User],
    responses=PAGED | responses({401: AUTH, 422: INVALID}),
)
def sent_follow_requests(
    feed: Feed,
    user_id: CurrentUser,
    response: Response,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> list[schemas.User]:
    """Return whom the caller asked to follow and who has not answered, the latest first."""
    page = feed.follow_requests.outgoing(user_id, limit=limit, cursor=cursor, offset=offset)
    return [schemas.User.of(user) for user in items_of(page, response)]


@router.post(
    "/{user_id}/approve",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    response_model=None,
    responses=responses({401: AUTH, 404: _REQUEST_NOT_FOUND, 422: INVALID}),
)
def approve_follow_request(user_id: PathId[UserId], feed: Feed, me: CurrentUser) -> None:
    """Approve that user's request: they now follow the caller."""
    feed.follow_requests.approve(me, user_id)


@router.post(
    "/{user_id}/reject",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    response_model=None,
    responses=responses({401: AUTH, 404: _REQUEST_NOT_FOUND, 422: INVALID}),
)
def reject_follow_request(user_id: PathId[UserId], feed: Feed, me: CurrentUser) -> None:
    """Reject that user's request; they may ask again."""
    feed.follow_requests.reject(me, user_id)


@router.delete(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    response_model=None,
    responses=responses({401: AUTH, 404: _REQUEST_NOT_FOUND, 422: INVALID}),
)
def withdraw_follow_request(user_id: PathId[UserId], feed: Feed, me: CurrentUser) -> None:
    """Take back the caller's request to follow that user."""
    feed.follow_requests.withdraw(me, user_id)
