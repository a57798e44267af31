"""Checks on a request's framing that run before the app reads it: sizes and credentials.

They are ASGI middleware, so that they answer before any route decodes a body
or looks up a token: a 10 MB body is refused from its ``Content-Length``
alone, never read. The Flask example makes the same checks, with the same
answers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "BODY_TOO_LARGE",
    "HEADERS_TOO_LARGE",
    "MAX_BODY_BYTES",
    "MAX_HEADER_BYTES",
    "ONE_CREDENTIAL",
    "RequestGuard",
    "head_size",
    "several_credentials",
]

#: The largest request body accepted, in bytes. The largest valid body is a
#: post of 2,200 characters with a 2,048-character image URL: about 51 KB even
#: with every character written as a JSON escape. 64 KiB leaves room for that.
MAX_BODY_BYTES = 64 * 1024
BODY_TOO_LARGE = f"Request body too large: at most {MAX_BODY_BYTES} bytes"
ONE_CREDENTIAL = "Send one Authorization header with one credential"
#: The largest request line and headers accepted, in bytes, counted as sent:
#: ``METHOD target HTTP/1.1``, each ``Name: value`` and every CRLF, the blank
#: line's included. A larger head is 431, as the Flask example answers it.
MAX_HEADER_BYTES = 16 * 1024
HEADERS_TOO_LARGE = "Request Header Fields Too Large"


def head_size(scope: Scope) -> int:
    """Count the bytes of a request's line and headers, as a client writes them.

    The server has parsed them already, so this counts them back from the
    scope: ``METHOD target HTTP/x\\r\\n``, ``name: value\\r\\n`` for each
    header and the closing ``\\r\\n``.
    """
    target = len(scope.get("raw_path") or scope["path"].encode())
    query = scope.get("query_string", b"")
    if query:
        target += 1 + len(query)
    line = len(scope["method"]) + 1 + target + len(" HTTP/") + len(scope["http_version"]) + 2
    headers = sum(len(name) + 2 + len(value) + 2 for name, value in scope["headers"])
    return line + headers + 2


def several_credentials(values: Iterable[str]) -> bool:
    """Tell whether the ``Authorization`` values of a request hold more than one credential.

    A WSGI server joins repeated headers with ", ", so the Flask app sees two
    headers as one value with a comma; no credential of ours has a comma. Both
    apps refuse both forms, so that none reads the first and another the last.
    """
    values = list(values)
    return len(values) > 1 or any("," in value for value in values)


class RequestGuard:
    """Refuse a request before the app reads it: 431, 413 or 400.

    431 for a head over :data:`MAX_HEADER_BYTES`, 413 for a body over
    :data:`MAX_BODY_BYTES` and 400 for several credentials.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the headers, then count the body's bytes as the app reads them."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if head_size(scope) > MAX_HEADER_BYTES:
            await _answer(send, 431, HEADERS_TOO_LARGE, close=True)
            return
        headers = [(name.lower(), value) for name, value in scope["headers"]]
        lengths = [value for name, value in headers if name == b"content-length"]
        if any(not length.isdigit() or int(length) > MAX_BODY_BYTES for length in lengths):
            # Closing the connection spares reading a body nobody will look at.
            await _answer(send, 413, BODY_TOO_LARGE, close=True)
            return
        credentials = [
            value.decode("latin-1") for name, value in headers if name == b"authorization"
        ]
        if several_credentials(credentials):
            await _answer(send, 400, ONE_CREDENTIAL)
            return
        await self.app(scope, _counting(receive), send)


def _counting(receive: Receive) -> Receive:
    """Wrap ``receive`` to refuse a body without a length (chunked) once it passes the limit."""
    received = 0

    async def counted() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > MAX_BODY_BYTES:
                # Raised where the route reads its body: FastAPI lets an
                # HTTPException through, and the app's handler answers it.
                raise HTTPException(413, BODY_TOO_LARGE, headers={"Connection": "close"})
        return message

    return counted


async def _answer(send: Send, status: int, detail: str, *, close: bool = False) -> None:
    body = json.dumps({"detail": detail}, separators=(",", ":"), ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
