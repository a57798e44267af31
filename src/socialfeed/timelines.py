"""Timeline stores: the push and hybrid timelines kept outside the database.

By default the timelines of ``Settings.feed_strategy = "push"`` or
``"hybrid"`` are rows of the database, written inside each action's
transaction. A facade built with ``timeline_store=`` keeps them in the store
instead (`socialfeed.redis.RedisTimelines` is the one socialfeed ships): no
timeline row is written, the store is brought up to date from the events
of each committed action, and the home feed reads it. The database stays
the truth: the store reads what it needs from it, rebuilds a timeline it
lost from it, and every page is checked against it when it is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from socialfeed.events import Event
from socialfeed.models import FeedItem
from socialfeed.pagination import PageRequest
from socialfeed.settings import Settings
from socialfeed.storage.base import Storage, UnitOfWork

__all__ = ["TimelineStore"]


class TimelineStore(Protocol):
    """Keeps home timelines outside the database, from the events of committed actions.

    Events arrive after their action committed, at least once, and not
    always in order (an outbox redelivers what a crashed process never
    delivered), so `apply` must make a repeated or late event harmless. The
    facade logs what `apply` raises and carries on: a store may fall behind,
    never the database. With ``Settings.outbox`` on, the events of an `apply`
    that raised stay undelivered in the outbox, and the store gets them again
    when `OutboxService.deliver_pending` runs.
    """

    def apply(self, storage: Storage, settings: Settings, events: Sequence[Event]) -> None:
        """Bring the timelines up to date with ``events``, reading the database as needed."""
        ...

    def home_feed(
        self,
        uow: UnitOfWork,
        settings: Settings,
        viewer_id: int,
        page: PageRequest,
        now: datetime,
    ) -> list[FeedItem]:
        """Return a page of the viewer's home feed, the items `PostRepository.home_feed` gives.

        Up to ``page.limit + 1`` items, newest first, from the page's cursor
        and offset. ``uow`` is a read transaction in which nothing was read
        yet, so that a store can clear a timeline it is about to rebuild
        before the database's snapshot is taken.
        """
        ...

    def rebuild(self, storage: Storage, settings: Settings, owner_id: int) -> int:
        """Regenerate one user's timeline from the database; return how many entries it holds.

        `NotFoundError` for a user who does not exist.
        """
        ...

    def rebuild_all(self, storage: Storage, settings: Settings) -> int:
        """Regenerate every timeline the store holds; return how many were rebuilt.

        `MaintenanceService.rebuild_timelines` calls it, under ``"push"`` or
        ``"hybrid"`` only. A store need not create the timelines it does not
        hold, and may forget afterwards what a complete rebuild made redundant.
        """
        ...
