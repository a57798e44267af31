"""The API's routers, one per area, in the order the app includes them."""

from fastapi import APIRouter

from examples.fastapi_app.routes import (
    auth,
    feed,
    follows,
    hashtags,
    messages,
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
    feed.router,
    stories.router,
    messages.router,
    notifications.router,
    search.router,
    hashtags.router,
)
