"""``/api/search``: users, hashtags, and the posts that carry a hashtag."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from examples.fastapi_app import schemas
from examples.fastapi_app.dependencies import Feed
from examples.fastapi_app.errors import INVALID, responses
from examples.fastapi_app.pagination import PAGED, Cursor, Limit, Offset, items_of
from socialfeed.validation import MAX_QUERY_LENGTH

__all__ = ["router"]

router = APIRouter(prefix="/api/search", tags=["search"])

# Checked here so that a missing or over-long query is refused before the
# library is called; a blank one is the library's to refuse.
SearchQuery = Annotated[
    str, Query(min_length=1, max_length=MAX_QUERY_LENGTH, description="What to search for")
]


@router.get(
    "/users",
    response_model=list[schemas.User],
    responses=responses({422: INVALID + ": a missing, blank or over-long q"}),
)
def search_users(
    q: SearchQuery, feed: Feed, limit: Limit = 20, offset: Offset = 0
) -> list[schemas.User]:
    """Find users by username or full name; names that start with ``q`` come first."""
    return [schemas.User.of(user) for user in feed.search.users(q, limit=limit, offset=offset)]


@router.get(
    "/hashtags",
    response_model=list[schemas.Hashtag],
    responses=responses({422: INVALID + ": a missing, blank or over-long q"}),
)
def search_hashtags(q: SearchQuery, feed: Feed, limit: Limit = 20) -> list[schemas.Hashtag]:
    """Find hashtags that start with ``q`` (a leading ``#`` is ignored), most used first."""
    return [schemas.Hashtag.of(hashtag) for hashtag in feed.search.hashtags(q, limit=limit)]


@router.get(
    "/posts/hashtag/{tag}",
    response_model=list[schemas.Post],
    responses=PAGED | responses({422: INVALID}),
)
def posts_with_hashtag(
    tag: str,
    feed: Feed,
    response: Response,
    limit: Limit = 20,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> list[schemas.Post]:
    """Return the posts that carry a hashtag, newest first; an unknown tag has none."""
    page = feed.hashtags.posts(tag, limit=limit, cursor=cursor, offset=offset)
    return [schemas.Post.of(post) for post in items_of(page, response)]
