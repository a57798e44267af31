"""The application factory: a FastAPI app over one socialfeed facade."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from examples.fastapi_app.errors import install_error_handlers
from examples.fastapi_app.guards import RequestGuard
from examples.fastapi_app.home import install_home
from examples.fastapi_app.routes import ROUTERS
from socialfeed import HashtagHandler, NotificationHandler, Settings, SocialFeed

__all__ = ["connect_handlers", "create_app", "feed_from_environment"]

DEFAULT_DATABASE_URL = "sqlite:///socialfeed.db"


def feed_from_environment() -> SocialFeed:
    """Build a facade from ``SOCIALFEED_DATABASE_URL`` and ``SOCIALFEED_PASSWORD_MIN_LENGTH``.

    The database's tables are created if missing.
    """
    url = os.environ.get("SOCIALFEED_DATABASE_URL", DEFAULT_DATABASE_URL)
    min_length = int(os.environ.get("SOCIALFEED_PASSWORD_MIN_LENGTH", "8"))
    return SocialFeed.from_url(url, settings=Settings(password_min_length=min_length))


def connect_handlers(feed: SocialFeed) -> None:
    """Connect the notification and hashtag handlers to ``feed``.

    Calling it again (two apps, or the demo seeding, over one facade) connects
    nothing more: a handler of a kind already connected to a facade skips.
    """
    NotificationHandler().connect(feed)
    HashtagHandler().connect(feed)


def create_app(feed: SocialFeed | None = None) -> FastAPI:
    """Return the app, serving ``feed`` or, without one, a facade built from the environment.

    A facade passed in is the caller's: the app uses it from the start (no
    lifespan needed, as with a test client) and never closes it. Without one,
    the app's lifespan builds it at startup (see :func:`feed_from_environment`)
    and closes it at shutdown.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if feed is not None:
            yield
            return
        own = feed_from_environment()
        connect_handlers(own)
        app.state.feed = own
        try:
            yield
        finally:
            del app.state.feed
            own.close()

    app = FastAPI(
        title="socialfeed example API (FastAPI)",
        summary="The REST API of an Instagram-like product, over the socialfeed library.",
        version="1.0.0",
        lifespan=lifespan,
        # "/api/posts/" is not "/api/posts": answer 404 like the Flask app, not a redirect.
        redirect_slashes=False,
        # Operation ids are the route functions' names ("create_post"), for client generators.
        generate_unique_id_function=lambda route: route.name,
        # Served by install_home, from local assets rather than a CDN; ReDoc has no
        # packaged copy, so it is left out rather than served as a blank page.
        docs_url=None,
        redoc_url=None,
    )
    app.add_middleware(RequestGuard)
    if feed is not None:
        connect_handlers(feed)
        app.state.feed = feed
    install_error_handlers(app, ROUTERS)
    for router in ROUTERS:
        app.include_router(router)
    install_home(app)
    return app
