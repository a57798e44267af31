"""The in-memory backend: a real, supported backend for tests, docs and small apps.

Transactions are serialised by one lock, which makes every action atomic and
every counter exact under threads. Each change is journalled, and a
transaction that raises is undone from its journal, so a failed action leaves
nothing behind, exactly as on a database. Data lives as long as the object.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import attrs

from socialfeed.errors import StorageError
from socialfeed.storage.base import UnitOfWork
from socialfeed.storage.memory._content import Comments, Hashtags, Likes, Posts
from socialfeed.storage.memory._outbox import Outbox
from socialfeed.storage.memory._people import Follows, Sessions, Users
from socialfeed.storage.memory._receipts import Receipts
from socialfeed.storage.memory._relations import Blocks, FollowRequests, Maintenance, Mutes
from socialfeed.storage.memory._social import Messages, Notifications, Stories
from socialfeed.storage.memory._tables import Journal, Tables
from socialfeed.storage.memory._timelines import Timelines, TimelineSources

__all__ = ["MemoryStorage"]


@attrs.frozen
class _MemoryUnitOfWork:
    users: Users
    sessions: Sessions
    posts: Posts
    comments: Comments
    likes: Likes
    follows: Follows
    stories: Stories
    messages: Messages
    notifications: Notifications
    hashtags: Hashtags
    blocks: Blocks
    mutes: Mutes
    follow_requests: FollowRequests
    timelines: Timelines
    timeline_sources: TimelineSources
    outbox: Outbox
    receipts: Receipts
    maintenance: Maintenance

    @classmethod
    def open(cls, tables: Tables, journal: Journal) -> _MemoryUnitOfWork:
        """Give every repository of one transaction the same tables and journal."""
        args = (tables, journal)
        return cls(
            Users(*args), Sessions(*args), Posts(*args), Comments(*args), Likes(*args),
            Follows(*args), Stories(*args), Messages(*args), Notifications(*args), Hashtags(*args),
            Blocks(*args), Mutes(*args), FollowRequests(*args), Timelines(*args),
            TimelineSources(*args), Outbox(*args), Receipts(*args), Maintenance(*args),
        )  # fmt: skip


class MemoryStorage:
    """Storage in this process's memory. Thread-safe; nothing survives the object."""

    def __init__(self) -> None:
        self._tables: Tables | None = Tables()
        self._lock = threading.RLock()

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[UnitOfWork]:
        """Run the block alone, undoing every change it made if it raises."""
        with self._lock:
            if self._tables is None:
                raise StorageError("this storage was closed")
            journal = Journal()
            try:
                yield _MemoryUnitOfWork.open(self._tables, journal)
            except BaseException:
                journal.rollback()
                raise

    def create_schema(self) -> None:
        """Nothing to create: the tables exist as soon as the storage does."""

    def outbox_wakeups(self) -> None:
        """None: a relay on this storage looks at the outbox every poll interval."""
        return

    def close(self) -> None:
        """Drop all data; later transactions raise StorageError."""
        with self._lock:
            self._tables = None

    def snapshot(self) -> dict[str, dict[Any, Any]]:
        """Return a copy of every table's rows, by table name, keyed like the SQL primary keys.

        Rows are immutable, so the copy is cheap and later actions leave it as
        it was: two snapshots compared show whether an action changed anything.
        Most tables are named as in the SQL schema without its ``socialfeed_``
        prefix (``users``, ``posts``, ``likes``...); a few are the memory
        backend's own, such as ``username_keys``.
        """
        with self._lock:
            return {name: dict(rows) for name, rows in self._table_rows().items()}

    def restore(self, snapshot: Mapping[str, Mapping[Any, Any]]) -> None:
        """Replace every table's rows with those of a `snapshot`, as they are, unchecked.

        Meant for tests: a snapshot edited in between stands for a database
        changed behind the library's back, for example a counter that
        `reconcile_counters` must repair. New rows go on taking new ids.
        Raises ValueError, changing nothing, unless the snapshot names exactly
        this storage's tables.
        """
        with self._lock:
            tables = self._table_rows()
            if set(snapshot) != set(tables):
                raise ValueError(f"a snapshot names the tables {sorted(tables)}")
            for name, rows in tables.items():
                rows.clear()
                rows.update(snapshot[name])

    def _table_rows(self) -> dict[str, dict[Any, Any]]:
        if self._tables is None:
            raise StorageError("this storage was closed")
        return {
            field.name: getattr(self._tables, field.name)
            for field in attrs.fields(Tables)
            if field.name != "ids"  # the id sequences, which are no rows
        }
