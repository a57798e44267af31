"""The outbox's commands of ``socialfeed``: ``relay``, ``worker`` and ``outbox``.

Both long-running commands stop cleanly on SIGINT or SIGTERM, after the batch
in hand. ``--handler`` takes ``notifications``, ``hashtags``, or
``package.module:function``, a function that is given the worker's
`SocialFeed` and connects the application's own receivers to it. Instead of
``--database``, ``worker`` and ``outbox`` take ``--feed package.module:function``,
a function that returns the application's own `SocialFeed` (its settings, its
clock, its timeline store), receivers connected. Those modules are looked up
in the working directory first, as ``python -m`` does, then on the path.
``outbox replay`` publishes rows again from ``--since`` to the stream
``--redis`` and ``--stream`` name.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from socialfeed.facade import SocialFeed
from socialfeed.handlers import HashtagHandler, NotificationHandler
from socialfeed.outbox.relay import Relay, replay
from socialfeed.settings import Settings
from socialfeed.storage.sql import SQLStorage

__all__ = ["register"]

_BUILT_IN: dict[str, Callable[[SocialFeed], None]] = {
    "notifications": lambda feed: NotificationHandler().connect(feed),
    "hashtags": lambda feed: HashtagHandler().connect(feed),
}


def register(commands: Any) -> None:
    """Add the ``relay``, ``worker`` and ``outbox`` commands to the ``socialfeed`` parser."""

    def command(name: str, help: str, run: Callable[[argparse.Namespace], int]) -> Any:
        sub = commands.add_parser(name, help=help, description=help)
        sub.add_argument("--database", help="the application's database URL")
        sub.set_defaults(run=run)
        return sub

    def facade(sub: Any) -> None:
        sub.add_argument("--feed", help="module:function returning the app's SocialFeed")
        sub.add_argument("--handler", action="append", default=[], help="receivers to connect")

    def broker(sub: Any) -> None:
        sub.add_argument("--redis", default="redis://127.0.0.1:6379/0", help="Redis URL")
        sub.add_argument("--stream", default="socialfeed:events", help="stream name")

    relay = command("relay", "Publish the outbox to a Redis stream, in order.", _relay)
    broker(relay)
    relay.add_argument("--batch-size", type=int, default=500)
    relay.add_argument("--poll-interval", type=float, default=0.05, help="seconds (SQLite)")
    relay.add_argument(
        "--max-length", type=int, default=None, help="cap the stream (XADD MAXLEN ~)"
    )
    relay.add_argument(
        "--lease", type=float, default=10.0, help="seconds a claimed batch is this relay's"
    )

    worker = command(
        "worker", "Send a Redis stream's events through this process's signals.", _worker
    )
    broker(worker)
    worker.add_argument("--group", required=True, help="consumer group (one per kind of worker)")
    worker.add_argument(
        "--name",
        default=None,
        help="consumer name, kept across restarts; one per live worker of a group"
        " (default: the host's name)",
    )
    facade(worker)
    worker.add_argument("--attempts", type=int, default=3, help="calls of a failing receiver")
    worker.add_argument("--batch-size", type=int, default=100)
    worker.add_argument("--outbox", action="store_true", help="record the worker's own events")
    worker.add_argument(
        "--claim-idle",
        type=float,
        default=60.0,
        help="seconds before a dead consumer's messages are taken",
    )
    worker.add_argument(
        "--forget-idle",
        type=float,
        default=600.0,
        help="seconds after which consumers of the group holding nothing are deleted (0: never)",
    )

    outbox = command("outbox", "Inspect or tend the outbox.", _outbox)
    outbox.add_argument("action", choices=["status", "deliver-pending", "purge", "replay"])
    facade(outbox)
    broker(outbox)
    outbox.add_argument(
        "--since", help="for replay: ISO 8601 time with its offset, e.g. 2026-11-26T08:00:00Z"
    )
    outbox.add_argument("--batch-size", type=int, default=500, help="for replay")
    outbox.add_argument("--older-than-hours", type=float, default=24.0, help="for purge")
    outbox.add_argument(
        "--older-than-seconds",
        type=float,
        default=10.0,
        help="for deliver-pending: leave younger rows to the process delivering them",
    )


def _relay(args: argparse.Namespace) -> int:
    from socialfeed.redis import RedisStreamPublisher

    if not args.database:
        raise SystemExit("relay: give --database")
    storage = SQLStorage.from_url(args.database)
    publisher = RedisStreamPublisher(_redis(args.redis), args.stream, max_length=args.max_length)
    relay = Relay(
        storage,
        publisher,
        batch_size=args.batch_size,
        poll_interval=args.poll_interval,
        lease=args.lease,
    )
    logging.getLogger("socialfeed.relay").info("relaying the outbox to %s", args.stream)
    try:
        relay.run(_stop_on_signals())
    finally:
        storage.close()
    return 0


def _worker(args: argparse.Namespace) -> int:
    from socialfeed.outbox.worker import Worker
    from socialfeed.redis import RedisStreamConsumer

    if args.forget_idle < 0:
        raise SystemExit("worker: --forget-idle takes seconds, or 0 to keep every name")
    try:
        consumer = RedisStreamConsumer(
            _redis(args.redis),
            args.group,
            stream=args.stream,
            consumer=args.name,
            claim_idle=args.claim_idle,
            forget_idle=args.forget_idle or None,
        )
    except ValueError as error:
        raise SystemExit(f"worker: {error}") from None
    feed = _feed(args)
    worker = Worker(feed, consumer, attempts=args.attempts, batch_size=args.batch_size)
    logging.getLogger("socialfeed.worker").info(
        "worker %s of group %s on %s", consumer.consumer, args.group, args.stream
    )
    try:
        worker.run(_stop_on_signals())
    finally:
        consumer.close()  # frees the name: a restart under it need not wait
        feed.close()
    return 0


def _outbox(args: argparse.Namespace) -> int:
    # Checked before anything connects, so that a mistyped time costs nothing.
    since = _since(args.since) if args.action == "replay" else None
    feed = _feed(args)
    try:
        if args.action == "status":
            status = feed.outbox.status()
            print(f"unpublished {status.unpublished}\nundelivered {status.undelivered}")
        elif args.action == "deliver-pending":
            if not (args.feed or args.handler):
                # With nobody to deliver to, the rows would be marked delivered for nothing.
                raise SystemExit("deliver-pending: give --handler or --feed: whose receivers?")
            older_than = timedelta(seconds=args.older_than_seconds)
            print(f"delivered {feed.outbox.deliver_pending(older_than=older_than)}")
        elif args.action == "purge":
            older_than = timedelta(hours=args.older_than_hours)
            print(f"purged {feed.outbox.purge(older_than=older_than)}")
        else:
            assert since is not None
            print(f"replayed {_replay(feed, args, since)}")
    finally:
        feed.close()
    return 0


def _since(text: str | None) -> datetime:
    """The time ``--since`` names; a time without its offset is refused, not guessed."""
    if text is None:
        raise SystemExit("replay: give --since TIME, e.g. 2026-11-26T08:00:00Z")
    try:
        since = datetime.fromisoformat(text)
    except ValueError:
        raise SystemExit(f"replay: --since {text!r} is not an ISO 8601 time") from None
    if since.tzinfo is None:
        raise SystemExit(f"replay: --since {text!r} needs its UTC offset, e.g. Z or +02:00")
    return since


def _replay(feed: SocialFeed, args: argparse.Namespace, since: datetime) -> int:
    from socialfeed.redis import RedisStreamPublisher

    publisher = RedisStreamPublisher(_redis(args.redis), args.stream)
    return replay(feed.storage, publisher, since=since, batch_size=args.batch_size)


def _feed(args: argparse.Namespace) -> SocialFeed:
    """The facade whose signals the command sends through, receivers connected."""
    if args.feed:
        feed: SocialFeed = _imported("--feed", args.feed)()
    elif args.database:
        # The worker's own actions (a notification it creates) are recorded
        # like the application's when the application records its events.
        settings = Settings(outbox=getattr(args, "outbox", False))
        feed = SocialFeed.from_url(args.database, create_schema=False, settings=settings)
    else:
        raise SystemExit("give --database or --feed")
    for name in args.handler:
        connect = _BUILT_IN.get(name) or _imported("--handler", name)
        connect(feed)
    return feed


def _imported(option: str, name: str) -> Any:
    module_name, _, attribute = name.partition(":")
    if not attribute:
        raise SystemExit(f"{option} {name!r}: expected notifications, hashtags or module:function")
    _working_directory_importable()
    return getattr(importlib.import_module(module_name), attribute)


def _working_directory_importable() -> None:
    """Put the working directory first on ``sys.path``, unless it is on it already.

    ``python -m socialfeed`` has it there, but an installed ``socialfeed``
    script has its own folder instead, so the application's modules would be
    found by one and not the other. It stays for the process's life, as with
    ``python -m``: the imported module may import its neighbours later.
    """
    here = os.getcwd()
    if not any(os.path.abspath(entry or os.curdir) == here for entry in sys.path):
        sys.path.insert(0, here)


def _redis(url: str) -> Any:
    import redis

    # A short socket timeout turns a vanished server into an error (and a
    # retry) instead of a hang; reads block server-side for at most 1 s.
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        logging.getLogger("socialfeed").info("stopping on signal %d", signum)
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    return stop
