"""Serve the Flask example with waitress: ``python -m examples.flask_app --host H --port P``.

The database is the one named by ``SOCIALFEED_DATABASE_URL`` (default: the
SQLite file ``socialfeed.db`` in the working directory); its tables are
created on start.
"""

from __future__ import annotations

import argparse
import logging
import signal
from collections.abc import Sequence

# waitress ships no type information.
from waitress import create_server  # type: ignore[import-untyped]

from examples.flask_app.app import create_app
from examples.flask_app.extension import current_feed


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the command line and serve until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m examples.flask_app",
        description="Serve the socialfeed REST API with Flask on waitress.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    parser.add_argument("--threads", type=int, default=8, help="worker threads")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO)
    # Stop on SIGTERM (a service manager, a container) as on Ctrl+C: the
    # database connections are then closed on the way out.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    # --8<-- [start:serve]
    app = create_app()
    # create_server binds and listens at once, so the URL printed below is live.
    server = create_server(app, host=args.host, port=args.port, threads=args.threads)
    host = f"[{args.host}]" if ":" in args.host else args.host
    port = getattr(server, "effective_port", args.port)
    print(f"socialfeed Flask example listening on http://{host}:{port}", flush=True)
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
