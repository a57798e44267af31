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
from typing import Any, Protocol

from sqlalchemy import Engine

from socialfeed.errors import BrokerError, StorageError
from socialfeed.storage.base import OutboxMessage, Storage
from socialfeed.storage.sql import SQLStorage
from socialfeed.storage.sql._outbox import NOTIFY_CHANNEL

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
        """
        waiter = _waiter_for(self.storage, stop, self.poll_interval)
        backoff = self.poll_interval
        try:
            while not stop.is_set():
                try:
                    relayed = self.relay_once()
                except (StorageError, BrokerError) as error:
                    logger.warning("relay: %s; retrying in %.2f s", error, backoff)
                    stop.wait(backoff)
                    backoff = min(backoff * 2, self.max_backoff)
                    continue
                backoff = self.poll_interval
                if relayed:
                    logger.debug("relay: published %d events", relayed)
                if relayed < self.batch_size:
                    waiter.wait()
        finally:
            waiter.close()


class _Waiter(Protocol):
    def wait(self) -> None: ...

    def close(self) -> None: ...


class _Sleep:
    """Polling: sleep the interval, or less if the relay is stopped."""

    def __init__(self, stop: threading.Event, interval: float) -> None:
        self._stop = stop
        self._interval = interval

    def wait(self) -> None:
        self._stop.wait(self._interval)

    def close(self) -> None:
        pass


class _Listen:
    """PostgreSQL: sleep until a commit notifies the outbox channel, or a second passes.

    The second bounds how late a lost notification (a dropped listening
    connection) can make the relay; a new connection listens again.
    """

    def __init__(self, engine: Engine, stop: threading.Event) -> None:
        self._engine = engine
        self._stop = stop
        self._conn: Any = None

    def wait(self) -> None:
        try:
            if self._conn is None:
                self._conn = self._engine.raw_connection()
                self._conn.driver_connection.autocommit = True
                self._conn.driver_connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
            for _ in self._conn.driver_connection.notifies(timeout=1.0, stop_after=1):
                break
        except Exception as error:  # the driver's errors: fall back to polling
            logger.warning("relay: listening failed (%s); polling", type(error).__name__)
            self.close()
            self._stop.wait(1.0)

    def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                conn.invalidate()  # never back to the pool: it listens
            except Exception:
                logger.debug("relay: closing the listening connection failed", exc_info=True)


def _waiter_for(storage: Storage, stop: threading.Event, interval: float) -> _Waiter:
    if isinstance(storage, SQLStorage) and storage.engine.dialect.name == "postgresql":
        return _Listen(storage.engine, stop)
    return _Sleep(stop, interval)
