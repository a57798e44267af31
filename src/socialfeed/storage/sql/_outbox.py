"""The SQL outbox: one table, written in the action's transaction, read by the relay.

On PostgreSQL an insert notifies the channel a relay listens on (delivered at
commit, folded into one per transaction). A relay claims its batch in one
statement that claims nothing while another relay's lease runs; on
PostgreSQL a transaction-level advisory lock serialises the claims, so that
two relays never claim the same rows, and on SQLite the claiming write
transaction (``BEGIN IMMEDIATE``) already has the database to itself. The
claim, and later the mark, are short transactions: nothing here is held
while the relay talks to the broker.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, bindparam, delete, exists, func, insert, select, text, update

from socialfeed.storage.base import OutboxMessage
from socialfeed.storage.sql._common import Repository
from socialfeed.storage.sql.schema import UTCDateTime, outbox

__all__ = ["NOTIFY_CHANNEL", "OutboxListener", "SQLOutbox"]

logger = logging.getLogger("socialfeed.relay")

NOTIFY_CHANNEL = "socialfeed_outbox"
# Any constant unique to socialfeed: the key of the advisory lock relays claim under.
_RELAY_LOCK = 0x50C1A1FEED

_NOTIFY = text(f"SELECT pg_notify('{NOTIFY_CHANNEL}', '')")
_LOCK = text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=_RELAY_LOCK)
_INSERT = insert(outbox).returning(outbox.c.id, sort_by_parameter_order=True)


def _of_rows(**values: Any) -> Any:
    """An UPDATE of the rows whose ids are bound as ``ids``."""
    return update(outbox).where(outbox.c.id.in_(bindparam("ids", expanding=True))).values(**values)


def _messages(rows: Iterable[Any]) -> list[OutboxMessage]:
    return [OutboxMessage(row.id, row.data) for row in rows]


_UNPUBLISHED = (
    select(outbox.c.id, outbox.c.data)
    .where(~outbox.c.published)
    .order_by(outbox.c.id)
    .limit(bindparam("limit"))
)
# The oldest unpublished rows, unless another relay's claim runs past "now".
_in_flight = outbox.alias("in_flight")
_CLAIMABLE = _UNPUBLISHED.where(
    ~exists().where(_in_flight.c.claimed_until > bindparam("now", type_=UTCDateTime))
)
# By the ids just read: an UPDATE over a subquery may be planned as a scan of the whole table.
_CLAIM = _of_rows(claimed_until=bindparam("until"))
_RECORDED_SINCE = (
    select(outbox.c.id, outbox.c.data)
    .where(outbox.c.id > bindparam("after"), outbox.c.created_at >= bindparam("since"))
    .order_by(outbox.c.id)
    .limit(bindparam("limit"))
)
_UNDELIVERED = (
    select(outbox.c.id, outbox.c.data)
    .where(
        ~outbox.c.delivered,
        outbox.c.id > bindparam("after"),
        outbox.c.created_at < bindparam("before"),
    )
    .order_by(outbox.c.id)
    .limit(bindparam("limit"))
)
_MARK_PUBLISHED = _of_rows(published=True, claimed_until=None)
_RELEASE = _of_rows(claimed_until=None)
_MARK_DELIVERED = _of_rows(delivered=True)
# Two counts, each over its partial index, not one pass over every row kept.
_COUNTS = select(
    select(func.count()).where(~outbox.c.published).scalar_subquery(),
    select(func.count()).where(~outbox.c.delivered).scalar_subquery(),
)


class SQLOutbox(Repository):
    def add(self, data: Sequence[str], created_at: datetime, *, delivered: bool) -> list[int]:
        rows = [
            {"created_at": created_at, "data": item, "published": False, "delivered": delivered}
            for item in data
        ]
        # SQLAlchemy batches the rows into one INSERT and returns the ids in their order.
        result = list(self._conn.execute(_INSERT, rows).scalars())
        if self._on_postgresql:
            self._conn.execute(_NOTIFY)
        return result

    def unpublished(self, limit: int) -> list[OutboxMessage]:
        rows = self._conn.execute(_UNPUBLISHED, {"limit": limit})
        return _messages(rows)

    def claim(self, limit: int, now: datetime, until: datetime) -> list[OutboxMessage]:
        if self._on_postgresql:
            self._conn.execute(_LOCK)
        rows = self._conn.execute(_CLAIMABLE, {"limit": limit, "now": now})
        batch = _messages(rows)
        if batch:
            self._conn.execute(_CLAIM, {"ids": [message.id for message in batch], "until": until})
        return batch

    def mark_published(self, ids: Sequence[int]) -> None:
        if ids:
            self._conn.execute(_MARK_PUBLISHED, {"ids": list(ids)})

    def release(self, ids: Sequence[int]) -> None:
        if ids:
            self._conn.execute(_RELEASE, {"ids": list(ids)})

    def recorded_since(self, since: datetime, after_id: int, limit: int) -> list[OutboxMessage]:
        parameters = {"since": since, "after": after_id, "limit": limit}
        rows = self._conn.execute(_RECORDED_SINCE, parameters)
        return _messages(rows)

    def undelivered(
        self, recorded_before: datetime, after_id: int, limit: int
    ) -> list[OutboxMessage]:
        parameters = {"before": recorded_before, "after": after_id, "limit": limit}
        rows = self._conn.execute(_UNDELIVERED, parameters)
        return _messages(rows)

    def mark_delivered(self, ids: Sequence[int]) -> None:
        if ids:
            self._conn.execute(_MARK_DELIVERED, {"ids": list(ids)})

    def counts(self) -> tuple[int, int]:
        unpublished, undelivered = self._conn.execute(_COUNTS).one()
        return unpublished, undelivered

    def purge(self, recorded_before: datetime) -> int:
        done = delete(outbox).where(
            outbox.c.published, outbox.c.delivered, outbox.c.created_at < recorded_before
        )
        return self._conn.execute(done).rowcount

    @property
    def _on_postgresql(self) -> bool:
        return self._conn.dialect.name == "postgresql"


class OutboxListener:
    """PostgreSQL: wakes a relay when a commit notifies the outbox channel.

    It holds one connection of its own, out of the pool's hands, in
    autocommit and listening. A driver error drops it (a new one listens at
    the next wait) and the wait becomes a plain sleep, so that the relay polls
    while the database is away.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Any = None

    def wait(self, timeout: float) -> None:
        """Return at the next notification, or after ``timeout`` seconds."""
        try:
            if self._conn is None:
                self._conn = self._engine.raw_connection()
                self._conn.driver_connection.autocommit = True
                self._conn.driver_connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
            for _ in self._conn.driver_connection.notifies(timeout=timeout, stop_after=1):
                break
        except Exception as error:  # the driver's errors: fall back to polling
            logger.warning("relay: listening failed (%s); polling", type(error).__name__)
            self.close()
            time.sleep(timeout)

    def close(self) -> None:
        """Drop the listening connection."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                conn.invalidate()  # never back to the pool: it listens
            except Exception:
                logger.debug("relay: closing the listening connection failed", exc_info=True)
