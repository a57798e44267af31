"""The receipts area of the contract: which receiver has handled which event.

Each backend implements this repository in its own ``_receipts`` module.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

__all__ = ["ReceiptRepository"]


class ReceiptRepository(Protocol):
    """Receipts of handled events, one per receiver name and event id.

    They make a receiver idempotent by event id (`socialfeed.handlers.once_per_event`).
    """

    def exists(self, receiver: str, event_id: uuid.UUID) -> bool:
        """Tell whether ``receiver`` has a receipt for the event."""
        ...

    def add(self, receiver: str, event_id: uuid.UUID, handled_at: datetime) -> bool:
        """Record that ``receiver`` handled the event; ``False`` if it was recorded before."""
        ...

    def purge(self, handled_before: datetime) -> int:
        """Delete the receipts recorded before the time; return how many."""
        ...
