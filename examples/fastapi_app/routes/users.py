"""``/api/users``: profiles, the caller's own profile, privacy and account, posts and follow lists.

The reads take an optional bearer token: with one, the caller sees what the
library shows them (a private account's content once they follow it); without
one, what it shows anyone.
"""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from examples.fastapi_app import schemas
from examples.fastapi_app.dependencies import OPTIONAL_AUTH, CurrentUser, Feed, Viewer
from examples.fastapi_app.errors import AUTH, BAD_TOKEN, INVALID, responses
from examples.fastapi_app.pagination import PAGED, Cursor, Limit, Offset, items_of
from examples.fastapi_app.schemas import PathId
from socialfeed.ids import UserId

__all__ = ["router"]

router = APIRouter(prefix="/api/users", tags=["users"])

_USER_NOT_FOUND = '"User not found"'
_CONTENT_NOT_FOUND = (
    '"User not found", also when the caller may not see it (a private account, a block)'
)


@router.put(
    "/me",
    response_model=schemas.User,
    responses=responses(
        {401: AUTH, 422: INVALID + ", including any key other than the three fields"}
    ),
)
def update_me(changes: schemas.ProfileChanges, feed: Feed, user_id: CurrentUser) -> schemas.User:
    """Change the caller's profile: only the fields present are applied; null clears one."""
    user = feed.users.update_profile(user_id, changes.model_dump(exclude_unset=True))
    return schemas.User.of(user, own=True)


@router.put(
    "/me/privacy",
    response_model=schemas.User,
    responses=responses({401: AUTH, 422: INVALID}),
)
def set_privacy(body: schemas.PrivacySetting, feed: Feed, user_id: CurrentUser) -> schemas.User:
    """Make the caller's account private or public; going public approves every pending request."""
    feed.users.set_private(user_id, body.is_private)
    return schemas.User.of(feed.users.get(user_id), own=True)


@router.delete(
    "/me",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    response_model=None,
    responses=responses({401: AUTH}),
)
def delete_me(feed: Feed, user_id: CurrentUser) -> None:
    """Delete the caller's account and everything it owns: posts, comments, likes, follows."""
    feed.accounts.delete(user_id)


@router.get(
    "/{user_id}",
    response_model=schemas.Profile,
    responses=responses(
        {401: BAD_TOKEN, 404: _USER_NOT_FOUND + " (also to a user they blocked)", 422: INVALID}
    ),
    openapi_extra=OPTIONAL_AUTH,
)
def get_profile(user_id: PathId[UserId], feed: Feed, viewer: Viewer) -> schemas.Profile:
    """Return a user's public profile with its counters (a private account's too)."""
    return schemas.Profile.of(feed.users.get(user_id, viewer_id=viewer))


@router.get(
    "/{user_id}/posts",
    response_model=list[schemas.Post],
    responses=PAGED | responses({401: BAD_TOKEN, 404: _CONTENT_NOT_FOUND, 422: INVALID}),
    openapi_extra=OPTIONAL_AUTH,
)
def list_posts(
    user_id: PathId[UserId],
    feed: Feed,
    viewer: Viewer,
    response: Response,
    limit: Limit = 20,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> list[schemas.Post]:
    """Return a user's posts, newest first, if the caller may see them."""
    page = feed.posts.by_author(
        user_id, viewer_id=viewer, limit=limit, cursor=cursor, offset=offset
    )
    return [schemas.Post.of(post) for post in items_of(page, response)]


@router.get(
    "/{user_id}/followers",
    response_model=list[schemas.User],
    responses=PAGED | responses({401: BAD_TOKEN, 404: _CONTENT_NOT_FOUND, 422: INVALID}),
    openapi_extra=OPTIONAL_AUTH,
)
def list_followers(
    user_id: PathId[UserId],
    feed: Feed,
    viewer: Viewer,
    response: Response,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> list[schemas.User]:
    """Return who follows a user, the latest follow first, if the caller may see it (no emails)."""
    page = feed.users.followers(
        user_id, viewer_id=viewer, limit=limit, cursor=cursor, offset=offset
    )
    return [schemas.User.of(user) for user in items_of(page, response)]


@router.get(
    "/{user_id}/following",
    response_model=list[schemas.User],
    responses=PAGED | responses({401: BAD_TOKEN, 404: _CONTENT_NOT_FOUND, 422: INVALID}),
    openapi_extra=OPTIONAL_AUTH,
)
def list_following(
    user_id: PathId[UserId],
    feed: Feed,
    viewer: Viewer,
    response: Response,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> list[schemas.User]:
    """Return whom a user follows, the latest follow first, if the caller may see it (no emails)."""
    page = feed.users.following(
        user_id, viewer_id=viewer, limit=limit, cursor=cursor, offset=offset
    )
    return [schemas.User.of(user) for user in items_of(page, response)]
