"""Stream workers: events from a broker, sent through the same signals in another process.

A worker process builds its own `SocialFeed` on the same database, connects
the receivers it should run (the bundled handlers work unchanged), and hands
it to a `Worker` with a `Consumer` (``socialfeed worker`` does all of it from
the command line). For each message the worker decodes the typed event and
sends it, with the worker's facade as sender, exactly as the services do
after a commit:

- **Acknowledged after success.** A message is acknowledged only once every
  receiver returned. A worker that dies holding messages leaves them pending,
  and the consumer hands them out again (to it or to another worker).
- **Bounded retries.** Receivers that raise are called again, only they, up to
  ``attempts`` times with a growing pause; after that the message goes to the
  dead-letter stream with the errors, and is acknowledged. So is a message
  that cannot be decoded, or one handed out ``max_deliveries`` times without
  being acknowledged (it keeps killing its workers). A receiver that fails
  with `StorageError` (the database is down) costs no attempt: the worker
  waits for the database instead.
- **At least once.** Any message can arrive twice (a relay restart, a worker
  restart): receivers must be idempotent, as the bundled handlers are.

A `Consumer` is three methods, so another broker needs one small class; the
services and receivers do not change.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Protocol

from attrs import frozen

from socialfeed._dispatch import receivers_of, send
from socialfeed._retry import Backoff, retrying
from socialfeed.errors import BrokerError, StorageError, WireFormatError
from socialfeed.outbox import wire

__all__ = ["Consumer", "Received", "Worker"]

logger = logging.getLogger("socialfeed.worker")


@frozen
class Received:
    """A message a consumer handed out."""

    message_id: str
    """The broker's id of the message, for acknowledging it."""
    data: str
    """The event in wire form."""
    deliveries: int
    """How many times the broker has handed this message out, this time included."""


class Consumer(Protocol):
    """Reads messages of one consumer group from a broker."""

    def receive(self, count: int, timeout: float) -> list[Received]:
        """Return up to ``count`` messages, waiting up to ``timeout`` seconds for the first.

        Messages handed out before and never acknowledged (a worker died)
        come again. Raise `BrokerError` when the broker cannot be reached.
        """
        ...

    def acknowledge(self, messages: Sequence[Received]) -> None:
        """Mark messages as handled, so that they are never handed out again."""
        ...

    def dead_letter(self, message: Received, reason: str) -> None:
        """Set ``message`` aside with ``reason`` for a person to look at, and acknowledge it."""
        ...


class Worker:
    """Sends the events a `Consumer` reads through ``sender``'s signals; see the module.

    ``sender`` is the worker process's `SocialFeed`, to which its receivers
    are connected.

    - ``attempts``: how many times a failing receiver is called for one
      message before the message is dead-lettered.
    - ``retry_delay``: the pause before the second call, doubled before each
      further one.
    - ``max_deliveries``: a message handed out more often than this (its
      workers keep dying on it) is dead-lettered unsent.
    - ``batch_size``: the most messages read at once.
    - ``max_backoff``: the longest pause while the broker or the database is
      unreachable. A database outage costs no attempt: the worker waits for
      the database, holding the message.
    """

    def __init__(
        self,
        sender: object,
        consumer: Consumer,
        *,
        attempts: int = 3,
        retry_delay: float = 0.1,
        max_deliveries: int = 5,
        batch_size: int = 100,
        max_backoff: float = 5.0,
    ) -> None:
        if attempts < 1 or max_deliveries < 1 or batch_size < 1:
            raise ValueError("attempts, max_deliveries and batch_size must be at least 1")
        self.sender = sender
        self.consumer = consumer
        self.attempts = attempts
        self.retry_delay = retry_delay
        self.max_deliveries = max_deliveries
        self.batch_size = batch_size
        self.max_backoff = max_backoff
        self._stop: threading.Event | None = None  # set while `run` runs

    def work_once(self, timeout: float = 1.0) -> int:
        """Handle one batch of messages; return how many were handled or set aside.

        Raises `BrokerError` when the broker cannot be reached, and
        `StorageError` when a receiver cannot reach the database (only `run`
        waits for it); messages not acknowledged yet come again.
        """
        messages = self.consumer.receive(self.batch_size, timeout)
        for message in messages:
            reason = self._handle(message)
            # One at a time, as soon as it is handled: a message held until the
            # end of a slow batch would look abandoned to the other workers.
            if reason is None:
                self.consumer.acknowledge([message])
            else:
                logger.error("message %s dead-lettered: %s", message.message_id, reason)
                self.consumer.dead_letter(message, reason)
        return len(messages)

    def run(self, stop: threading.Event, *, timeout: float = 1.0) -> None:
        """Handle messages until ``stop`` is set; outlives broker and database restarts."""
        self._stop = stop
        try:
            while not stop.is_set():
                try:
                    retrying(
                        lambda: self.work_once(timeout),
                        retry_on=(BrokerError, StorageError),
                        backoff=self._outage_backoff,
                        wait=stop.wait,
                        what="worker",
                        log=logger,
                    )
                except (BrokerError, StorageError):
                    return  # stopped while waiting to try again
        finally:
            self._stop = None

    def _handle(self, message: Received) -> str | None:
        """Send one message's event; return why it must be set aside, or ``None``."""
        if message.deliveries > self.max_deliveries:
            return f"handed out {message.deliveries} times without being acknowledged"
        try:
            event = wire.decode(message.data)
        except WireFormatError as error:
            return f"cannot be decoded: {error}"
        pending = receivers_of(event, self.sender)
        attempt = 1
        outage = self._outage_backoff.pauses()
        retry_pauses = Backoff(self.retry_delay).pauses()
        while True:
            failures = send(event, self.sender, pending)
            if not failures:
                return None
            pending = [receiver for receiver, _ in failures]
            if all(isinstance(error, StorageError) for _, error in failures):
                # The database is down or busy: not the message's fault, so it
                # costs no attempt. Wait for the database here, holding the message.
                if self._stop is None or not self._wait_for_database(message, next(outage)):
                    raise StorageError("a receiver could not reach the database")
                continue
            if attempt >= self.attempts:
                return "; ".join(f"{_name(receiver)}: {error!r}" for receiver, error in failures)
            pause = next(retry_pauses)
            logger.warning(
                "message %s: %d receiver(s) failed, attempt %d; retrying in %.3f s",
                message.message_id,
                len(failures),
                attempt,
                pause,
            )
            time.sleep(pause)
            attempt += 1

    def _wait_for_database(self, message: Received, pause: float) -> bool:
        """Pause while the database is away; return false if `run` was stopped meanwhile."""
        logger.warning(
            "message %s: a receiver could not reach the database; waiting %.3f s",
            message.message_id,
            pause,
        )
        return self._stop is not None and not self._stop.wait(pause)

    @property
    def _outage_backoff(self) -> Backoff:
        """Pauses while the broker or the database is away: from 0.1 s up to ``max_backoff``."""
        return Backoff(0.1, self.max_backoff)


def _name(receiver: object) -> str:
    return getattr(receiver, "__qualname__", repr(receiver))
