"""The query parameters of list routes, and the header that carries the next cursor."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import Query, Response

from socialfeed import Page
from socialfeed.pagination import MAX_LIMIT

__all__ = ["NEXT_CURSOR", "PAGED", "Cursor", "Limit", "Offset", "items_of"]

T = TypeVar("T")

#: The response header that holds the cursor of the next page, when there is one.
NEXT_CURSOR = "X-Next-Cursor"

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="How many items, at most")]
Offset = Annotated[int, Query(ge=0, description="How many items to skip")]
Cursor = Annotated[
    str | None,
    Query(description=f"The `{NEXT_CURSOR}` of the previous page, to read the next one"),
]


def items_of(page: Page[T], response: Response) -> tuple[T, ...]:
    """Return a page's items, putting its next cursor in the response's headers."""
    if page.next_cursor is not None:
        response.headers[NEXT_CURSOR] = page.next_cursor
    return page.items


#: The 200 answer of a list route, documented with its cursor header.
PAGED: dict[int | str, dict[str, Any]] = {
    200: {
        "headers": {
            NEXT_CURSOR: {
                "description": "Present when more items exist: pass it back as `cursor`",
                "schema": {"type": "string"},
            }
        }
    }
}
