"""``/api/follow``: following (or asking to follow a private account) and unfollowing."""

from __future__ import annotations

from fastapi import APIRouter

from examples.fastapi_app import schemas
from examples.fastapi_app.dependencies import CurrentUser, Feed
from examples.fastapi_app.errors import AUTH, INVALID, responses
from examples.fastapi_app.schemas import PathId
from socialfeed.ids import UserId

__all__ = ["router"]

router = APIRouter(prefix="/api/follow", tags=["follows"])


@router.post(
    "/{user_id}",
    response_model=schemas.FollowState | schemas.FollowRequestSent,
    responses=responses(
        {
            400: '"Cannot follow yourself", "Already following" or "Follow request already sent"',
            401: AUTH,
            403: '"You blocked this user"',
            404: '"User not found" (also a user who blocked the caller)',
            422: INVALID,
        }
    ),
)
def follow(
    user_id: PathId[UserId], feed: Feed, me: CurrentUser
) -> schemas.FollowState | schemas.FollowRequestSent:
    """Follow a user: ``{"following": true}``, or a request to a private account.

    Asking to follow a private account answers ``{"following": false,
    "requested": true}``; the follow starts when its owner approves.
    """
    if feed.follows.follow(me, user_id) == "requested":
        return schemas.FollowRequestSent()
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
def unfollow(user_id: PathId[UserId], feed: Feed, me: CurrentUser) -> schemas.FollowState:
    """Stop following a user."""
    feed.follows.unfollow(me, user_id)
    return schemas.FollowState(following=False)
