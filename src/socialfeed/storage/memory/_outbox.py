"""The memory outbox: the same rows, marks and leases as the SQL table, in a dict.

Transactions of a memory storage run one at a time, so two claims are
serialised without a lock of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import attrs

from socialfeed.storage.base import OutboxMessage
from socialfeed.storage.memory._tables import OutboxRow, Repository


class Outbox(Repository):
    def add(self, data: Sequence[str], created_at: datetime, *, delivered: bool) -> list[int]:
        ids = []
        for item in data:
            row_id = self._next_id("outbox")
            self._j.set(self._t.outbox, row_id, OutboxRow(item, created_at, False, delivered))
            ids.append(row_id)
        return ids

    def unpublished(self, limit: int) -> list[OutboxMessage]:
        return self._oldest(lambda _, row: not row.published, limit)

    def claim(self, limit: int, now: datetime, until: datetime) -> list[OutboxMessage]:
        rows = self._t.outbox.values()
        if any(row.claimed_until is not None and row.claimed_until > now for row in rows):
            return []  # another relay's batch is in flight
        batch = self._oldest(lambda _, row: not row.published, limit)
        self._mark([m.id for m in batch], lambda row: attrs.evolve(row, claimed_until=until))
        return batch

    def mark_published(self, ids: Sequence[int]) -> None:
        self._mark(ids, lambda row: attrs.evolve(row, published=True, claimed_until=None))

    def release(self, ids: Sequence[int]) -> None:
        self._mark(ids, lambda row: attrs.evolve(row, claimed_until=None))

    def recorded_since(self, since: datetime, after_id: int, limit: int) -> list[OutboxMessage]:
        return self._oldest(
            lambda row_id, row: row_id > after_id and row.created_at >= since, limit
        )

    def undelivered(
        self, recorded_before: datetime, after_id: int, limit: int
    ) -> list[OutboxMessage]:
        return self._oldest(
            lambda row_id, row: (
                row_id > after_id and not row.delivered and row.created_at < recorded_before
            ),
            limit,
        )

    def mark_delivered(self, ids: Sequence[int]) -> None:
        self._mark(ids, lambda row: attrs.evolve(row, delivered=True))

    def counts(self) -> tuple[int, int]:
        rows = self._t.outbox.values()
        return sum(not row.published for row in rows), sum(not row.delivered for row in rows)

    def purge(self, recorded_before: datetime) -> int:
        return self._delete_where(
            self._t.outbox,
            lambda _, row: row.published and row.delivered and row.created_at < recorded_before,
        )

    def _oldest(self, wanted: Callable[[int, OutboxRow], bool], limit: int) -> list[OutboxMessage]:
        ids = sorted(row_id for row_id, row in self._t.outbox.items() if wanted(row_id, row))
        ids = ids[:limit]
        return [OutboxMessage(row_id, self._t.outbox[row_id].data) for row_id in ids]

    def _mark(self, ids: Sequence[int], marked: Callable[[OutboxRow], OutboxRow]) -> None:
        for row_id in ids:
            if row_id in self._t.outbox:  # a purge may have taken it meanwhile
                self._j.set(self._t.outbox, row_id, marked(self._t.outbox[row_id]))
