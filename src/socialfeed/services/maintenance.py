"""Repairs an operator runs by hand or from a periodic job."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from functools import partial

from socialfeed.errors import NotFoundError
from socialfeed.services._base import Service
from socialfeed.storage.base import UnitOfWork
from socialfeed.timelines import TimelineStore

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

    def rebuild_timelines(self) -> int:
        """Regenerate every user's timeline from the posts; return how many users it visited.

        Each user's timeline is rebuilt as `FeedService.rebuild_timeline`
        does, in its own transaction, so the storage stays usable meanwhile
        and a failure loses only one user's work. Run it once after switching
        an existing storage to ``"push"`` or ``"hybrid"``, or after changing
        ``hybrid_threshold`` or ``timeline_backfill``. Users who join while it
        runs get complete timelines anyway. With a timeline store it rebuilds
        the store's timelines, and lets the store forget what a complete
        rebuild makes redundant (see `socialfeed.redis.RedisTimelines`).
        """
        store = self._timelines.store
        if store is None:
            return self._visit_owners(self._rebuild_in_database)
        with store.rebuilding_all():
            return self._visit_owners(partial(self._rebuild_in_store, store))

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

    def _rebuild_in_store(self, store: TimelineStore, user_id: int) -> None:
        # A user deleted since their batch was read left the store with their event.
        with suppress(NotFoundError):
            store.rebuild(self._storage, self._settings, user_id)


def _owners_after(uow: UnitOfWork, *, after: int) -> list[int]:
    return uow.timelines.owners_after(after, _REBUILD_BATCH)
