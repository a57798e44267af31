"""Serve the FastAPI example with uvicorn: ``python -m examples.fastapi_app --host H --port P``.

The database is ``SOCIALFEED_DATABASE_URL`` (an SQLite file in the working
directory by default); its tables are created on start. ``--demo`` fills it
with a small demo world first, unless it is already there.
"""

from __future__ import annotations

import argparse
import json
import socket
from collections.abc import Callable, Sequence
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from examples import demo
from examples.fastapi_app.app import create_app, feed_from_environment
from examples.fastapi_app.guards import HEADERS_TOO_LARGE, MAX_HEADER_BYTES

__all__ = ["SERVER_LIMITS", "main"]


class _H11Protocol(H11Protocol):
    """Uvicorn's h11 connection, answering a head past the limit as the app does: 431 JSON.

    A head sent whole reaches the app, whose guard counts it. One still
    arriving when it passes ``h11_max_incomplete_event_size`` is refused by h11
    first, which uvicorn answers with a plain-text 400; this answers it 431.
    """

    def send_400_response(self, msg: str) -> None:
        """Answer 431 JSON if h11 gave up on a head too long, else as uvicorn does."""
        received, _ = self.conn.trailing_data
        if self.conn.their_state is not h11.ERROR or len(received) <= MAX_HEADER_BYTES:
            super().send_400_response(msg)
            return
        body = json.dumps({"detail": HEADERS_TOO_LARGE}, separators=(",", ":")).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        self.transport.write(
            self.conn.send(h11.Response(status_code=431, headers=headers, reason=HEADERS_TOO_LARGE))
            or b""
        )
        self.transport.write(self.conn.send(h11.Data(data=body)) or b"")
        self.transport.write(self.conn.send(h11.EndOfMessage()) or b"")
        self.transport.close()


# --8<-- [start:limits]
#: What uvicorn allows each client, written out rather than left to its defaults.
#: An idle or trickling connection costs uvicorn a socket and no worker, so a few
#: hundred of them do not lock it out; what it lacks is a deadline for a request's
#: headers (a trickler keeps its connection for as long as it trickles), which is
#: one reason to run it behind a reverse proxy with its own connection and
#: header-time limits.
SERVER_LIMITS: dict[str, Any] = {
    # Open connections plus running requests, past which a new request is answered
    # 503. Idle connections count too, so it is high: it bounds memory, not load.
    "limit_concurrency": 1000,
    # Seconds an idle keep-alive connection stays open after a response.
    "timeout_keep_alive": 5,
    # The h11 parser, whose limit below bounds a request line and headers still
    # arriving (answered 431); the app's guard bounds one received whole alike.
    "http": _H11Protocol,
    "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
}
# --8<-- [end:limits]


class _Server(uvicorn.Server):
    """A uvicorn server that tells, once its socket listens, where to find it."""

    def __init__(self, config: uvicorn.Config, on_listening: Callable[[str], None]) -> None:
        super().__init__(config)
        self._on_listening = on_listening

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """Start as uvicorn does, then announce the URL it listens on."""
        await super().startup(sockets=sockets)
        if self.started:
            self._on_listening(self._url())

    def _url(self) -> str:
        host = self.config.host
        port = self.config.port
        listening = self.servers[0].sockets if self.servers else ()
        if listening:
            port = listening[0].getsockname()[1]  # the real one, when asked for port 0
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the command line and serve until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m examples.fastapi_app",
        description="Serve the socialfeed REST API (FastAPI example) with uvicorn.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    parser.add_argument(
        "--demo",
        action="store_true",
        help=f"seed a demo world (log in as {demo.DEMO_EMAIL}) unless it is already there",
    )
    args = parser.parse_args(argv)

    if args.demo:
        # The facade is built here rather than by the app's lifespan, so that the
        # demo world is in the database before the first request arrives.
        feed = feed_from_environment()
        app = create_app(feed)
        demo.seed(feed)
    else:
        feed = None
        app = create_app()

    def announce(url: str) -> None:
        print(f"socialfeed FastAPI example listening on {url}", flush=True)
        if args.demo:
            print(f"Interactive docs: {url}/docs", flush=True)
            print(f"Demo account: {demo.DEMO_EMAIL} / {demo.DEMO_PASSWORD}", flush=True)

    config = uvicorn.Config(app, host=args.host, port=args.port, **SERVER_LIMITS)
    server = _Server(config, announce)
    try:
        server.run()
    finally:
        if feed is not None:
            feed.close()


if __name__ == "__main__":
    main()
