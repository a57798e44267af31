"""The outbox on Redis Streams: a `Publisher` for the relay and a `Consumer` for workers.

One stream carries every event; each message has two fields, ``seq`` (the
outbox row id) and ``data`` (the event in wire form). Each kind of worker
is a consumer group, so every group sees every event once (notifications in
one group, search indexing in another), and the workers of a group share
its messages.

Redis must keep what it acknowledged: run it with ``appendonly yes`` (and
``appendfsync always`` if a lost second of events matters). A Redis that
restarts empty has lost the stream's unread messages, which the outbox has
already marked published.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Sequence
from types import TracebackType
from typing import Any

import redis

from socialfeed.errors import BrokerError
from socialfeed.outbox.worker import Received
from socialfeed.redis._consumer_names import NameLease, forget_idle_consumers
from socialfeed.storage.base import OutboxMessage

__all__ = ["DEFAULT_STREAM", "RedisStreamConsumer", "RedisStreamPublisher"]

DEFAULT_STREAM = "socialfeed:events"
"""The stream the relay publishes to and workers read, unless told otherwise."""

logger = logging.getLogger("socialfeed.worker")


class RedisStreamPublisher:
    """Publishes outbox messages with ``XADD``, a whole batch in one round trip.

    ``max_length`` caps the stream (approximately, which is cheap): entries
    beyond it are dropped oldest first *whether or not every group read
    them*, so set it well above the backlog your workers can fall behind by,
    or leave it ``None`` and trim with ``XTRIM MINID`` yourself.
    """

    def __init__(
        self, client: redis.Redis, stream: str = DEFAULT_STREAM, *, max_length: int | None = None
    ) -> None:
        self.client = client
        self.stream = stream
        self.max_length = max_length

    def publish(self, messages: Sequence[OutboxMessage]) -> None:
        """Append ``messages`` to the stream in order; `BrokerError` if Redis failed."""
        pipe = self.client.pipeline(transaction=False)
        for message in messages:
            fields = {"seq": message.id, "data": message.data}
            pipe.xadd(self.stream, fields, maxlen=self.max_length, approximate=True)  # type: ignore[arg-type]
        try:
            pipe.execute()
        except redis.RedisError as error:
            raise BrokerError(f"Redis refused the batch: {type(error).__name__}") from error


class RedisStreamConsumer:
    """Reads one consumer group of the stream with ``XREADGROUP``; a worker's `Consumer`.

    The group is created (at the start of the stream, so a new group also
    gets the events published before it existed) when it is missing, which
    includes a Redis that restarted without its data. Messages this consumer
    (by name) took and never acknowledged come first, when it starts and after
    a Redis error; then those another consumer of the group left
    unacknowledged for ``claim_idle`` seconds (it died); then new ones. Dead letters go to
    ``dead_letter_stream`` (by default the stream's name with ``:dead``) with
    the reason, the group and the original id.

    The name, ``consumer``, is the host's name unless given, and stays the
    same across restarts: a worker that died and starts again takes back what
    it held at once, instead of waiting ``claim_idle`` for another to claim
    it. One live process at a time reads under a name: it holds the key
    ``<stream>:consumer:<group>:<name>``, which a thread renews, and a second
    process with the name waits, handing out nothing, until the first stops
    or, if it died, for up to ``name_lease`` seconds. So two workers of a
    group on one host need names of their own. Call `close` (or use the
    consumer as a context manager) when done, to free the name at once.

    When it takes its name, and every ``forget_idle`` seconds after, the
    consumer deletes from the group the consumers that hold no message and
    were idle for longer than ``forget_idle`` (workers that are gone);
    ``None`` keeps them.
    """

    def __init__(
        self,
        client: redis.Redis,
        group: str,
        *,
        stream: str = DEFAULT_STREAM,
        consumer: str | None = None,
        dead_letter_stream: str | None = None,
        claim_idle: float = 60.0,
        name_lease: float = 5.0,
        forget_idle: float | None = 600.0,
    ) -> None:
        if consumer == "":
            raise ValueError("a consumer name cannot be empty")
        if forget_idle is not None and forget_idle <= 0:
            raise ValueError("forget_idle must be positive, or None")
        self.client = client
        self.group = group
        self.stream = stream
        self.consumer = consumer or socket.gethostname()
        self.dead_letter_stream = dead_letter_stream or f"{stream}:dead"
        self.claim_idle = claim_idle
        self.forget_idle = forget_idle
        self._lease = NameLease(client, f"{stream}:consumer:{group}:{self.consumer}", name_lease)
        self._waiting_for_name = False
        self._next_forgetting = 0.0  # monotonic time; at once, once the name is taken
        self._group_ready = False
        # Messages this consumer took before and never acknowledged (its last
        # run died, or an acknowledgement failed): read again before new ones.
        self._own_pending = True

    def close(self) -> None:
        """Free the consumer's name for the next process that uses it."""
        self._lease.release()

    def __enter__(self) -> RedisStreamConsumer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def receive(self, count: int, timeout: float) -> list[Received]:
        """Claimed messages of dead consumers first, then new ones, waiting up to ``timeout``."""
        try:
            return self._receive(count, timeout)
        except redis.ResponseError as error:
            if "NOGROUP" not in str(error):
                self._own_pending = True
                raise BrokerError(f"Redis refused to read: {error}") from error
            self._group_ready = False  # the stream or group vanished: make it again
            return []
        except redis.RedisError as error:
            self._own_pending = True
            raise BrokerError(f"Redis failed: {type(error).__name__}") from error

    def acknowledge(self, messages: Sequence[Received]) -> None:
        """``XACK`` the messages."""
        if not messages:
            return
        try:
            self.client.xack(self.stream, self.group, *(m.message_id for m in messages))
        except redis.RedisError as error:
            self._own_pending = True
            raise BrokerError(f"Redis failed: {type(error).__name__}") from error

    def dead_letter(self, message: Received, reason: str) -> None:
        """Copy the message and ``reason`` to the dead-letter stream and acknowledge it, at once."""
        fields = {
            "data": message.data,
            "reason": reason,
            "group": self.group,
            "stream": self.stream,
            "message_id": message.message_id,
            "deliveries": message.deliveries,
        }
        pipe = self.client.pipeline(transaction=True)
        pipe.xadd(self.dead_letter_stream, fields)  # type: ignore[arg-type]
        pipe.xack(self.stream, self.group, message.message_id)
        try:
            pipe.execute()
        except redis.RedisError as error:
            self._own_pending = True
            raise BrokerError(f"Redis failed: {type(error).__name__}") from error

    def _receive(self, count: int, timeout: float) -> list[Received]:
        if not self._group_ready:
            self._create_group()
        # At the start and after an error, make sure the name is still ours
        # before reading what it holds; otherwise the lease's thread says.
        if (self._own_pending or not self._lease.held) and not self._take_name(timeout):
            return []
        if self.forget_idle is not None and time.monotonic() >= self._next_forgetting:
            self._forget_idle_consumers(self.forget_idle)
        if self._own_pending:
            mine = self._read("0", count, None)
            if mine:
                return self._with_deliveries(mine)
            self._own_pending = False
        claimed = self._claim(count)
        if claimed:
            return claimed
        return [
            Received(message_id, _data(fields), 1)
            for message_id, fields in self._read(">", count, timeout)
        ]

    def _read(self, start: str, count: int, timeout: float | None) -> list[tuple[str, Any]]:
        # BLOCK 0 would wait for ever: a timeout under a millisecond does not block.
        block = None if timeout is None or timeout < 0.001 else int(timeout * 1000)
        response: Any = self.client.xreadgroup(
            self.group, self.consumer, {self.stream: start}, count=count, block=block
        )
        # A list of [stream, entries] pairs (RESP2), or a mapping of them (RESP3).
        streams = (
            response.values() if isinstance(response, dict) else [e for _, e in response or []]
        )
        return self._present([entry for entries in streams for entry in entries])

    def _claim(self, count: int) -> list[Received]:
        reply: Any = self.client.xautoclaim(
            self.stream, self.group, self.consumer, int(self.claim_idle * 1000), count=count
        )
        # [next start id, entries, (Redis 7) ids deleted meanwhile]
        return self._with_deliveries(self._present(reply[1]))

    def _present(self, entries: Any) -> list[tuple[str, Any]]:
        """The entries that still hold a message; acknowledge those the stream trimmed away.

        A trimmed entry comes back without fields and can never be handled;
        left pending it would come back for ever.
        """
        present = [(_text(message_id), fields) for message_id, fields in entries if fields]
        gone = [_text(message_id) for message_id, fields in entries if not fields]
        if gone:
            self.client.xack(self.stream, self.group, *gone)
        return present

    def _with_deliveries(self, entries: list[tuple[str, Any]]) -> list[Received]:
        """Messages handed out before, with how often: XPENDING knows, the reads do not say.

        Every id between the first and the last is this consumer's and still
        pending (trimmed ones were acknowledged), so ``len(entries)`` covers them.
        """
        if not entries:
            return []
        pending: Any = self.client.xpending_range(
            self.stream, self.group, entries[0][0], entries[-1][0], len(entries), self.consumer
        )
        deliveries = {_text(p["message_id"]): int(p["times_delivered"]) for p in pending}
        return [
            Received(message_id, _data(fields), deliveries.get(message_id, 1))
            for message_id, fields in entries
        ]

    def _take_name(self, timeout: float) -> bool:
        """Take the consumer's name, or wait ``timeout`` seconds and tell that another holds it."""
        was_held = self._lease.held
        if self._lease.take():
            if not was_held:
                self._own_pending = True  # what the name's last holder left comes first
                if self._waiting_for_name:
                    logger.info("took the consumer name %s of group %s", self.consumer, self.group)
                self._waiting_for_name = False
            return True
        if not self._waiting_for_name:
            logger.warning(
                "the consumer name %s of group %s is held by another process (a worker running"
                " under that name, or one that died less than %g s ago): waiting for it;"
                " give each live worker of a group its own name",
                self.consumer,
                self.group,
                self._lease.lifetime,
            )
            self._waiting_for_name = True
        time.sleep(timeout)
        return False

    def _forget_idle_consumers(self, idle: float) -> None:
        forgotten = forget_idle_consumers(self.client, self.stream, self.group, idle, self.consumer)
        if forgotten:
            logger.info("forgot the idle consumers %s of group %s", forgotten, self.group)
        self._next_forgetting = time.monotonic() + idle

    def _create_group(self) -> None:
        try:
            self.client.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except redis.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise
        self._group_ready = True


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _data(fields: dict[bytes, bytes] | dict[str, str]) -> str:
    # bytes keys from a plain client, str keys from one with decode_responses=True.
    raw = fields.get(b"data") or fields.get("data")  # type: ignore[call-overload]
    return _text(raw) if raw is not None else ""
