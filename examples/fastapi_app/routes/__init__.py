"""The API's routers, one per area, in the order the app includes them."""

from fastapi import APIRouter

from examples.fastapi_app.routes import (
    auth,
    blocks,
    feed,
    follow_requests,
    follows,
    hashtags,
    messages,
    mutes,
    notifications,
    posts,
    search,
    stories,
    users,
)

__all__ = ["ROUTERS"]

ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    users.router,
    posts.router,
    follows.router,
    follow_requests.router,
    blocks.router,
    mutes.router,
    feed.router,
    stories.router,
    messages.router,
    notifications.router,
    search.router,
    hashtags.router,
)
