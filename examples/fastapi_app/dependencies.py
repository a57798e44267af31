"""What routes ask FastAPI for: the facade, the caller's token and id, and the optional viewer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from examples.fastapi_app.errors import not_authenticated
from socialfeed import SocialFeed
from socialfeed.ids import UserId

__all__ = [
    "OPTIONAL_AUTH",
    "BearerToken",
    "CurrentUser",
    "Feed",
    "Viewer",
    "bearer_token",
    "current_user",
    "current_viewer",
    "get_feed",
]

# auto_error=False: a missing token gets this app's own 401, with its challenge
# header. The scheme also gives the interactive docs their "Authorize" button.
_bearer = HTTPBearer(auto_error=False, description="The `access_token` from `/api/auth/login`")


async def get_feed(request: Request) -> SocialFeed:
    """Return the facade the app was built with, or the one its lifespan built."""
    feed = getattr(request.app.state, "feed", None)
    if not isinstance(feed, SocialFeed):
        raise RuntimeError("the app has no facade: run it with its lifespan or pass one")
    return feed


Feed = Annotated[SocialFeed, Depends(get_feed)]


async def bearer_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """Return the token of ``Authorization: Bearer <token>``; 401 "Not authenticated" without."""
    if credentials is None:
        raise not_authenticated()
    return credentials.credentials


BearerToken = Annotated[str, Depends(bearer_token)]


def current_user(feed: Feed, token: BearerToken) -> UserId:
    """Return the id of the user the token belongs to; 401 "Invalid token" if none."""
    return feed.accounts.authenticate(token)


CurrentUser = Annotated[UserId, Depends(current_user)]


def current_viewer(
    feed: Feed,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> UserId | None:
    """Return the caller's id on a read that anyone may make, or ``None`` for an anonymous one.

    A request without a bearer token is anonymous; one with a token that is
    unknown, expired or revoked is refused (401 "Invalid token"), not read
    as anonymous, so that a client notices its session has ended.
    """
    if credentials is None:
        return None
    return feed.accounts.authenticate(credentials.credentials)


Viewer = Annotated[UserId | None, Depends(current_viewer)]

#: The ``openapi_extra`` of a route with a :data:`Viewer`: FastAPI lists the bearer
#: scheme as required, and this adds the empty alternative that makes it optional.
OPTIONAL_AUTH: dict[str, Any] = {"security": [{}]}
