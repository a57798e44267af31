"""The home feed: the viewer's own posts and those of everyone they follow."""

from __future__ import annotations

from socialfeed.ids import UserId
from socialfeed.models import FeedItem, Page
from socialfeed.pagination import DEFAULT_LIMIT, PageRequest, page_of
from socialfeed.services._lookups import require_ids, require_locked, require_users_of
from socialfeed.services._service import Service
from socialfeed.services.posts import post_position
from socialfeed.storage.base import UnitOfWork

__all__ = ["FeedService"]


class FeedService(Service):
    """The home feed, built the way ``Settings.feed_strategy`` says.

    ``"pull"`` (the default) computes it at read time from follows and posts;
    ``"push"`` reads a timeline that every post was copied into when it was
    written; ``"hybrid"`` reads the timeline and merges in the posts of
    followees too popular to push. A complete timeline gives the same items in
    the same order as pull; push and hybrid reach back only
    ``Settings.timeline_backfill`` posts for an author followed later, and
    after a change of strategy, threshold or backfill the timelines need
    `MaintenanceService.rebuild_timelines`. A page is one query whatever its
    size: each item comes with its author's username, its counters and
    whether the viewer liked it. With a `TimelineStore` (the facade's
    ``timeline_store``), push and hybrid read their timelines from the
    store, and the database's timelines are neither written nor read.
    """

    def home(
        self,
        user_id: UserId,
        *,
        limit: int = DEFAULT_LIMIT,
        cursor: str | None = None,
        offset: int = 0,
    ) -> Page[FeedItem]:
        """Return a page of the user's home feed, newest first, without muted authors."""
        page = PageRequest.build(limit, cursor, offset)
        require_ids(user_id)
        now = self._clock.now()

        def work(uow: UnitOfWork) -> list[FeedItem]:
            # Every item comes from the user's own posts, follows or timeline,
            # which go with the user, so only an empty page needs the lookup.
            return require_users_of(
                uow, self._timelines.home_feed(uow, user_id, page, now), user_id
            )

        return page_of(self._read(work), page, lambda item: post_position(item.post))

    def rebuild_timeline(self, user_id: UserId) -> int:
        """Regenerate a user's timeline from the posts; return how many entries it was given.

        The timeline gets the ``Settings.timeline_backfill`` newest posts of
        the user and of each followee, as if they had just followed everyone
        again. It repairs one timeline after follows, posts or counters were
        changed behind socialfeed's back; to switch a whole storage to
        ``"push"`` or ``"hybrid"``, use `MaintenanceService.rebuild_timelines`.
        Under ``"pull"`` nothing reads the timeline it fills. With a timeline
        store it is the store's timeline that is rebuilt (`BrokerError` if the
        store cannot be reached). `NotFoundError` for an unknown user.
        """
        store = self._timelines.store
        if store is not None:
            require_ids(user_id)
            return store.rebuild(self._storage, self._settings, user_id)

        def work(uow: UnitOfWork) -> int:
            # Locked, so that a deletion of the user waits for the rebuild, or
            # the rebuild finds the user gone rather than an empty timeline.
            require_locked(uow, user_id)
            return self._timelines.rebuild(uow, user_id)

        return self._write(work)
