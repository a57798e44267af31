"""The memory receipts: which receiver handled which event, in a dict."""

from __future__ import annotations

import uuid
from datetime import datetime

from socialfeed.storage.memory._tables import Repository


class Receipts(Repository):
    def exists(self, receiver: str, event_id: uuid.UUID) -> bool:
        return (receiver, event_id) in self._t.receipts

    def add(self, receiver: str, event_id: uuid.UUID, handled_at: datetime) -> bool:
        if (receiver, event_id) in self._t.receipts:
            return False
        self._j.set(self._t.receipts, (receiver, event_id), handled_at)
        return True

    def purge(self, handled_before: datetime) -> int:
        return self._delete_where(self._t.receipts, lambda _, at: at < handled_before)
