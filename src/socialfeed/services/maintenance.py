"""Repairs an operator runs by hand or from a periodic job."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import partial

from socialfeed.services._service import Service
from socialfeed.storage.base import UnitOfWork

__all__ = ["MaintenanceService"]

_REBUILD_BATCH = 500


class MaintenanceService(Service):
    """Whole-storage checks and repairs."""

    def reconcile_counters(self) -> int:
        """Recompute every counter from the rows it counts; return how many were wrong.

        Post, follower and following counts of users, like and comment counts
        of posts, and post counts of hashtags. The services keep them exact,
        so on a healthy storage this returns 0 and changes nothing; it exists
        to repair rows edited behind socialfeed's back. It reads every row:
        run it off-peak.
        """
        return self._write(lambda uow: uow.maintenance.reconcile_counters())

    def purge_receipts(self, older_than: timedelta) -> int:
        """Delete `once_per_event` receipts older than ``older_than``; return how many.

        A receipt is what makes a repeated event a no-op for such a receiver:
        keep them at least as long as events may be redelivered or replayed.
        """
        if older_than < timedelta(0):
            raise ValueError("older_than cannot be negative")
        before = self._clock.now() - older_than
        return self._write(lambda uow: uow.receipts.purge(before))

    def rebuild_timelines(self) -> int:
        """Regenerate the timelines from the posts; return how many it rebuilt.

        Each user's timeline is rebuilt as `FeedService.rebuild_timeline`
        does, in its own transaction, so the storage stays usable meanwhile
        and a failure loses only one user's work. Run it once after switching
        an existing storage to ``"push"`` or ``"hybrid"``, or after changing
        ``hybrid_threshold`` or ``timeline_backfill``. Users who join while it
        runs get complete timelines anyway.

        With a timeline store, the store rebuilds only the timelines it holds
        (`TimelineStore.rebuild_all`): the others are built whole when first
        read, and `socialfeed.redis.RedisTimelines` keeps no timeline for a
        user who never reads their feed. Under ``"pull"`` the store is left
        alone, as the actions leave it, and this returns 0; a store is not
        kept up to date under ``"pull"``, so run this again after switching
        back to ``"push"`` or ``"hybrid"``.
        """
        store = self._timelines.store
        if store is None:
            return self._visit_owners(self._rebuild_in_database)
        if self._settings.feed_strategy == "pull":
            return 0
        return store.rebuild_all(self._storage, self._settings)

    def _visit_owners(self, rebuild: Callable[[int], object]) -> int:
        visited, after = 0, 0
        while True:
            batch = self._read(partial(_owners_after, after=after))
            for user_id in batch:
                rebuild(user_id)
            visited += len(batch)
            if len(batch) < _REBUILD_BATCH:
                return visited
            after = batch[-1]

    def _rebuild_in_database(self, user_id: int) -> None:
        self._write(partial(self._timelines.rebuild, owner_id=user_id))


def _owners_after(uow: UnitOfWork, *, after: int) -> list[int]:
    return uow.timelines.owners_after(after, _REBUILD_BATCH)
