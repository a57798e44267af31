"""Keeping push and hybrid timelines in step with posts and follows.

Every hook runs inside the transaction of the action that calls it, so a
timeline never disagrees with a committed follow or post. Under the pull
strategy every hook does nothing, and the feed reads the posts directly.
With a `TimelineStore` the hooks do nothing either: the store follows the
committed actions' events instead, and the feed reads through it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from attrs import frozen

from socialfeed.errors import NotFoundError
from socialfeed.models import FeedItem, Post
from socialfeed.pagination import PageRequest
from socialfeed.settings import Settings
from socialfeed.storage.base import UnitOfWork
from socialfeed.timelines import TimelineStore

__all__ = ["TimelineKeeper"]


@frozen
class TimelineKeeper:
    """What each action does to the timelines under the configured feed strategy.

    Hybrid keeps one invariant: a timeline holds (up to the backfill bound)
    the posts of every followee with fewer followers than the threshold. The
    read ignores a timeline's rows of followees at or above it and pulls their
    posts instead. So the hooks only have to act when an author crosses the
    threshold downwards (an unfollow, a block, a deleted follower): their
    recent posts are copied to every follower then, since the posts they made
    while pulled were never pushed.

    With a ``store``, the database's timelines are not kept at all (`active`
    is false): the store follows the events of committed actions, the feed
    and the rebuilds go through it.
    """

    settings: Settings
    store: TimelineStore | None = None

    @property
    def active(self) -> bool:
        """Whether the database's timelines are kept: push or hybrid, and no store."""
        return self.settings.feed_strategy != "pull" and self.store is None

    @property
    def pulled_from(self) -> int | None:
        """The follower count from which authors are pulled; ``None`` unless hybrid."""
        return self.settings.hybrid_threshold if self.settings.feed_strategy == "hybrid" else None

    def home_feed(
        self, uow: UnitOfWork, viewer_id: int, page: PageRequest, now: datetime
    ) -> list[FeedItem]:
        """Read a page of the home feed the way the strategy builds it."""
        if self.settings.feed_strategy == "pull":
            return uow.posts.home_feed(viewer_id, page, now)
        if self.store is not None:
            return self.store.home_feed(uow, self.settings, viewer_id, page, now)
        return uow.timelines.home_feed(viewer_id, page, now, self.pulled_from)

    def post_created(self, uow: UnitOfWork, post: Post) -> None:
        """Push a new post to its author's and (unless pulled) their followers' timelines."""
        if self.active:
            uow.timelines.fan_out(post.id, post.author_id, post.created_at, self.pulled_from)

    def followed(self, uow: UnitOfWork, follower_id: int, followee_id: int) -> None:
        """Copy the newly followed author's recent posts into the follower's timeline."""
        if not self.active:
            return
        threshold = self.pulled_from
        if threshold is not None and self._followers(uow, followee_id) >= threshold:
            # A pulled author's rows would be ignored by the read; if they ever
            # drop below the threshold, `_no_longer_pulled` copies them then.
            return
        uow.timelines.backfill(follower_id, followee_id, self.settings.timeline_backfill)

    def unfollowed(self, uow: UnitOfWork, follower_id: int, followee_id: int) -> None:
        """Take the author's posts out of the former follower's timeline."""
        if not self.active:
            return
        uow.timelines.purge(follower_id, followee_id)
        threshold = self.pulled_from
        # The follow row is gone and the author's row is locked by the count
        # update, so this count is exact: one below the threshold means the
        # author just stopped being pulled.
        if threshold is not None and self._followers(uow, followee_id) == threshold - 1:
            self._no_longer_pulled(uow, [followee_id])

    def followees_about_to_drop(self, uow: UnitOfWork, user_id: int) -> list[int]:
        """Before a user is deleted: the followees that the deletion takes below the threshold."""
        threshold = self.pulled_from
        if threshold is None or not self.active:
            return []
        return uow.timelines.followees_with_followers(user_id, threshold)

    def followees_dropped(self, uow: UnitOfWork, author_ids: Iterable[int]) -> None:
        """After a user was deleted: push the posts of the followees it took below."""
        self._no_longer_pulled(uow, author_ids)

    def rebuild(self, uow: UnitOfWork, owner_id: int) -> int:
        """Regenerate one user's database timeline; return how many entries it was given."""
        return uow.timelines.rebuild(owner_id, self.settings.timeline_backfill)

    def _no_longer_pulled(self, uow: UnitOfWork, author_ids: Iterable[int]) -> None:
        for author_id in author_ids:
            uow.timelines.backfill_followers(author_id, self.settings.timeline_backfill)

    @staticmethod
    def _followers(uow: UnitOfWork, user_id: int) -> int:
        user = uow.users.get(user_id)
        if user is None:  # the callers checked it in this transaction; never on their paths
            raise NotFoundError("user")
        return user.follower_count
