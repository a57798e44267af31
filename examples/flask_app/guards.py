"""Checks on a request's framing that run before any route reads it: body size and credentials.

The FastAPI example makes the same checks with the same answers (the tests
hold both to it): a body over :data:`MAX_BODY_BYTES` is 413, refused from its
``Content-Length`` before it is read, or, without one (chunked), as soon as
reading it passes the limit; several credentials in ``Authorization`` are 400.
"""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.exceptions import RequestEntityTooLarge

from examples.flask_app.errors import error_response

__all__ = [
    "BODY_TOO_LARGE",
    "MAX_BODY_BYTES",
    "MAX_HEADER_BYTES",
    "ONE_CREDENTIAL",
    "install_guards",
]

#: The largest request body accepted, in bytes. The largest valid body is a
#: post of 2,200 characters with a 2,048-character image URL: about 51 KB even
#: with every character written as a JSON escape. 64 KiB leaves room for that.
MAX_BODY_BYTES = 64 * 1024
BODY_TOO_LARGE = f"Request body too large: at most {MAX_BODY_BYTES} bytes"
ONE_CREDENTIAL = "Send one Authorization header with one credential"
#: The largest request line and headers accepted, CRLFs included: waitress
#: answers 431 past it (see ``__main__.py``), as the FastAPI example does.
MAX_HEADER_BYTES = 16 * 1024


def _check_request() -> Response | None:
    """Refuse a body too large to read, then several credentials; ``None`` lets the request on."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return error_response(413, BODY_TOO_LARGE)
    # A WSGI server hands repeated headers on joined with ", ", and no credential
    # of ours has a comma: a comma means several, and none of them is chosen.
    if "," in request.headers.get("Authorization", ""):
        return error_response(400, ONE_CREDENTIAL)
    return None


def _too_large(error: RequestEntityTooLarge) -> Response:
    """Answer a chunked body that passed the limit while a route read it."""
    return error_response(413, BODY_TOO_LARGE)


def install_guards(app: Flask) -> None:
    """Run the checks before every route of ``app``, and cap what Werkzeug reads of a body."""
    # Werkzeug stops a body without a length (chunked) at this size as it reads it.
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.before_request(_check_request)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
