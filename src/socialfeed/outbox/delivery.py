"""What happens to an action's events: recorded in the outbox, then sent to receivers.

With ``Settings.outbox`` off, events live only in memory: they are sent after
the commit, and a process that dies between the commit and the send loses
them. With it on, they are written to the outbox table in the action's own
transaction, after every row the action changed: events about the same rows
are therefore numbered in the order their transactions committed, and a
committed action always has its events stored. A relay publishes them to a
broker (see `socialfeed.outbox.relay`); this process's receivers get them right
after the commit, and their outbox row is marked as delivered here. Rows a
dead process never marked are sent again by `OutboxService.deliver_pending`,
so receivers must tolerate a repeat (the bundled handlers do).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from socialfeed._dispatch import receivers_of, send
from socialfeed.clock import Clock
from socialfeed.errors import ReceiverError, StorageError, WireFormatError
from socialfeed.events import Event
from socialfeed.outbox import wire
from socialfeed.settings import Settings
from socialfeed.storage.base import OutboxMessage, Storage, UnitOfWork
from socialfeed.timelines import TimelineStore

__all__ = ["Delivery"]

logger = logging.getLogger("socialfeed")


class Delivery:
    """Records a facade's events in its outbox and sends them to its receivers."""

    def __init__(
        self,
        sender: object,
        storage: Storage,
        settings: Settings,
        clock: Clock,
        timeline_store: TimelineStore | None = None,
    ) -> None:
        self._sender = sender
        self._storage = storage
        self._settings = settings
        self._clock = clock
        self._timeline_store = timeline_store

    def record(self, uow: UnitOfWork, events: Sequence[Event]) -> list[int]:
        """Write ``events`` to the outbox inside the action's transaction (outbox on).

        Return the ids of the rows still waiting for this process's
        receivers. With no receiver connected for any of them there is
        nothing to wait for: the rows are stored as delivered, which spares
        the second transaction that marking them would cost.
        """
        if not (events and self._settings.outbox):
            return []
        wanted = self._has_receivers(events)
        data = [wire.encode(event) for event in events]
        ids = uow.outbox.add(data, self._clock.now(), delivered=not wanted)
        return ids if wanted else []

    def deliver(self, events: Sequence[Event], record_ids: Sequence[int] = ()) -> None:
        """Send ``events`` to this process's receivers, then mark their outbox rows delivered.

        A receiver that raises is logged and the others still run; with
        ``Settings.raise_receiver_errors`` the failures are raised together,
        after the rows were marked (the receivers did see the events). Rows
        stay unmarked when the timeline store failed to take the events, so
        that `deliver_pending` gives them to it again.
        """
        timelines_updated = self._update_timelines(events)
        failures = [failure for event in events for failure in send(event, self._sender)]
        if record_ids and timelines_updated:
            # A store that missed the events gets them from deliver_pending.
            self._mark_delivered(record_ids)
        if failures and self._settings.raise_receiver_errors:
            raise ReceiverError([error for _, error in failures])

    def deliver_pending(self, older_than: datetime, batch_size: int) -> int:
        """Send the outbox events recorded before ``older_than`` that no receiver saw yet.

        Return how many were sent. A row this version cannot decode (written
        by a newer one) is logged and left for a process that can read it.
        """
        sent = last = 0
        while batch := self._pending_after(last, older_than, batch_size):
            last = batch[-1].id
            readable: list[tuple[int, Event]] = []
            for message in batch:
                try:
                    readable.append((message.id, wire.decode(message.data)))
                except WireFormatError as error:
                    logger.error("outbox row %d cannot be delivered: %s", message.id, error)
            if readable:
                self.deliver([event for _, event in readable], [row for row, _ in readable])
                sent += len(readable)
        return sent

    def _pending_after(
        self, after_id: int, older_than: datetime, batch_size: int
    ) -> list[OutboxMessage]:
        with self._storage.transaction(write=False) as uow:
            return uow.outbox.undelivered(older_than, after_id, batch_size)

    def _has_receivers(self, events: Sequence[Event]) -> bool:
        # A timeline store outside the database is this process's receiver too.
        return self._timeline_store is not None or any(
            receivers_of(event, self._sender) for event in events
        )

    def _update_timelines(self, events: Sequence[Event]) -> bool:
        if self._timeline_store is None:
            return True
        try:
            self._timeline_store.apply(self._storage, self._settings, events)
        except Exception:
            # Like a failed receiver: logged, and the caller's action stands.
            # With the outbox on, the rows stay undelivered and deliver_pending
            # gives the events to the store again; without it they are lost
            # to the store until the timeline is rebuilt.
            logger.exception("the timeline store failed to take %d events", len(events))
            return False
        return True

    def _mark_delivered(self, record_ids: Sequence[int]) -> None:
        try:
            with self._storage.transaction() as uow:
                uow.outbox.mark_delivered(record_ids)
        except StorageError:
            # The action committed and the receivers ran; failing the caller
            # now would report a change that happened as one that did not.
            # The rows stay unmarked, and deliver_pending sends them again.
            logger.warning("could not mark %d outbox rows delivered", len(record_ids))
