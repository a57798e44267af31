"""The relay: publishes the outbox to a message broker, in the order it was recorded.

With ``Settings.outbox`` on, every committed action leaves its events in the
outbox table. A relay, usually its own process (``socialfeed relay``), takes
the unpublished rows oldest first, hands them to a `Publisher` and marks them
published, in one transaction of the database:

- **At least once.** The mark commits only after the broker took the batch. A
  relay that dies in between has published rows still unmarked, and publishes
  them again when it (or another) comes back: consumers must tolerate a
  repeat, which is why every event carries its ``event_id``.
- **Never twice by two relays.** The batch is held for the transaction (an
  advisory lock on PostgreSQL; SQLite's write lock; the memory storage runs
  one transaction at a time), so a second relay waits and then sees the rows
  marked. Running two is a hot standby, not twice the throughput.
- **Commit order, per row.** An action writes its outbox rows after every
  other row it changed, so two actions on the same rows (a like and an unlike
  of one post) are numbered in the order they committed, and published in that
  order. Unrelated actions are not ordered: on PostgreSQL a row is numbered
  when written, so a higher number can commit, and be published, first.
- **Holding the batch.** On SQLite the batch's transaction holds the write
  lock while the publisher talks to the broker: give the broker client a
  timeout. The relay needs READ COMMITTED on PostgreSQL (the default).
- **Prompt and bounded.** On PostgreSQL the relay sleeps on ``LISTEN`` and a
  commit wakes it; elsewhere it polls, with a cheap read, every
  ``poll_interval``. A batch holds at most ``batch_size`` rows, so one
  transaction never holds the outbox for long.

A `Publisher` is one method, so a broker other than Redis Streams (RabbitMQ,
NATS JetStream, Kafka) is a small class of the application's: publish the
batch in order and return only when the broker acknowledged all of it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Protocol

from socialfeed._retry import Backoff, retrying
from socialfeed.errors import BrokerError, StorageError
from socialfeed.storage.base import OutboxMessage, Storage

__all__ = ["Publisher", "Relay"]

logger = logging.getLogger("socialfeed.relay")


class Publisher(Protocol):
    """Hands outbox messages to a broker."""

    def publish(self, messages: Sequence[OutboxMessage]) -> None:
        """Publish ``messages`` in their order; return once the broker holds all of them.

        Raise `BrokerError` if it could not; messages published before the
        error are published again with the rest later.
        """
        ...


class Relay:
    """Moves outbox rows of ``storage`` to ``publisher``; see the module's documentation.

    - ``batch_size``: the most rows one transaction publishes and marks.
    - ``poll_interval``: seconds between looks at an idle outbox where no
      notification wakes the relay (SQLite, memory); a cheap read each.
    - ``max_backoff``: the longest pause between attempts while the database
      or the broker fails.
    """

    def __init__(
        self,
        storage: Storage,
        publisher: Publisher,
        *,
        batch_size: int = 500,
        poll_interval: float = 0.05,
        max_backoff: float = 5.0,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.storage = storage
        self.publisher = publisher
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.max_backoff = max_backoff

    def relay_once(self) -> int:
        """Publish one batch of unpublished rows and mark it; return how many rows it held.

        Raises `StorageError` or `BrokerError`, after which nothing was marked.
        """
        # A look first, so that an idle relay takes no write lock (SQLite) and
        # does not queue behind another relay's batch (PostgreSQL).
        with self.storage.transaction(write=False) as uow:
            if not uow.outbox.unpublished(1, hold=False):
                return 0
        with self.storage.transaction() as uow:
            batch = uow.outbox.unpublished(self.batch_size)
            if batch:
                self.publisher.publish(batch)
                uow.outbox.mark_published([message.id for message in batch])
        return len(batch)

    def run(self, stop: threading.Event) -> None:
        """Relay until ``stop`` is set, waiting for commits when the outbox is empty.

        A database or broker that fails is retried with a growing pause (up to
        ``max_backoff`` seconds), so the relay outlives restarts of either.
        Where the storage can tell of commits (`Storage.outbox_wakeups`:
        PostgreSQL's ``LISTEN``) an idle relay sleeps until one, or a second;
        elsewhere it looks again every ``poll_interval``.
        """
        wakeups = self.storage.outbox_wakeups()
        backoff = Backoff(self.poll_interval, self.max_backoff)
        try:
            while not stop.is_set():
                try:
                    relayed = retrying(
                        self.relay_once,
                        retry_on=(StorageError, BrokerError),
                        backoff=backoff,
                        wait=stop.wait,
                        what="relay",
                        log=logger,
                    )
                except (StorageError, BrokerError):
                    return  # stopped while waiting to try again
                if relayed:
                    logger.debug("relay: published %d events", relayed)
                if relayed < self.batch_size:
                    if wakeups is None:
                        stop.wait(self.poll_interval)
                    else:
                        # Bounded, so that a lost notification or a stop is
                        # noticed within a second.
                        wakeups.wait(timeout=1.0)
        finally:
            if wakeups is not None:
                wakeups.close()
