"""``/api/feed``: the caller's home feed."""

from __future__ import annotations

from fastapi import APIRouter, Response

from examples.fastapi_app import schemas
from examples.fastapi_app.dependencies import CurrentUser, Feed
from examples.fastapi_app.errors import AUTH, INVALID, responses
from examples.fastapi_app.pagination import PAGED, Cursor, Limit, Offset, items_of

__all__ = ["router"]

router = APIRouter(prefix="/api/feed", tags=["feed"])


@router.get(
    "",
    response_model=list[schemas.Post],
    responses=PAGED | responses({401: AUTH, 422: INVALID}),
)
def home_feed(
    feed: Feed,
    user_id: CurrentUser,
    response: Response,
    limit: Limit = 20,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> list[schemas.Post]:
    """Return the caller's own posts and those of the users they follow, newest first."""
    page = feed.feed.home(user_id, limit=limit, cursor=cursor, offset=offset)
    return [schemas.Post.of(item.post) for item in items_of(page, response)]
