"""The blueprints of the API, one per area, all under ``/api``."""

from __future__ import annotations

from flask import Blueprint

from examples.flask_app.routes import (
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

__all__ = ["BLUEPRINTS"]

BLUEPRINTS: tuple[Blueprint, ...] = (
    auth.bp,
    users.bp,
    posts.bp,
    follows.bp,
    follow_requests.bp,
    blocks.bp,
    mutes.bp,
    feed.bp,
    stories.bp,
    messages.bp,
    notifications.bp,
    search.bp,
    hashtags.bp,
)
