"""``/api/search``: users, hashtags, and the posts that carry a hashtag.

They take an optional bearer token: with one, the caller finds what the
library shows them; without one, what it shows anyone.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from examples.fastapi_app import schemas
from examples.fastapi_app.dependencies import OPTIONAL_AUTH, Feed, Viewer, current_viewer
from examples.fastapi_app.errors import BAD_TOKEN, INVALID, responses
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
    responses=responses({401: BAD_TOKEN, 422: INVALID + ": a missing, blank or over-long q"}),
    openapi_extra=OPTIONAL_AUTH,
)
def search_users(
    q: SearchQuery, feed: Feed, viewer: Viewer, limit: Limit = 20, offset: Offset = 0
) -> list[schemas.User]:
    """Find users by username or full name; names that start with ``q`` come first."""
    found = feed.search.users(q, viewer_id=viewer, limit=limit, offset=offset)
    return [schemas.User.of(user) for user in found]


@router.get(
    "/hashtags",
    response_model=list[schemas.Hashtag],
    responses=responses({401: BAD_TOKEN, 422: INVALID + ": a missing, blank or over-long q"}),
    openapi_extra=OPTIONAL_AUTH,
    # A token is checked as on every search, but hashtags are nobody's content:
    # the library's hashtag search takes no viewer to hide anything from.
    dependencies=[Depends(current_viewer)],
)
def search_hashtags(q: SearchQuery, feed: Feed, limit: Limit = 20) -> list[schemas.Hashtag]:
    """Find hashtags that start with ``q`` (a leading ``#`` is ignored), most used first."""
    return [schemas.Hashtag.of(hashtag) for hashtag in feed.search.hashtags(q, limit=limit)]


@router.get(
    "/posts/hashtag/{tag}",
    response_model=list[schemas.Post],
    responses=PAGED | responses({401: BAD_TOKEN, 422: INVALID}),
    openapi_extra=OPTIONAL_AUTH,
)
def posts_with_hashtag(
    tag: str,
    feed: Feed,
    viewer: Viewer,
    response: Response,
    limit: Limit = 20,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> list[schemas.Post]:
    """Return the posts that carry a hashtag that the caller may see, newest first.

    An unknown tag has none.
    """
    page = feed.hashtags.posts(tag, viewer_id=viewer, limit=limit, cursor=cursor, offset=offset)
    return [schemas.Post.of(post) for post in items_of(page, response)]
