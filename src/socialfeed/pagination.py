"""Keyset pagination: opaque cursors and the request every list method builds.

A cursor encodes the sort key of the last item on a page, ``(time, id)``, so
the next page starts strictly after it and stays stable when new items arrive.
Clients must treat it as opaque; its format may change between versions.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from attrs import frozen

from socialfeed.errors import ValidationError
from socialfeed.models import MAX_ID, Page

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "PageRequest", "Position", "page_of"]

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
T = TypeVar("T")


@frozen
class Position:
    """Where a page ends: the sort time and id of its last item."""

    at: datetime
    id: int

    def encode(self) -> str:
        """Return this position as an opaque, URL-safe cursor."""
        micros = (self.at - _EPOCH) // _MICROSECOND
        raw = f"{micros}:{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str) -> Position:
        """Parse a cursor made by `encode`; anything else is a ValidationError."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
            micros, item_id = (int(part) for part in raw.split(":"))
            if not 0 < item_id <= MAX_ID:
                raise ValueError("id out of range")
            return cls(_EPOCH + micros * _MICROSECOND, item_id)
        except (binascii.Error, UnicodeDecodeError, ValueError, OverflowError):
            raise ValidationError("cursor", "is not a cursor this library made") from None


@frozen
class PageRequest:
    """A validated page request: how many items, and where to start.

    ``after`` comes from a cursor; ``offset`` skips items for clients that
    page by offset (the REST contract's ``offset``). Both may be combined.
    """

    limit: int
    after: Position | None
    offset: int

    @classmethod
    def build(cls, limit: int, cursor: str | None, offset: int) -> PageRequest:
        """Validate a caller's ``limit``, ``cursor`` and ``offset``."""
        if not 1 <= limit <= MAX_LIMIT:
            raise ValidationError("limit", f"must be between 1 and {MAX_LIMIT}")
        if not 0 <= offset <= MAX_ID:
            # Past a 64-bit integer no database can skip that far; refuse rather than overflow.
            raise ValidationError("offset", f"must be between 0 and {MAX_ID}")
        after = Position.decode(cursor) if cursor is not None else None
        return cls(limit, after, offset)


def page_of(rows: Sequence[T], request: PageRequest, position: Callable[[T], Position]) -> Page[T]:
    """Turn the rows a repository fetched into a page.

    Repositories fetch ``limit + 1`` rows: the extra row only tells that a
    next page exists, and is not returned.
    """
    items = tuple(rows[: request.limit])
    has_more = len(rows) > request.limit
    return Page(items, position(items[-1]).encode() if has_more else None)
