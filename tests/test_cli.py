"""The ``socialfeed`` command's outbox subcommand and its facade options (relay and worker
run as processes in tests/reliability/test_outbox_faults.py)."""

from __future__ import annotations

import importlib
import os
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import redis

from socialfeed import Settings, SocialFeed, wire
from socialfeed.cli import main
from socialfeed.events import UserRegistered
from tests.conftest import REDIS_URL
from tests.support import EventRecorder

APP_DATABASE = ""
built: list[SocialFeed] = []


def app_feed() -> SocialFeed:
    """What ``--feed tests.test_cli:app_feed`` builds: the app's own facade."""
    feed = SocialFeed.from_url(APP_DATABASE, create_schema=False)
    built.append(feed)
    return feed


@pytest.fixture
def database(tmp_path: Path) -> str:
    """An SQLite file with two users made with the outbox on, and nobody listening."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    feed = SocialFeed.from_url(url, settings=Settings(outbox=True))
    feed.accounts.create_profile("alice")
    feed.accounts.create_profile("bob")
    feed.close()
    return url


def test_outbox_status_counts_the_waiting_rows(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``outbox status`` prints how many rows wait for the relay and for delivery."""
    assert main(["outbox", "--database", database, "status"]) == 0

    assert capsys.readouterr().out == "unpublished 2\nundelivered 0\n"


def test_outbox_purge_keeps_unpublished_rows(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``outbox purge`` deletes nothing the relay has not published yet."""
    assert main(["outbox", "--database", database, "purge", "--older-than-hours", "0"]) == 0

    assert capsys.readouterr().out == "purged 0\n"


def test_feed_option_uses_the_apps_own_facade(
    database: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--feed module:function`` builds the facade the command works on."""
    monkeypatch.setattr(f"{__name__}.APP_DATABASE", database)
    built.clear()

    assert main(["outbox", "--feed", "tests.test_cli:app_feed", "status"]) == 0

    assert len(built) == 1
    assert capsys.readouterr().out.startswith("unpublished 2")


def test_deliver_pending_sends_to_the_handlers_it_connects(
    database: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``outbox deliver-pending --handler`` gives the waiting rows to those receivers."""
    feed = SocialFeed.from_url(database, settings=Settings(outbox=True))
    recorder = EventRecorder(feed)
    recorder.connect()  # a receiver: the row waits for it...
    try:
        monkeypatch.setattr(feed.delivery, "deliver", lambda events, ids=(): None)
        feed.accounts.create_profile("carol")  # ...and the process dies before it ran
    finally:
        recorder.disconnect()
        feed.close()
    argv = ["outbox", "--database", database, "--handler", "notifications"]

    assert main([*argv, "deliver-pending", "--older-than-seconds", "0"]) == 0
    assert main([*argv, "status"]) == 0

    assert capsys.readouterr().out == "delivered 1\nunpublished 3\nundelivered 0\n"


def test_outbox_replay_publishes_the_rows_since_a_time_to_the_stream(
    database: str,
    capsys: pytest.CaptureFixture[str],
    redis_client: redis.Redis,
    redis_prefix: str,
) -> None:
    """``outbox replay --since`` puts every row recorded from that time on the Redis stream."""
    assert REDIS_URL is not None
    stream = f"{redis_prefix}events"
    since = datetime.now(UTC)
    feed = SocialFeed.from_url(database, settings=Settings(outbox=True))
    feed.accounts.create_profile("carol")
    feed.close()
    # Another zone than UTC's, as an operator may write it.
    local = since.astimezone(timezone(timedelta(hours=2))).isoformat()
    argv = ["outbox", "--database", database, "replay", "--since", local]

    assert main([*argv, "--redis", REDIS_URL, "--stream", stream, "--batch-size", "1"]) == 0

    assert capsys.readouterr().out == "replayed 1\n"
    [(_, fields)] = redis_client.xrange(stream) or []
    assert fields is not None
    data = fields[b"data"]
    assert isinstance(data, bytes)
    event = wire.decode(data.decode())
    assert isinstance(event, UserRegistered)
    assert (event.username, fields[b"seq"]) == ("carol", b"3")


@pytest.mark.parametrize(
    "argv",
    [
        ["outbox", "status"],
        ["outbox", "--database", "sqlite://", "deliver-pending"],
        ["relay"],
        ["outbox", "--database", "sqlite://", "--handler", "nonsense", "status"],
        ["worker", "--database", "sqlite://", "--group", "g", "--name", ""],
        ["worker", "--database", "sqlite://", "--group", "g", "--forget-idle", "-1"],
        ["outbox", "--database", "sqlite://", "replay"],
        ["outbox", "--database", "sqlite://", "replay", "--since", "yesterday"],
        ["outbox", "--database", "sqlite://", "replay", "--since", "2026-11-26T08:00:00"],
    ],
)
def test_missing_or_malformed_options_exit_with_a_message(argv: list[str]) -> None:
    """A missing database, a malformed handler, a bad worker option or replay time: it says so."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)

    assert isinstance(exit_info.value.code, str)


@pytest.fixture
def app_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An application's folder as the working directory, as an installed script sees it.

    The folder is on no import path, and the path lacks the working directory
    (an installed ``socialfeed`` script puts its own folder there instead);
    the path and the imported modules are restored afterwards.
    """
    folder = tmp_path / "app"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.setattr(
        sys, "path", [p for p in sys.path if os.path.abspath(p or os.curdir) != str(folder)]
    )
    modules = set(sys.modules)
    yield folder
    for name in set(sys.modules) - modules:
        del sys.modules[name]


def write_module(folder: Path, source: str) -> str:
    """Write a module of a name no other test uses into ``folder``; return its name."""
    name = f"app_{uuid.uuid4().hex}"
    (folder / f"{name}.py").write_text(source)
    importlib.invalidate_caches()
    return name


def test_feed_and_handler_modules_are_found_in_the_working_directory(
    database: str, app_directory: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--feed`` and ``--handler`` find modules in the working directory, as ``python -m`` does."""
    module = write_module(
        app_directory,
        "from socialfeed import SocialFeed\n"
        "connected = []\n"
        f"def build():\n    return SocialFeed.from_url({database!r}, create_schema=False)\n"
        "def connect(feed):\n    connected.append(feed)\n",
    )

    assert main(["outbox", "--feed", f"{module}:build", "status"]) == 0
    assert main(["outbox", "--database", database, "--handler", f"{module}:connect", "status"]) == 0

    assert capsys.readouterr().out == "unpublished 2\nundelivered 0\n" * 2
    assert len(sys.modules[module].connected) == 1
    assert sys.path[0] == str(app_directory)


def test_the_working_directory_is_not_added_to_the_path_twice(
    database: str, app_directory: Path
) -> None:
    """When the working directory is on the path already, the path is left as it is."""
    module = write_module(app_directory, "def connect(feed):\n    pass\n")
    sys.path.append(str(app_directory))
    before = list(sys.path)

    assert main(["outbox", "--database", database, "--handler", f"{module}:connect", "status"]) == 0

    assert sys.path == before
