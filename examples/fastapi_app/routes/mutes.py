"""``/api/mutes``: muting users for a while or for good, and the list of those muted."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from examples.fastapi_app import schemas
from examples.fastapi_app.dependencies import CurrentUser, Feed
from examples.fastapi_app.errors import AUTH, INVALID, responses
from examples.fastapi_app.pagination import PAGED, Cursor, Limit, Offset, items_of
from examples.fastapi_app.schemas import PathId
from socialfeed.ids import UserId

__all__ = ["router"]

router = APIRouter(prefix="/api/mutes", tags=["mutes"])


@router.get(
    "",
    response_model=list[schemas.MutedUser],
    responses=PAGED | responses({401: AUTH, 422: INVALID}),
)
def list_mutes(
    feed: Feed,
    user_id: CurrentUser,
    response: Response,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> list[schemas.MutedUser]:
    """Return the caller's mutes that still run, the latest first."""
    page = feed.mutes.list(user_id, limit=limit, cursor=cursor, offset=offset)
    return [schemas.MutedUser.of(mute) for mute in items_of(page, response)]


@router.post(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    response_model=None,
    responses=responses(
        {
            400: '"Cannot mute yourself"',
            401: AUTH,
            404: '"User not found"',
            422: INVALID + ": an `until` that is not a future time with its UTC offset",
        }
    ),
)
def mute_user(
    user_id: PathId[UserId], feed: Feed, me: CurrentUser, body: schemas.MuteOptions | None = None
) -> None:
    """Mute a user: their posts and stories leave the caller's feeds, and they stop notifying.

    The body is optional: without one, or without ``until``, the mute lasts
    until it is lifted. Muting again replaces ``until``. The muted user is not told.
    """
    feed.mutes.mute(me, user_id, until=None if body is None else body.until)


@router.delete(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    response_model=None,
    responses=responses({401: AUTH, 422: INVALID}),
)
def unmute_user(user_id: PathId[UserId], feed: Feed, me: CurrentUser) -> None:
    """Lift a mute; lifting one that does not exist changes nothing."""
    feed.mutes.unmute(me, user_id)
