"""The receipts area of the contract: which receiver has handled which event.

Each backend implements this repository in its own ``_receipts`` module.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal, Protocol

__all__ = ["Claim", "ReceiptRepository"]

Claim = Literal["claimed", "done", "busy"]
"""What a claim found: the event is now ours, handled before, or held by another claim."""


class ReceiptRepository(Protocol):
    """Receipts of events, one per receiver name and event id.

    A receipt is first a *claim*, held until a time, while the receiver runs;
    then *complete*. They make a receiver idempotent by event id
    (`socialfeed.handlers.once_per_event`).
    """

    def claim(self, receiver: str, event_id: uuid.UUID, now: datetime, until: datetime) -> Claim:
        """Claim the event for ``receiver`` until ``until``: ``"claimed"`` if it now holds it.

        ``"done"`` if the receipt is complete, ``"busy"`` if another claim
        holds it after ``now``; a claim that lapsed is taken over. Of two
        transactions that claim one event at once, one gets it and the
        other waits for its commit, then finds it busy.
        """
        ...

    def complete(self, receiver: str, event_id: uuid.UUID, handled_at: datetime) -> None:
        """Turn a claim into a complete receipt."""
        ...

    def release(self, receiver: str, event_id: uuid.UUID) -> None:
        """Drop a claim that is not complete, so the event can be claimed again at once."""
        ...

    def purge(self, handled_before: datetime) -> int:
        """Delete the complete receipts handled before the time; return how many."""
        ...
