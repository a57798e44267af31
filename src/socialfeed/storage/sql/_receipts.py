"""The SQL receipts: which receiver handled which event."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, exists, select

from socialfeed.storage.sql._common import Repository
from socialfeed.storage.sql.schema import receipts


class SQLReceipts(Repository):
    def exists(self, receiver: str, event_id: uuid.UUID) -> bool:
        mine = exists().where(receipts.c.receiver == receiver, receipts.c.event_id == event_id)
        return bool(self._conn.execute(select(mine)).scalar())

    def add(self, receiver: str, event_id: uuid.UUID, handled_at: datetime) -> bool:
        statement = (
            self._insert(receipts)
            .values(receiver=receiver, event_id=event_id, handled_at=handled_at)
            .on_conflict_do_nothing()
            .returning(receipts.c.handled_at)
        )
        return self._conn.execute(statement).first() is not None

    def purge(self, handled_before: datetime) -> int:
        statement = delete(receipts).where(receipts.c.handled_at < handled_before)
        return self._conn.execute(statement).rowcount
