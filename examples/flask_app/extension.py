"""The Flask extension that holds an app's socialfeed facade.

Like any Flask extension it is created once at import time, without an app,
and bound to each app by :meth:`SocialFeedExtension.init_app`; routes reach
the facade of the app that serves them with :func:`current_feed`.
"""

from __future__ import annotations

import os

from flask import Flask, current_app

from socialfeed import SocialFeed
from socialfeed.handlers import HashtagHandler, NotificationHandler
from socialfeed.settings import Settings

__all__ = ["SocialFeedExtension", "current_feed", "feed_from_environment", "socialfeed"]

#: The key under which the facade lives in ``app.extensions``.
EXTENSION_KEY = "socialfeed"


def feed_from_environment() -> SocialFeed:
    """Build a facade on ``SOCIALFEED_DATABASE_URL``, creating its tables."""
    return SocialFeed.from_url(
        os.environ.get("SOCIALFEED_DATABASE_URL", "sqlite:///socialfeed.db"),
        settings=Settings(
            password_min_length=int(os.environ.get("SOCIALFEED_PASSWORD_MIN_LENGTH", "8"))
        ),
    )


class SocialFeedExtension:
    """Binds a :class:`~socialfeed.SocialFeed` to Flask apps, with notifications and hashtags on."""

    def init_app(self, app: Flask, feed: SocialFeed | None = None) -> None:
        """Store ``feed`` (or one built from the environment) in ``app.extensions``."""
        if feed is None:
            feed = feed_from_environment()
        # Connecting to a facade that already has these handlers (another app
        # sharing it) connects nothing more.
        NotificationHandler().connect(feed)
        HashtagHandler().connect(feed)
        app.extensions[EXTENSION_KEY] = feed


#: The extension instance; :func:`examples.flask_app.create_app` binds it to each app.
socialfeed = SocialFeedExtension()


def current_feed() -> SocialFeed:
    """Return the facade of the app handling the current request."""
    feed: SocialFeed = current_app.extensions[EXTENSION_KEY]
    return feed
