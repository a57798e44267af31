"""Keyset pagination: opaque cursors and the request every list method builds.

A cursor encodes the sort key of the last item on a page, ``(time, id)``, so
the next page starts strictly after it and stays stable when new items arrive.
Clients must treat it as opaque; its format may change between versions.

A cursor also carries a short fingerprint of the list it was made for (the
method and its arguments, see `listing`): handed to another list, or to the
same list of another user, it is a ValidationError rather than a page that
starts at a position of some other list. And only the exact text `encode`
makes is a cursor: a forged variant of one (a ``+`` sign, other digits,
padding) is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from attrs import frozen

from socialfeed.errors import ValidationError
from socialfeed.models import MAX_ID, Page

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "PageRequest", "Position", "listing", "page_of"]

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

    def encode(self, listing: str = "") -> str:
        """Return this position as an opaque, URL-safe cursor of the list ``listing``."""
        micros = (self.at - _EPOCH) // _MICROSECOND
        raw = f"{micros}:{self.id}:{_fingerprint(listing)}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str, listing: str = "") -> Position:
        """Parse a cursor `encode` made for ``listing``; anything else is a ValidationError."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
            micros, item_id, _ = raw.split(":")
            position = cls(_EPOCH + int(micros) * _MICROSECOND, int(item_id))
            # Only the very text encode makes: int() alone would take "+1",
            # "1_0", " 1" or Arabic-Indic digits, a forged cursor's variants.
            canonical = position.encode(listing) == cursor
        except (binascii.Error, UnicodeDecodeError, ValueError, OverflowError):
            canonical = False
        if not canonical:
            raise ValidationError("cursor", "is not a cursor this library made")
        # No item is older than the Unix epoch, nor has an id no row can have.
        if position.at < _EPOCH or not 0 < position.id <= MAX_ID:
            raise ValidationError("cursor", "is not a cursor this library made")
        return position


_LISTING: ContextVar[str] = ContextVar("socialfeed_listing", default="")


@contextmanager
def listing(name: str) -> Iterator[None]:
    """Make the cursors read and made inside the block those of the list ``name``.

    Every public service method that takes a cursor runs inside one, named
    after the method and the arguments that choose the list (see
    `socialfeed.services._arguments`), so that no list takes another's cursor.
    """
    token = _LISTING.set(name)
    try:
        yield
    finally:
        _LISTING.reset(token)


def _fingerprint(name: str) -> str:
    # Short, and says nothing of the list: cursors stay opaque.
    return hashlib.blake2b(name.encode(), digest_size=6).hexdigest()


@frozen
class PageRequest:
    """A validated page request: how many items, and where to start.

    ``after`` comes from a cursor; ``offset`` skips items for clients that
    page by offset (the REST contract's ``offset``). Both may be combined.
    """

    limit: int
    after: Position | None
    offset: int
    listing: str = ""

    @classmethod
    def build(cls, limit: int, cursor: str | None, offset: int) -> PageRequest:
        """Validate a caller's ``limit``, ``cursor`` and ``offset``."""
        if not 1 <= limit <= MAX_LIMIT:
            raise ValidationError("limit", f"must be between 1 and {MAX_LIMIT}")
        if not 0 <= offset <= MAX_ID:
            # Past a 64-bit integer no database can skip that far; refuse rather than overflow.
            raise ValidationError("offset", f"must be between 0 and {MAX_ID}")
        name = _LISTING.get()
        after = Position.decode(cursor, name) if cursor is not None else None
        return cls(limit, after, offset, name)


def page_of(rows: Sequence[T], request: PageRequest, position: Callable[[T], Position]) -> Page[T]:
    """Turn the rows a repository fetched into a page.

    Repositories fetch ``limit + 1`` rows: the extra row only tells that a
    next page exists, and is not returned.
    """
    items = tuple(rows[: request.limit])
    has_more = len(rows) > request.limit
    return Page(items, position(items[-1]).encode(request.listing) if has_more else None)
