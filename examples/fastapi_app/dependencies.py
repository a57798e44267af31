"""What routes ask FastAPI for: the facade, the caller's token and the caller's id."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from examples.fastapi_app.errors import not_authenticated
from socialfeed import SocialFeed

__all__ = ["BearerToken", "CurrentUser", "Feed", "bearer_token", "current_user", "get_feed"]

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


def current_user(feed: Feed, token: BearerToken) -> int:
    """Return the id of the user the token belongs to; 401 "Invalid token" if none."""
    return feed.accounts.authenticate(token)


CurrentUser = Annotated[int, Depends(current_user)]
