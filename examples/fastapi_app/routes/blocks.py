"""``/api/blocks``: blocking users, and the list of those the caller blocks."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from examples.fastapi_app import schemas
from examples.fastapi_app.dependencies import CurrentUser, Feed
from examples.fastapi_app.errors import AUTH, INVALID, responses
from examples.fastapi_app.pagination import PAGED, Cursor, Limit, Offset, items_of
from examples.fastapi_app.schemas import PathId
from socialfeed.ids import UserId

__all__ = ["router"]

router = APIRouter(prefix="/api/blocks", tags=["blocks"])


@router.get(
    "",
    response_model=list[schemas.User],
    responses=PAGED | responses({401: AUTH, 422: INVALID}),
)
def list_blocks(
    feed: Feed,
    user_id: CurrentUser,
    response: Response,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> list[schemas.User]:
    """Return the users the caller blocks, the latest block first (emails are not shown)."""
    page = feed.blocks.list(user_id, limit=limit, cursor=cursor, offset=offset)
    return [schemas.User.of(user) for user in items_of(page, response)]


@router.post(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    response_model=None,
    responses=responses(
        {400: '"Cannot block yourself"', 401: AUTH, 404: '"User not found"', 422: INVALID}
    ),
)
def block_user(user_id: PathId[UserId], feed: Feed, me: CurrentUser) -> None:
    """Block a user: the follows between you end and neither sees the other's content.

    Blocking again changes nothing.
    """
    feed.blocks.block(me, user_id)


@router.delete(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    response_model=None,
    responses=responses({401: AUTH, 422: INVALID}),
)
def unblock_user(user_id: PathId[UserId], feed: Feed, me: CurrentUser) -> None:
    """Lift a block (what it ended stays ended); lifting one that does not exist changes nothing."""
    feed.blocks.unblock(me, user_id)
