"""Workers killed mid-batch, with real processes: under the same name, or another's.

A worker is killed while it holds events (a receiver that never returns
keeps them pending under its consumer name). Started again under its name,
it takes them back itself as soon as the dead process's hold on the name
lapses; under another name, the events wait ``--claim-idle`` seconds for the
other worker to claim them, and the dead name is then forgotten.

Either way the notifications and hashtags the workers leave are compared,
row for row, with the one-process reference of test_outbox_faults.py.

Each test prints how long the second worker took to drain the stream (see it
with ``pytest -s``).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis

from socialfeed.storage import Storage
from tests.conftest import REDIS_URL
from tests.reliability import outbox_processes
from tests.reliability.outbox_processes import Script
from tests.reliability.test_outbox_faults import (
    ACTIONS,
    GROUP,
    SEED,
    Command,
    Reference,
    app_feed,
    caught_up,
    drain,
    same_as,
    text,
    url_of,
    wait_for,
)

# The fixtures, by name.
from tests.reliability.test_outbox_faults import reference as reference
from tests.reliability.test_outbox_faults import references as references

HOLDER = f"{outbox_processes.__name__}:{outbox_processes.hold_every_event.__name__}"
HANDLERS = ("--handler", "notifications", "--handler", "hashtags")
# The restarted worker's --claim-idle: far beyond the wait below, so that only
# taking back its own pending events can drain the stream in time.
LONG_CLAIM_IDLE = 300.0
# How soon a worker restarted under its name must have handled what it held:
# the dead process's hold on the name (5 s) and a slow start on a busy
# machine, a fifth of LONG_CLAIM_IDLE and half the default --claim-idle (60 s).
RESUME_BOUND = 30.0
# What a worker started without --name is called: the host's name, the same at every start.
DEFAULT_NAME = socket.gethostname()

# The worker processes of these tests read through SQLite alone: what they
# check is the stream's consumer names, the same whatever the database.
pytestmark = pytest.mark.parametrize("sql_storage", ["sqlite"], indirect=True)


def worker(log: Path, storage: Storage, stream: str, name: str, *extra: str) -> Command:
    """``socialfeed worker`` of the notifications group, under ``name`` unless it is the default."""
    assert REDIS_URL is not None
    args = ("--database", url_of(storage), "--redis", REDIS_URL, "--stream", stream)
    named = () if name == DEFAULT_NAME else ("--name", name)
    return Command(log, "worker", *args, "--group", GROUP, *named, *extra)


def consumers(client: redis.Redis, stream: str) -> dict[str, int]:
    """The group's consumers, by name, with how many events each holds (none before the group)."""
    try:
        listed = client.xinfo_consumers(stream, GROUP)
    except redis.ResponseError:
        return {}  # no group yet: the worker has not started reading
    return {text(c["name"]): int(c["pending"]) for c in listed}


def killed_holding_events(
    storage: Storage, client: redis.Redis, stream: str, log: Path, name: str
) -> int:
    """Fill the stream with the script's events, and kill a worker ``name`` holding some of them.

    Return how many it held.
    """
    script = Script(app_feed(storage), SEED)
    script.start()
    script.act(ACTIONS)
    drain(storage, client, stream)
    with worker(log, storage, stream, name, "--handler", HOLDER) as holder:
        wait_for(lambda: consumers(client, stream).get(name, 0) > 0, "the worker to hold", holder)
        holder.kill()
    return consumers(client, stream)[name]


def test_a_worker_restarted_with_its_default_name_handles_what_it_held_at_once(
    sql_storage: Storage,
    redis_client: redis.Redis,
    redis_prefix: str,
    tmp_path: Path,
    reference: Callable[[int], Reference],
    record_property: Callable[[str, Any], None],
) -> None:
    """A worker killed holding events, started again without --name, handles them within 30 s.

    It leaves the reference's notifications and hashtags, row for row.
    """
    expected = reference(ACTIONS)
    stream = f"{redis_prefix}events"
    log = tmp_path / "dead.log"
    held = killed_holding_events(sql_storage, redis_client, stream, log, DEFAULT_NAME)

    started = time.monotonic()
    restarted = worker(
        tmp_path / "restarted.log",
        sql_storage,
        stream,
        DEFAULT_NAME,
        *HANDLERS,
        *("--claim-idle", str(LONG_CLAIM_IDLE)),
    )
    with restarted:
        wait_for(lambda: caught_up(redis_client, stream), "the restarted worker", restarted)
        drained = time.monotonic() - started
        assert restarted.stop() == 0

    line = (
        f"restarted under its default name: {held} held events, stream drained in {drained:.1f} s"
    )
    print(f"\n{line}")
    record_property("restart", line)
    assert drained < RESUME_BOUND
    # Nobody else took them: the one consumer is the worker's name, holding nothing.
    assert consumers(redis_client, stream) == {DEFAULT_NAME: 0}
    assert redis_client.xlen(f"{stream}:dead") == 0
    same_as(expected, sql_storage)


def test_a_killed_workers_events_go_to_another_worker_after_claim_idle(
    sql_storage: Storage,
    redis_client: redis.Redis,
    redis_prefix: str,
    tmp_path: Path,
    reference: Callable[[int], Reference],
    record_property: Callable[[str, Any], None],
) -> None:
    """Events a killed worker held are claimed by another after --claim-idle; its name goes.

    The other worker leaves the reference's notifications and hashtags, row for row.
    """
    expected = reference(ACTIONS)
    stream = f"{redis_prefix}events"
    held = killed_holding_events(sql_storage, redis_client, stream, tmp_path / "dead.log", "a")

    started = time.monotonic()
    other = worker(
        tmp_path / "other.log",
        sql_storage,
        stream,
        "b",
        *HANDLERS,
        *("--claim-idle", "2", "--forget-idle", "1"),
    )
    with other:
        wait_for(lambda: caught_up(redis_client, stream), "the other worker", other)
        drained = time.monotonic() - started
        # The dead worker's name holds nothing now, and goes at the next forgetting.
        wait_for(lambda: consumers(redis_client, stream) == {"b": 0}, "the dead name to go", other)
        assert other.stop() == 0

    line = f"claimed by another worker: {held} held events, stream drained in {drained:.1f} s"
    print(f"\n{line}")
    record_property("claim", line)
    assert other.logged("forgot the idle consumers ['a']")
    assert redis_client.xlen(f"{stream}:dead") == 0
    same_as(expected, sql_storage)
