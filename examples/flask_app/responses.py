"""The few kinds of successful answer the routes give."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask import Response, current_app

__all__ = ["json_response", "list_response", "no_content"]


def json_response(body: Mapping[str, object], status: int = 200) -> Response:
    """Return ``body`` as JSON with ``status``."""
    return current_app.response_class(
        current_app.json.dumps(body), status=status, mimetype="application/json"
    )


# --8<-- [start:list_response]
def list_response(
    items: Iterable[Mapping[str, object]], next_cursor: str | None = None
) -> Response:
    """Return a JSON array; ``X-Next-Cursor`` tells the cursor of the next page, if any."""
    response = current_app.response_class(
        current_app.json.dumps(list(items)), mimetype="application/json"
    )
    if next_cursor is not None:
        response.headers["X-Next-Cursor"] = next_cursor
    return response


# --8<-- [end:list_response]


def no_content() -> Response:
    """Return an empty ``204 No Content``."""
    response = current_app.response_class(status=204)
    # Flask gives every response a text/html type; a 204 has no body to type.
    del response.headers["Content-Type"]
    return response
