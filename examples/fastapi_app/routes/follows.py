"""``/api/follow``: following and unfollowing."""

from __future__ import annotations

from fastapi import APIRouter

from examples.fastapi_app import schemas
from examples.fastapi_app.dependencies import CurrentUser, Feed
from examples.fastapi_app.errors import AUTH, INVALID, responses

__all__ = ["router"]

router = APIRouter(prefix="/api/follow", tags=["follows"])


@router.post(
    "/{user_id}",
    response_model=schemas.FollowState,
    responses=responses(
        {
            400: '"Cannot follow yourself" or "Already following"',
            401: AUTH,
            404: '"User not found"',
            422: INVALID,
        }
    ),
)
def follow(user_id: int, feed: Feed, me: CurrentUser) -> schemas.FollowState:
    """Start following a user."""
    feed.follows.follow(me, user_id)
    return schemas.FollowState(following=True)


@router.delete(
    "/{user_id}",
    response_model=schemas.FollowState,
    responses=responses(
        {
            400: '"Not following" or "Cannot unfollow yourself"',
            401: AUTH,
            404: '"User not found"',
            422: INVALID,
        }
    ),
)
def unfollow(user_id: int, feed: Feed, me: CurrentUser) -> schemas.FollowState:
    """Stop following a user."""
    feed.follows.unfollow(me, user_id)
    return schemas.FollowState(following=False)
