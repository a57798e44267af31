"""The settings an application can change, as one frozen value."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from attrs import field, frozen, validators

from socialfeed.validation import MAX_DURATION

__all__ = ["FeedStrategy", "Settings"]

FeedStrategy = Literal["pull", "push", "hybrid"]
"""How the home feed is built; see ``Settings.feed_strategy``."""

MAX_PASSWORD_LENGTH = 128
# Lifetimes and windows: far beyond any use, and never an overflow once added to a time.
_AT_MOST = validators.le(MAX_DURATION)


@frozen(kw_only=True)
class Settings:
    """What an application may tune. The defaults suit production.

    Every value is checked here, at construction (`ValueError`): durations
    are positive and at most 100 years (`validation.MAX_DURATION`), so no
    later action can overflow a time with them.

    - ``password_min_length``: shortest accepted password (1 to 128).
    - ``session_lifetime``: how long a session token stays valid.
    - ``raise_receiver_errors``: after all receivers of a signal ran, raise
      `ReceiverError` if any of them raised. Off in
      production (errors are logged); tests turn it on so that a broken
      receiver fails the test.
    - ``max_attempts``: how many times an action runs when the database
      reports a serialization failure or deadlock before the error reaches
      the caller.
    - ``story_lifetime``: how long a story stays visible after it was posted.
    - ``trending_window``: how far back `HashtagService.trending` looks by default.
    - ``feed_strategy``: how the home feed is built. ``"pull"`` reads followees'
      posts at read time; ``"push"`` copies each post into its followers'
      timelines when it is written; ``"hybrid"`` pushes posts of authors with
      fewer than ``hybrid_threshold`` followers and pulls the rest. See the
      feed strategies page of the docs before switching an existing storage.
    - ``hybrid_threshold``: the follower count at or above which an author's
      posts are pulled rather than pushed (``"hybrid"`` only).
    - ``timeline_backfill``: how many of an author's newest posts a follow (or
      a timeline rebuild) copies into a timeline (``"push"`` and ``"hybrid"``).
    - ``outbox``: write every event to the outbox table in its action's own
      transaction, so that none is lost to a crash after the commit and a
      relay can publish them to other processes (see the scaling-out guide).
      Off by default: it costs one insert per action.
    """

    password_min_length: int = field(
        default=8, validator=[validators.ge(1), validators.le(MAX_PASSWORD_LENGTH)]
    )
    session_lifetime: timedelta = field(
        default=timedelta(days=30), validator=[validators.gt(timedelta(0)), _AT_MOST]
    )
    raise_receiver_errors: bool = False
    max_attempts: int = field(default=3, validator=validators.ge(1))
    story_lifetime: timedelta = field(
        default=timedelta(hours=24), validator=[validators.gt(timedelta(0)), _AT_MOST]
    )
    trending_window: timedelta = field(
        default=timedelta(hours=24), validator=[validators.gt(timedelta(0)), _AT_MOST]
    )
    feed_strategy: FeedStrategy = field(
        default="pull", validator=validators.in_(("pull", "push", "hybrid"))
    )
    hybrid_threshold: int = field(default=10_000, validator=validators.ge(1))
    timeline_backfill: int = field(
        default=1_000, validator=[validators.ge(1), validators.le(100_000)]
    )
    outbox: bool = False
