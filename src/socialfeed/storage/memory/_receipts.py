"""The memory receipts: which receiver handled which event, in a dict."""

from __future__ import annotations

import uuid
from datetime import datetime

from socialfeed.storage.base import Claim
from socialfeed.storage.memory._tables import Repository


class Receipts(Repository):
    def claim(self, receiver: str, event_id: uuid.UUID, now: datetime, until: datetime) -> Claim:
        _, held_until = self._t.receipts.get((receiver, event_id), (now, now))
        if held_until is None:
            return "done"
        if held_until > now:
            return "busy"
        self._j.set(self._t.receipts, (receiver, event_id), (now, until))
        return "claimed"

    def complete(self, receiver: str, event_id: uuid.UUID, handled_at: datetime) -> None:
        self._j.set(self._t.receipts, (receiver, event_id), (handled_at, None))

    def release(self, receiver: str, event_id: uuid.UUID) -> None:
        self._delete_where(
            self._t.receipts, lambda key, row: key == (receiver, event_id) and row[1] is not None
        )

    def purge(self, handled_before: datetime) -> int:
        return self._delete_where(
            self._t.receipts, lambda _, row: row[1] is None and row[0] < handled_before
        )
