"""Serve the Flask example with waitress: ``python -m examples.flask_app --host H --port P``.

The database is the one named by ``SOCIALFEED_DATABASE_URL`` (default: the
SQLite file ``socialfeed.db`` in the working directory); its tables are
created on start. ``--demo`` fills it with the demo world first, unless it is
already there.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
from collections.abc import Sequence
from typing import Any

# waitress ships no type information.
from waitress import create_server  # type: ignore[import-untyped]
from waitress.channel import HTTPChannel  # type: ignore[import-untyped]
from waitress.parser import HTTPRequestParser  # type: ignore[import-untyped]
from waitress.task import ErrorTask  # type: ignore[import-untyped]
from waitress.utilities import RequestEntityTooLarge  # type: ignore[import-untyped]

from examples import demo
from examples.flask_app.app import create_app
from examples.flask_app.extension import current_feed, feed_from_environment
from examples.flask_app.guards import BODY_TOO_LARGE, MAX_BODY_BYTES, MAX_HEADER_BYTES

__all__ = ["SERVER_LIMITS", "main"]

# --8<-- [start:limits]
#: What waitress allows each client, so that idle or trickling connections cannot
#: lock the server out. Waitress counts a connection from its first byte, not its
#: request: past ``connection_limit`` open ones it accepts no more, and its default
#: of 100 fell to 101 idle sockets. Each byte received restarts ``channel_timeout``,
#: so a client trickling a byte at a time keeps its connection; it keeps no worker
#: thread though (a request reaches a thread only once fully received), so raising
#: the connection limit is what keeps the server answering. A reverse proxy in
#: front, with its own connection and header-time limits, is what stops a real flood.
SERVER_LIMITS: dict[str, Any] = {
    # Open connections; select() cannot watch more than 1024 sockets, poll() can.
    "connection_limit": 1000,
    "asyncore_use_poll": True,
    # Seconds of silence before a connection is closed, checked every cleanup_interval.
    "channel_timeout": 30,
    "cleanup_interval": 10,
    # The request line and headers, past which waitress answers 431, as the
    # FastAPI example does. Waitress refuses a head that *reaches* its setting.
    "max_request_header_size": MAX_HEADER_BYTES + 1,
    # Waitress also refuses a body that reaches its setting, and counts a chunked
    # body's framing with it; _Parser holds the body itself to MAX_BODY_BYTES, so
    # this only bounds what the framing of a chunked body may add.
    "max_request_body_size": 8 * MAX_BODY_BYTES,
}
# --8<-- [end:limits]


class _Parser(HTTPRequestParser):  # type: ignore[misc]
    """Waitress's request parser, refusing (413) a body of more than MAX_BODY_BYTES exactly.

    A ``Content-Length`` over it is refused once the headers are read, before the
    body is; a chunked body, once what it decoded so far passes it.
    """

    def received(self, data: bytes) -> int:
        consumed: int = super().received(data)
        error: object = getattr(self, "error", None)
        if error is None and self.headers_finished:
            size = len(self.body_rcv) if self.chunked and self.body_rcv else self.content_length
            if size > MAX_BODY_BYTES:
                self.error = RequestEntityTooLarge(f"exceeds max_body of {MAX_BODY_BYTES}")
                self.completed = True
        return consumed


class _JSONErrorTask(ErrorTask):  # type: ignore[misc]
    """Waitress's answer to a request it refuses itself (413, 431, 400), in the API's JSON shape."""

    def execute(self) -> None:
        error = self.request.error
        detail = BODY_TOO_LARGE if error.code == 413 else error.reason
        body = json.dumps({"detail": detail}, separators=(",", ":")).encode()
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", "application/json"))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class _Channel(HTTPChannel):  # type: ignore[misc]
    """A waitress connection whose own error answers are JSON."""

    error_task_class = _JSONErrorTask
    parser_class = _Parser


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the command line and serve until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m examples.flask_app",
        description="Serve the socialfeed REST API with Flask on waitress.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    parser.add_argument("--threads", type=int, default=8, help="worker threads")
    parser.add_argument(
        "--demo",
        action="store_true",
        help=f"seed a demo world (log in as {demo.DEMO_EMAIL}) unless it is already there",
    )
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO)
    # Stop on SIGTERM (a service manager, a container) as on Ctrl+C: the
    # database connections are then closed on the way out.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    # --8<-- [start:serve]
    if args.demo:
        # Seeded before the server listens, so the first request sees the demo world.
        feed = feed_from_environment()
        app = create_app(feed)
        demo.seed(feed)
    else:
        app = create_app()
    # create_server binds and listens at once, so the URL printed below is live.
    server = create_server(
        app, host=args.host, port=args.port, threads=args.threads, **SERVER_LIMITS
    )
    server.channel_class = _Channel
    host = f"[{args.host}]" if ":" in args.host else args.host
    port = getattr(server, "effective_port", args.port)
    print(f"socialfeed Flask example listening on http://{host}:{port}", flush=True)
    if args.demo:
        print(f"Demo account: {demo.DEMO_EMAIL} / {demo.DEMO_PASSWORD}", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        with app.app_context():
            current_feed().close()
    # --8<-- [end:serve]


if __name__ == "__main__":
    main()
