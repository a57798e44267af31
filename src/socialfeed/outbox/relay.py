"""The relay: publishes the outbox to a message broker, in the order it was recorded.

With ``Settings.outbox`` on, every committed action leaves its events in the
outbox table. A relay, usually its own process (``socialfeed relay``), takes
the unpublished rows oldest first in three steps: it *claims* a batch in one
short transaction (a lease on the rows, ``lease`` seconds long), hands the
batch to a `Publisher` with no transaction open, and *marks* it published
in another short transaction. No lock of the database is held while the
broker is waited on, so a broker that hangs holds up the relay and nothing
else: on SQLite, whose writers take turns, the application's writes go on.

- **At least once.** The mark commits only after the broker took the batch.
  A relay that dies in between leaves its batch published, unmarked and
  claimed; once the lease lapses, a relay (it, restarted, or another)
  claims and publishes those rows again. Consumers must tolerate a repeat,
  which is why every event carries its ``event_id``. A batch the broker
  refused is released at once, for the next attempt.
- **One relay at a time, oldest first.** Nothing is claimed while another
  relay's lease runs, so a second relay is a hot standby: it takes over when
  the first marks or releases its batch, or its lease lapses (a relay that
  died stalls the outbox for at most ``lease``). Claims are serialised (an
  advisory lock on PostgreSQL; SQLite's write lock; the memory storage runs
  one transaction at a time), so two relays never claim the same rows while
  a lease holds. A publish that outlasts the lease lets the standby publish
  the same batch too: a repeat, never a loss, and the first copies stay in
  order. Set ``lease`` well above the slowest publish of a batch (a broker
  client's timeout), and keep the relays' clocks in step (NTP), since each
  judges a lease by its own clock.
- **Commit order, per row.** An action writes its outbox rows after every
  other row it changed, so two actions on the same rows (a like and an unlike
  of one post) are numbered in the order they committed, and published in that
  order. Unrelated actions are not ordered: on PostgreSQL a row is numbered
  when written, so a higher number can commit, and be published, first.
- **Prompt and bounded.** On PostgreSQL the relay sleeps on ``LISTEN`` and a
  commit wakes it; elsewhere it polls, with a cheap read, every
  ``poll_interval``. A batch holds at most ``batch_size`` rows. The relay
  needs READ COMMITTED on PostgreSQL (the default), so that a claim sees the
  claim that was made while it waited for the lock.

`replay` publishes rows again, published or not, from a point in time: the
way back after the broker lost messages it had acknowledged.

A `Publisher` is one method, so a broker other than Redis Streams (RabbitMQ,
NATS JetStream, Kafka) is a small class of the application's: publish the
batch in order and return only when the broker acknowledged all of it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from socialfeed._retry import Backoff, retrying
from socialfeed.clock import Clock, SystemClock
from socialfeed.errors import BrokerError, StorageError
from socialfeed.storage.base import OutboxMessage, Storage

__all__ = ["Publisher", "Relay", "replay"]

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

    - ``batch_size``: the most rows one claim takes, and one publish sends.
    - ``poll_interval``: seconds between looks at an idle outbox where no
      notification wakes the relay (SQLite, memory); a cheap read each.
    - ``max_backoff``: the longest pause between attempts while the database
      or the broker fails.
    - ``lease``: seconds a claimed batch is this relay's, from the claim; a
      relay that died holding a batch delays the outbox by up to this long.
    - ``clock``: what the leases are measured by (the system's clock).
    """

    def __init__(
        self,
        storage: Storage,
        publisher: Publisher,
        *,
        batch_size: int = 500,
        poll_interval: float = 0.05,
        max_backoff: float = 5.0,
        lease: float = 10.0,
        clock: Clock | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if lease <= 0:
            raise ValueError("lease must be positive")
        self.storage = storage
        self.publisher = publisher
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.max_backoff = max_backoff
        self.lease = lease
        self.clock: Clock = clock or SystemClock()
        # A batch published whose mark failed: marked before anything else,
        # rather than published again once its lease lapses.
        self._unmarked: list[int] = []
        self._behind = False  # the last claim took a full batch

    def relay_once(self) -> int:
        """Claim one batch of unpublished rows, publish it and mark it; return how many it held.

        0 means that nothing waits, or that another relay's batch is in
        flight. Raises `StorageError` or `BrokerError`; a batch the publisher
        refused is released for the next attempt, and one published but not
        marked is marked at the next call.
        """
        if self._unmarked:
            self._mark(self._unmarked)
        # A look first, so that an idle relay takes no write lock (SQLite) and
        # does not queue for the claim (PostgreSQL); after a full batch, more
        # rows are likely to wait, and the look would only cost a round trip.
        if not self._behind:
            with self.storage.transaction(write=False) as uow:
                if not uow.outbox.unpublished(1):
                    return 0
        now = self.clock.now()
        with self.storage.transaction() as uow:
            batch = uow.outbox.claim(self.batch_size, now, now + timedelta(seconds=self.lease))
        self._behind = len(batch) == self.batch_size
        if not batch:
            return 0
        ids = [message.id for message in batch]
        # No transaction is open here: the broker may take its time.
        try:
            self.publisher.publish(batch)
        except Exception:
            # The broker's failure (or the publisher's bug): let the batch go
            # at once. A process being interrupted does no database work on
            # its way out; its claim lapses with the lease.
            self._release(ids)
            raise
        self._unmarked = ids
        self._mark(ids)
        return len(batch)

    def _mark(self, ids: list[int]) -> None:
        with self.storage.transaction() as uow:
            uow.outbox.mark_published(ids)
        self._unmarked = []

    def _release(self, ids: list[int]) -> None:
        try:
            with self.storage.transaction() as uow:
                uow.outbox.release(ids)
        except StorageError as error:
            # Harmless: the claim lapses with its lease, and the rows are claimed again then.
            logger.warning(
                "relay: could not release a batch the broker refused (%s); it waits for its lease",
                type(error).__name__,
            )

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


def replay(
    storage: Storage, publisher: Publisher, *, since: datetime, batch_size: int = 500
) -> int:
    """Publish again every outbox row recorded at or after ``since``, oldest first; return how many.

    For a broker that lost messages it had acknowledged (a Redis restarted
    without its data, a deleted stream): the rows are published again
    whether a relay published them before or not, in batches, each read in a
    short read-only transaction and published with none open. Nothing is
    marked, so a running relay is not disturbed; it publishes the rows it
    had not published yet as well, a repeat consumers tolerate. It stops at
    the first batch that comes back short, so rows recorded while it runs
    may be left out: the relay publishes those. ``since`` is compared with
    each row's recording time (the clock of the process that acted, at the
    action); only rows not yet purged can be reached. Raises `StorageError`
    or `BrokerError`; running it again is safe.
    """
    if since.tzinfo is None:
        raise ValueError("since must be timezone-aware")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    replayed = after = 0
    while True:
        with storage.transaction(write=False) as uow:
            batch = uow.outbox.recorded_since(since, after, batch_size)
        if batch:
            publisher.publish(batch)
            replayed += len(batch)
            after = batch[-1].id
        if len(batch) < batch_size:
            return replayed
