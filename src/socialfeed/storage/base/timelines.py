"""The timelines area of the contract: precomputed home timelines, and what a store rebuilds from.

Each backend implements both repositories in its own ``_timelines`` module.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from attrs import frozen

from socialfeed.models import FeedItem
from socialfeed.pagination import PageRequest, Position

__all__ = ["PulledPosts", "TimelineEntry", "TimelineRepository", "TimelineSourceRepository"]


@frozen
class TimelineEntry:
    """One post of a timeline: its id, its author, and its time (which orders the feed)."""

    post_id: int
    author_id: int
    created_at: datetime


@frozen
class PulledPosts:
    """The part of a hybrid feed read from the posts rather than from the timeline.

    The viewer's followees with ``min_followers`` followers or more are
    pulled, and so are those in ``also`` whatever their count (a store
    outside the database names the authors it never pushed to). At most
    ``limit`` of their posts older than ``after`` are read; with a limit of 0
    their timeline entries are only left out.
    """

    min_followers: int
    also: tuple[int, ...]
    after: Position | None
    limit: int


class TimelineRepository(Protocol):
    """Precomputed home timelines: which posts each user's feed holds (push and hybrid feeds).

    A timeline holds post ids with their author and time, never the posts
    themselves: every read joins the live posts, so an edit, a like or a
    deletion shows at once, and mutes apply at read time. The SQL backends
    keep timelines in a table whose rows go with their post or owner through
    ON DELETE CASCADE. A `socialfeed.timelines.TimelineStore` keeps them
    outside the database instead, and the database's timelines stay empty:
    it reads what it needs through `TimelineSourceRepository`.
    """

    def fan_out(
        self, post_id: int, author_id: int, created_at: datetime, pulled_from: int | None
    ) -> int:
        """Add a new post to its author's timeline and to every follower's, in bulk.

        When the author has ``pulled_from`` followers or more, only the author's
        own timeline gets it (hybrid: such posts are pulled at read time).
        Return how many timelines got the post.
        """
        ...

    def backfill(self, owner_id: int, author_id: int, limit: int) -> int:
        """Copy the author's ``limit`` newest posts into the owner's timeline.

        Posts already there are skipped. Return how many were added.
        """
        ...

    def backfill_followers(self, author_id: int, limit: int) -> int:
        """Copy the author's ``limit`` newest posts into every follower's timeline, in bulk.

        Posts already there are skipped. Return how many entries were added.
        """
        ...

    def purge(self, owner_id: int, author_id: int) -> int:
        """Remove the author's posts from the owner's timeline; return how many went."""
        ...

    def rebuild(self, owner_id: int, limit: int) -> int:
        """Regenerate the owner's timeline from the posts.

        It gets the ``limit`` newest posts of the owner and of each followee,
        and nothing else. Return how many entries it was given.
        """
        ...

    def owners_after(self, after_id: int, limit: int) -> list[int]:
        """Return up to ``limit`` user ids above ``after_id``, smallest first."""
        ...

    def followees_with_followers(self, follower_id: int, follower_count: int) -> list[int]:
        """Return the followees of ``follower_id`` who have exactly ``follower_count`` followers."""
        ...

    def home_feed(
        self, viewer_id: int, page: PageRequest, now: datetime, pulled_from: int | None
    ) -> list[FeedItem]:
        """Return up to ``page.limit + 1`` posts of the viewer's timeline, newest first.

        The same items, in the same order, as `PostRepository.home_feed` when
        the timeline is complete: authors the viewer has muted (a mute still
        running at ``now``) are left out. With ``pulled_from`` (hybrid),
        followees with that many followers or more are read from their posts
        instead, and their entries in the timeline are ignored, so that no post
        shows twice.
        """
        ...


class TimelineSourceRepository(Protocol):
    """What a timeline store outside the database reads to build and serve its timelines.

    A `socialfeed.timelines.TimelineStore` (such as Redis) holds the entries
    itself; these reads give it the followers a post goes to, the entries a
    timeline is built from, and the posts its ids stand for, under the same
    rules as `TimelineRepository`. None of them reads the database's
    timelines.
    """

    def follower_ids(self, author_id: int) -> list[int]:
        """Return the ids of everyone who follows the author, smallest first."""
        ...

    def newest_entries(self, author_id: int, limit: int) -> list[TimelineEntry]:
        """Return the author's ``limit`` newest posts as timeline entries, newest first."""
        ...

    def rebuild_entries(self, owner_id: int, per_author: int, limit: int) -> list[TimelineEntry]:
        """Return the ``limit`` newest entries of the owner's timeline as a rebuild makes it.

        That timeline holds the ``per_author`` newest posts of the owner and
        of each followee (as `TimelineRepository.rebuild` makes it); these
        are its newest ``limit`` entries, newest first.
        """
        ...

    def feed_items(
        self, viewer_id: int, post_ids: Sequence[int], now: datetime, pulled: PulledPosts | None
    ) -> list[FeedItem]:
        """Return the posts among ``post_ids`` that the viewer's home feed shows, newest first.

        The feed's rules are applied again, at read time, as
        `PostRepository.home_feed` applies them: the post still exists, its
        author is the viewer or a followee (which rules out blocks, and
        private accounts that did not approve the viewer), and the viewer has
        no mute of the author running at ``now``. So an id left in a timeline
        by a late or lost update never shows a post the pull feed would not.
        With ``pulled`` (hybrid), ids of pulled authors are left out and their
        newest posts are merged in, as `PulledPosts` says.
        """
        ...
