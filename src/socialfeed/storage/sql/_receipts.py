"""The SQL receipts: which receiver handled which event."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import and_, delete, select, update

from socialfeed.storage.base import Claim
from socialfeed.storage.sql._common import Repository
from socialfeed.storage.sql.schema import receipts


class SQLReceipts(Repository):
    def claim(self, receiver: str, event_id: uuid.UUID, now: datetime, until: datetime) -> Claim:
        new = self._insert(receipts).values(
            receiver=receiver, event_id=event_id, handled_at=now, claimed_until=until
        )
        # Only a claim that lapsed is taken over; a complete receipt has no end.
        statement = new.on_conflict_do_update(
            index_elements=[receipts.c.receiver, receipts.c.event_id],
            set_={"handled_at": now, "claimed_until": until},
            where=receipts.c.claimed_until <= now,
        ).returning(receipts.c.receiver)
        if self._conn.execute(statement).first() is not None:
            return "claimed"
        found = select(receipts.c.claimed_until).where(
            receipts.c.receiver == receiver, receipts.c.event_id == event_id
        )
        return "done" if self._conn.execute(found).scalar() is None else "busy"

    def complete(self, receiver: str, event_id: uuid.UUID, handled_at: datetime) -> None:
        self._conn.execute(
            update(receipts)
            .where(receipts.c.receiver == receiver, receipts.c.event_id == event_id)
            .values(handled_at=handled_at, claimed_until=None)
        )

    def release(self, receiver: str, event_id: uuid.UUID) -> None:
        self._conn.execute(
            delete(receipts).where(
                receipts.c.receiver == receiver,
                receipts.c.event_id == event_id,
                receipts.c.claimed_until.is_not(None),
            )
        )

    def purge(self, handled_before: datetime) -> int:
        statement = delete(receipts).where(
            and_(receipts.c.claimed_until.is_(None), receipts.c.handled_at < handled_before)
        )
        return self._conn.execute(statement).rowcount
