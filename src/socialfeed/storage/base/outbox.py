"""The outbox area of the contract: the events of committed actions, kept until relayed.

Each backend implements this repository in its own ``_outbox`` module.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from attrs import frozen

__all__ = ["OutboxMessage", "OutboxRepository", "OutboxWakeups"]


@frozen
class OutboxMessage:
    """One event in the outbox: its row id (the order it was recorded in) and its wire form."""

    id: int
    data: str


class OutboxRepository(Protocol):
    """The transactional outbox: the events of committed actions, kept until relayed.

    Each row carries two marks: *published* (a relay handed it to the broker)
    and *delivered* (this application's own receivers saw it). A relay also
    *claims* rows for a while (a lease) before it publishes them, so that it
    can talk to the broker with no transaction open while other relays keep
    off its batch.
    """

    def add(self, data: Sequence[str], created_at: datetime, *, delivered: bool) -> list[int]:
        """Record events (in wire form) and return their ids, in order.

        Rows are numbered in the order they are added; on PostgreSQL the
        insert also notifies a listening relay when the transaction commits.
        """
        ...

    def unpublished(self, limit: int) -> list[OutboxMessage]:
        """Return up to ``limit`` rows not yet published, oldest first, claimed or not.

        It only looks: it claims nothing and waits for no relay.
        """
        ...

    def claim(self, limit: int, now: datetime, until: datetime) -> list[OutboxMessage]:
        """Claim up to ``limit`` of the oldest unpublished rows until ``until``; return them.

        Nothing is claimed (the list is empty) while any row's claim runs
        past ``now``: one relay publishes at a time, so the stream stays in
        the order of the outbox, and a second relay waits until the first
        marked or released its batch, or its lease lapsed. Rows whose lease
        lapsed are claimed again like any unpublished row. Claims of two
        transactions at once are serialised, so that both never take the
        same rows: the relay runs it in a short transaction of its own.
        """
        ...

    def mark_published(self, ids: Sequence[int]) -> None:
        """Mark rows as handed to the broker, which ends their claim."""
        ...

    def release(self, ids: Sequence[int]) -> None:
        """End the claim on rows the relay could not publish, for any relay to take again."""
        ...

    def recorded_since(self, since: datetime, after_id: int, limit: int) -> list[OutboxMessage]:
        """Return up to ``limit`` rows recorded at or after ``since``, above ``after_id``.

        Published or not, oldest first; the id is the cursor of a walk over
        them, which is how a replay publishes them again.
        """
        ...

    def undelivered(
        self, recorded_before: datetime, after_id: int, limit: int
    ) -> list[OutboxMessage]:
        """Return up to ``limit`` undelivered rows recorded before the time, above ``after_id``.

        Oldest first; the id is the cursor of a walk over them.
        """
        ...

    def mark_delivered(self, ids: Sequence[int]) -> None:
        """Mark rows as seen by this application's receivers."""
        ...

    def counts(self) -> tuple[int, int]:
        """Return how many rows wait to be published and how many to be delivered."""
        ...

    def purge(self, recorded_before: datetime) -> int:
        """Delete rows published and delivered that were recorded before the time."""
        ...


class OutboxWakeups(Protocol):
    """Tells a relay that a commit may have recorded outbox events."""

    def wait(self, timeout: float) -> None:
        """Return when a commit may have recorded events, or after ``timeout`` seconds."""
        ...

    def close(self) -> None:
        """Stop listening and release what listening held."""
        ...
