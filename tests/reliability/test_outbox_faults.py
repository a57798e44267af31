"""Faults around the outbox: relays that die mid-batch, a Redis that restarts or loses
the stream, real processes.

Every test runs on an SQLite file and on PostgreSQL, with real Redis, and
checks the outbox's promise exactly: every committed event reaches the
stream (none lost), a repeat happens only for what a dead relay published
and never marked, and the first copy of each event comes in the order the
events were recorded.

Every test whose worker runs the handlers also compares what they left with
a **reference**: the same script in one process, with the notification and
hashtag handlers connected in process, on an empty database of the same
backend. The comparison is row for row (see `Observation`): every stored
notification, each user's notifications as they read them, and the hashtag
index, all without the ids that differ from one run to the other.

Each fault test prints one summary line (see it with ``pytest -s``): events
written, published, duplicated and lost.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

import attrs
import pytest
import redis
from sqlalchemy import func, select

from socialfeed import HashtagHandler, NotificationHandler, Settings, SocialFeed, wire
from socialfeed.cli import main
from socialfeed.clock import Clock
from socialfeed.events import (
    CommentAdded,
    PostCreated,
    PostLiked,
    PostUnliked,
    UserFollowed,
    UserRegistered,
    UserUnfollowed,
)
from socialfeed.ids import UserId
from socialfeed.outbox.relay import Relay
from socialfeed.outbox.worker import Worker
from socialfeed.pagination import MAX_LIMIT
from socialfeed.redis import RedisStreamConsumer, RedisStreamPublisher
from socialfeed.storage import SQLStorage, Storage
from socialfeed.storage.base import OutboxMessage
from socialfeed.storage.sql.schema import hashtags, notifications, outbox, post_hashtags, users
from tests.conftest import HASHER, REDIS_URL, REQUIRE_REDIS, make_storage
from tests.reliability import outbox_processes
from tests.reliability.outbox_processes import KILLED, REFUSAL, WEIGHTS, Script, refusals

ROOT = Path(__file__).resolve().parents[2]
SEED = 9
ACTIONS = 120
# A relay's batch in the crash tests, and the batch it dies on: two full
# batches are marked first, so the test sees the crash in the middle of a run.
BATCH = 10
FATAL_BATCH = 3
# How long any wait may take on a loaded CI machine before the test fails.
DEADLINE = 60.0
GROUP = "notifications"

# --- What the database and the stream hold ---------------------------------------------------


def url_of(storage: Storage) -> str:
    """The URL a child process connects to: the same SQLite file or PostgreSQL database."""
    assert isinstance(storage, SQLStorage)
    return storage.engine.url.render_as_string(hide_password=False)


def backend_of(storage: Storage) -> str:
    """``sqlite`` or ``postgresql``, for the summary line."""
    assert isinstance(storage, SQLStorage)
    return storage.engine.dialect.name


def outbox_rows(storage: Storage) -> list[OutboxMessage]:
    """Every outbox row, published or not, in the order it was recorded."""
    assert isinstance(storage, SQLStorage)
    with storage.engine.connect() as conn:
        rows = conn.execute(select(outbox.c.id, outbox.c.data).order_by(outbox.c.id))
        return [OutboxMessage(row.id, row.data) for row in rows]


def unpublished(storage: Storage) -> int:
    """How many outbox rows the relay has not marked published."""
    assert isinstance(storage, SQLStorage)
    with storage.engine.connect() as conn:
        query = select(func.count()).select_from(outbox).where(~outbox.c.published)
        return int(conn.execute(query).scalar_one())


@attrs.frozen
class Entry:
    """One stream message: its Redis id, the outbox row id it carries, and the event."""

    message_id: str
    seq: int
    data: str


def text(value: object) -> str:
    """A Redis reply as text, whether the client decodes replies or not."""
    if isinstance(value, bytes):
        return value.decode()
    assert isinstance(value, str), f"expected text from Redis, got {value!r}"
    return value


def read_stream(client: redis.Redis, stream: str) -> list[tuple[str, dict[str, str]]]:
    """Every message of a stream, as its id and its fields, oldest first."""
    return [
        (text(message_id), {text(key): text(value) for key, value in (fields or {}).items()})
        for message_id, fields in client.xrange(stream) or []
    ]


def stream_entries(client: redis.Redis, stream: str) -> list[Entry]:
    """Every message of the outbox's stream, oldest first."""
    return [
        Entry(message_id, int(fields["seq"]), fields["data"])
        for message_id, fields in read_stream(client, stream)
    ]


def grew(client: redis.Redis, stream: str) -> Callable[[], bool]:
    """A condition that holds once the stream is longer than it is now."""
    before = client.xlen(stream)
    return lambda: client.xlen(stream) > before


def caught_up(client: redis.Redis, stream: str, group: str = GROUP) -> bool:
    """Tell whether the group was handed the stream's last message and acknowledged all."""
    try:
        last = client.xrevrange(stream, count=1) or []
        groups = client.xinfo_groups(stream)
    except redis.ConnectionError:
        return False  # a restarting server: ask again
    except redis.ResponseError:
        return False  # no stream yet
    state = next((g for g in groups if text(g["name"]) == group), None)
    return (
        bool(last)
        and state is not None
        and state["pending"] == 0
        and text(state["last-delivered-id"]) == text(last[0][0])
    )


def aggregate_of(data: str) -> tuple[object, ...]:
    """What an event is about, for the order check: a post and a user, two users, or itself."""
    event = wire.decode(data)
    if isinstance(event, PostLiked | PostUnliked):
        return ("like", event.post_id, event.user_id)
    if isinstance(event, CommentAdded):
        return ("comment", event.post_id, event.author_id)
    if isinstance(event, UserFollowed | UserUnfollowed):
        return ("follow", event.follower_id, event.followee_id)
    if isinstance(event, PostCreated):
        return ("post", event.post_id)
    if isinstance(event, UserRegistered):
        return ("user", event.user_id)
    return (type(event).__name__, event.event_id)


@attrs.frozen
class Tally:
    """What became of the outbox's events in the stream."""

    written: int
    published: int
    duplicates: Counter[int]
    lost: int

    @property
    def duplicated(self) -> int:
        """How many messages the stream holds beyond one per event."""
        return self.duplicates.total()

    def report(
        self, test: str, storage: Storage, record_property: Callable[[str, Any], None]
    ) -> None:
        """Print the summary line of a fault test, and keep it as a test property."""
        line = (
            f"{test} on {backend_of(storage)}: {self.written} events written, "
            f"{self.published} published, {self.duplicated} duplicated, {self.lost} lost"
        )
        print(f"\n{line}")
        record_property("outbox", line)


def check_stream(rows: Sequence[OutboxMessage], entries: Sequence[Entry]) -> Tally:
    """Check what the stream holds against the outbox, and count the repeats and the losses.

    Each message must carry its row's event unchanged, and the first copies
    must come in the order the rows were recorded: for each post and user
    (the relay's promise), and over the whole stream too, since these tests
    have one writer, which commits one action at a time.
    """
    recorded = {row.id: row.data for row in rows}
    strangers = [entry.seq for entry in entries if entry.seq not in recorded]
    assert strangers == [], "the stream holds messages of no outbox row"
    altered = [entry.seq for entry in entries if entry.data != recorded[entry.seq]]
    assert altered == [], "messages differ from their outbox rows"

    first_copies = list(dict.fromkeys(entry.seq for entry in entries))
    by_aggregate: dict[tuple[object, ...], list[int]] = {}
    for seq in first_copies:
        by_aggregate.setdefault(aggregate_of(recorded[seq]), []).append(seq)
    out_of_order = {key: seqs for key, seqs in by_aggregate.items() if seqs != sorted(seqs)}
    assert out_of_order == {}, "events about the same post and user came out of order"
    assert first_copies == sorted(first_copies), "the stream is not in the order of the outbox"

    copies = Counter(entry.seq for entry in entries)
    return Tally(
        written=len(rows),
        published=len(copies),
        duplicates=Counter({seq: n - 1 for seq, n in copies.items() if n > 1}),
        lost=len(recorded.keys() - copies.keys()),
    )


StoredRow = tuple[int, int, str, int | None, int | None, datetime, bool]
ShownRow = tuple[int, str, int | None, int | None, datetime, bool]
IndexedTag = tuple[str, int, tuple[int, ...], tuple[int, ...]]


@attrs.frozen
class Observation:
    """What the handlers left, without the ids that differ from one run to another.

    ``stored``: every notifications row as (recipient, actor, kind, post,
    comment, created_at, is_read), sorted. ``shown``: each user's
    notifications as `NotificationService.list` shows them, newest first,
    as (actor, kind, post, comment, created_at, is_read); the rows one
    action made at the same instant, whose order the notification ids
    decide, are sorted. ``hashtags``: each hashtag as (name, post count, the
    post ids of its links, the post ids `HashtagService.posts` shows).
    User, post and comment ids are the same in two runs of the script on
    an empty database of the same backend; notification and hashtag ids are not.
    """

    stored: tuple[StoredRow, ...]
    shown: dict[int, tuple[ShownRow, ...]]
    hashtags: tuple[IndexedTag, ...]

    @property
    def hidden(self) -> int:
        """How many stored notifications no read shows: those hidden by blocks, mutes, privacy."""
        return len(self.stored) - sum(len(rows) for rows in self.shown.values())


def observe(storage: Storage) -> Observation:
    """Read every notification and the hashtag index, as stored and as users read them."""
    assert isinstance(storage, SQLStorage)
    with storage.engine.connect() as conn:
        stored = conn.execute(
            select(
                notifications.c.recipient_id,
                notifications.c.actor_id,
                notifications.c.kind,
                notifications.c.post_id,
                notifications.c.comment_id,
                notifications.c.created_at,
                notifications.c.is_read,
            )
        ).all()
        user_ids = conn.execute(select(users.c.id).order_by(users.c.id)).scalars().all()
        tags = conn.execute(
            select(hashtags.c.name, hashtags.c.post_count).order_by(hashtags.c.name)
        ).all()
        links = conn.execute(
            select(hashtags.c.name, post_hashtags.c.post_id).join(
                post_hashtags, post_hashtags.c.hashtag_id == hashtags.c.id
            )
        ).all()
    # Read at one fixed time in every run: what a mute hides depends on it.
    reader = SocialFeed(storage, clock=outbox_processes.script_clock(), password_hasher=HASHER)
    shown = {user_id: shown_to(reader, user_id) for user_id in user_ids}
    linked: dict[str, list[int]] = {}
    for name, post_id in links:
        linked.setdefault(name, []).append(post_id)
    indexed = tuple(
        (
            name,
            count,
            tuple(sorted(linked.get(name, []))),
            tuple(post.id for post in reader.hashtags.posts(name, limit=MAX_LIMIT).items),
        )
        for name, count in tags
    )
    rows: list[StoredRow] = [
        (r.recipient_id, r.actor_id, r.kind, r.post_id, r.comment_id, r.created_at, r.is_read)
        for r in stored
    ]
    return Observation(tuple(sorted(rows, key=repr)), shown, indexed)


def shown_to(reader: SocialFeed, user_id: UserId) -> tuple[ShownRow, ...]:
    """Every notification ``user_id`` reads, page after page, id-free, in the order shown."""
    rows: list[ShownRow] = []
    cursor = None
    while True:
        page = reader.notifications.list(user_id, limit=MAX_LIMIT, cursor=cursor)
        rows += [
            (n.actor_id, n.kind, n.post_id, n.comment_id, n.created_at, n.is_read)
            for n in page.items
        ]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    # Newest first, as shown; a tie is ordered by notification id, which differs.
    return tuple(sorted(rows, key=lambda row: (-row[4].timestamp(), repr(row))))


def differences(expected: Observation, got: Observation) -> list[str]:
    """Every row in one observation and not the other, one line each; empty when they match."""
    wanted, found = Counter(expected.stored), Counter(got.stored)
    lines = [f"stored, missing: {row}" for row in (wanted - found).elements()]
    lines += [f"stored, extra: {row}" for row in (found - wanted).elements()]
    for user_id in sorted(expected.shown.keys() | got.shown.keys()):
        shown, seen = expected.shown.get(user_id, ()), got.shown.get(user_id, ())
        if shown != seen:
            lines.append(f"shown to user {user_id}: expected {shown}, got {seen}")
    lines += [f"hashtag, missing: {tag}" for tag in set(expected.hashtags) - set(got.hashtags)]
    lines += [f"hashtag, extra: {tag}" for tag in set(got.hashtags) - set(expected.hashtags)]
    return lines


# --- The same script in one process --------------------------------------------------------


@attrs.frozen
class Reference:
    """What the script does in one process with both handlers connected directly."""

    outcomes: Counter[str]
    observed: Observation


@pytest.fixture(scope="session")
def references() -> dict[tuple[str, int], Reference]:
    """The references made so far in this process, by backend and number of actions."""
    return {}


@pytest.fixture
def reference(
    sql_storage: Storage,
    references: dict[tuple[str, int], Reference],
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> Callable[[int], Reference]:
    """The single-process run of the script with a number of actions, on the test's backend.

    On the same backend, so that users, posts and comments get the ids the
    fault run gives them. An SQLite reference has a file of its own; a
    PostgreSQL one uses the test's database, emptied before and after: call
    this before the fault run writes, or after what it left was observed.
    """

    def run(actions: int) -> Reference:
        backend = backend_of(sql_storage)
        if (backend, actions) not in references:
            folder = tmp_path / f"reference-{actions}"
            folder.mkdir()
            storage = make_storage(backend, request, folder)
            feed = SocialFeed(
                storage,
                settings=Settings(raise_receiver_errors=True),
                clock=outbox_processes.script_clock(),
                password_hasher=HASHER,
            )
            handlers = (NotificationHandler(), HashtagHandler())
            for handler in handlers:
                handler.connect(feed)
            script = Script(feed, SEED)
            script.start()
            outcomes = script.act(actions)
            for handler in handlers:
                handler.disconnect(feed)
            references[backend, actions] = Reference(outcomes, observe(storage))
            if backend != "sqlite":
                make_storage(backend, request, folder)  # empty again, for the fault run
        found = references[backend, actions]
        # The comparisons mean something only if the script causes every kind of
        # notification, hides some of them, indexes hashtags and does every action.
        kinds = {row[2] for row in found.observed.stored}
        assert kinds == {"like", "comment", "follow", "mention"}
        assert found.observed.hidden > 0, "no block, mute or private account hid a notification"
        assert found.observed.hashtags
        assert refusals(found.outcomes) == Counter()
        assert {o.split(" ")[0] for o, n in found.outcomes.items() if o.endswith(" ok")} == set(
            WEIGHTS
        ), found.outcomes
        return found

    return run


def same_as(expected: Reference, storage: Storage) -> None:
    """Fail, listing every difference, unless the handlers left what the reference left."""
    same_as_observed(expected, observe(storage))


def same_as_observed(expected: Reference, observed: Observation) -> None:
    """Fail, listing every difference, unless ``observed`` is what the reference left."""
    found = differences(expected.observed, observed)
    assert found == [], f"{len(found)} differences from the one-process run:\n" + "\n".join(found)


def app_feed(storage: Storage) -> SocialFeed:
    """The application's facade in the test process: outbox on, no receiver connected."""
    return SocialFeed(
        storage,
        settings=Settings(outbox=True, raise_receiver_errors=True),
        clock=outbox_processes.script_clock(),
        password_hasher=HASHER,
    )


# --- Child processes -----------------------------------------------------------------------


class Command:
    """A ``python -m socialfeed`` process, with its output in a file for failure reports."""

    def __init__(self, log: Path, *args: str) -> None:
        self.name = args[0]
        self.log = log
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "socialfeed", *args],
                cwd=ROOT,  # so that --handler can name a module of the tests
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        """The last lines the process wrote."""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])

    def logged(self, words: str) -> bool:
        """Tell whether the process has written ``words`` so far."""
        return words in self.log.read_text(errors="replace")

    def check_alive(self) -> None:
        """Fail the test, with the process's output, if it ended on its own."""
        if self.process.poll() is not None:
            pytest.fail(f"{self.name} exited with {self.process.returncode}:\n{self.output()}")

    def stop(self) -> int:
        """Ask the process to stop (SIGTERM) and return its exit status."""
        self.process.terminate()
        return self.process.wait(timeout=DEADLINE)

    def kill(self) -> int:
        """SIGKILL the process and return its exit status."""
        self.process.kill()
        return self.process.wait(timeout=DEADLINE)

    def __enter__(self) -> Command:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.process.poll() is None:
            self.kill()


def wait_for(condition: Callable[[], bool], what: str, *running: Command) -> None:
    """Poll ``condition`` until it holds; fail after `DEADLINE`, or as soon as a process died."""
    deadline = time.monotonic() + DEADLINE
    while not condition():
        for command in running:
            command.check_alive()
        if time.monotonic() > deadline:
            outputs = "\n".join(f"--- {c.name}:\n{c.output()}" for c in running)
            pytest.fail(f"waited {DEADLINE:.0f} s for {what}\n{outputs}")
        time.sleep(0.05)


def relay_command(log: Path, storage: Storage, redis_url: str, stream: str, *extra: str) -> Command:
    """``socialfeed relay`` on the test's database and stream."""
    args = ("--database", url_of(storage), "--redis", redis_url, "--stream", stream)
    return Command(log, "relay", *args, *extra)


def worker_command(
    log: Path, storage: Storage, redis_url: str, stream: str, *extra: str
) -> Command:
    """``socialfeed worker`` of the notifications group, with both handlers."""
    args = ("--database", url_of(storage), "--redis", redis_url, "--stream", stream)
    group = ("--group", GROUP, "--name", "worker-1")
    handlers = ("--handler", "notifications", "--handler", "hashtags")
    return Command(log, "worker", *args, *group, *handlers, *extra)


class MinuteAhead:
    """The clock of a relay that comes back a minute later, long after a dead relay's lease."""

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(minutes=1)


def drain(storage: Storage, client: redis.Redis, stream: str, clock: Clock | None = None) -> None:
    """Relay the whole outbox to the stream in this process, as a restarted relay does."""
    relay = Relay(storage, RedisStreamPublisher(client, stream), batch_size=BATCH, clock=clock)
    while relay.relay_once():
        pass


# --- 1 and 2: a relay that dies between publishing and marking -----------------------------


def crash_the_relay(
    storage: Storage,
    client: redis.Redis,
    stream: str,
    publish_first: int,
    reference: Reference,
) -> Tally:
    """Write the script, relay it with a relay that dies on its third batch, then recover.

    The dying relay publishes ``publish_first`` messages of that batch; once
    its lease lapsed, a normal relay publishes the batch again and the rest,
    and a worker with both handlers reads the whole stream, the repeats
    included, and must leave what the reference leaves. Return the tally of
    the stream.
    """
    feed = app_feed(storage)
    script = Script(feed, SEED)
    script.start()
    assert script.act(ACTIONS) == reference.outcomes
    rows = outbox_rows(storage)
    ids = [row.id for row in rows]
    assert len(ids) > FATAL_BATCH * BATCH, "the fatal batch must be a full one"

    assert REDIS_URL is not None
    context = multiprocessing.get_context("spawn")
    relay = context.Process(
        target=outbox_processes.relay_and_die,
        args=(url_of(storage), REDIS_URL, stream, BATCH, FATAL_BATCH, publish_first),
    )
    relay.start()
    relay.join(timeout=DEADLINE)
    if relay.is_alive():
        relay.kill()
    assert relay.exitcode == KILLED

    # The batches before the fatal one are marked; the fatal one is in the stream, unmarked.
    marked = (FATAL_BATCH - 1) * BATCH
    assert unpublished(storage) == len(ids) - marked
    assert [e.seq for e in stream_entries(client, stream)] == ids[: marked + publish_first]

    # The dead relay's lease keeps its batch, and the rows behind it, until it lapses...
    drain(storage, client, stream)
    assert unpublished(storage) == len(ids) - marked
    # ...and then a relay publishes them, the fatal batch again.
    drain(storage, client, stream, MinuteAhead())
    assert unpublished(storage) == 0
    entries = stream_entries(client, stream)
    tally = check_stream(rows, entries)
    assert tally.lost == 0
    assert tally.duplicates == Counter(ids[marked : marked + publish_first])

    worker_feed = SocialFeed(storage, password_hasher=HASHER)
    handlers = (NotificationHandler(), HashtagHandler())
    for handler in handlers:
        handler.connect(worker_feed)
    consumer = RedisStreamConsumer(client, GROUP, stream=stream, consumer="worker-1")
    worker = Worker(worker_feed, consumer)
    handled = 0
    while taken := worker.work_once(timeout=0.1):
        handled += taken
    consumer.close()
    for handler in handlers:
        handler.disconnect(worker_feed)

    assert handled == len(entries)
    assert client.xpending(stream, GROUP)["pending"] == 0
    assert client.xlen(consumer.dead_letter_stream) == 0
    same_as(reference, storage)
    return tally


def test_a_relay_killed_between_publishing_a_batch_and_marking_it_loses_nothing(
    sql_storage: Storage,
    redis_client: redis.Redis,
    redis_prefix: str,
    reference: Callable[[int], Reference],
    record_property: Callable[[str, Any], None],
) -> None:
    """A relay dead after publishing a whole batch repeats exactly that batch, and nothing else.

    The worker then leaves the reference's notifications and hashtags, row for row.
    """
    tally = crash_the_relay(
        sql_storage, redis_client, f"{redis_prefix}events", BATCH, reference(ACTIONS)
    )
    tally.report("relay killed after a batch", sql_storage, record_property)


def test_a_relay_killed_in_the_middle_of_a_batch_loses_nothing(
    sql_storage: Storage,
    redis_client: redis.Redis,
    redis_prefix: str,
    reference: Callable[[int], Reference],
    record_property: Callable[[str, Any], None],
) -> None:
    """A relay dead after publishing part of a batch repeats exactly that part, and nothing else.

    The worker then leaves the reference's notifications and hashtags, row for row.
    """
    tally = crash_the_relay(
        sql_storage, redis_client, f"{redis_prefix}events", BATCH // 2 - 1, reference(ACTIONS)
    )
    tally.report("relay killed mid-batch", sql_storage, record_property)


# --- 3: SIGKILL at random moments ------------------------------------------------------------

RELAY_KILLS = 5
# Small batches: more of them, so more kills land between a publish and its mark.
KILLED_RELAY_BATCH = 5
# A relay killed holding a batch stalls the next one until its lease lapses;
# short, so that the five restarts take seconds, not the default's minute.
KILLED_RELAY_LEASE = "1"


def test_a_relay_killed_at_random_moments_while_the_app_writes_loses_nothing(
    sql_storage: Storage,
    redis_client: redis.Redis,
    redis_prefix: str,
    tmp_path: Path,
    reference: Callable[[int], Reference],
    record_property: Callable[[str, Any], None],
) -> None:
    """An app writing while its relay is SIGKILLed five times loses nothing; repeats are counted.

    A worker reads the stream all along, the repeats included, and must leave
    what the reference run of as many actions leaves, row for row.
    """
    assert REDIS_URL is not None
    stream = f"{redis_prefix}events"
    moments = random.Random(SEED)
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    results: multiprocessing.Queue[dict[str, int]] = context.Queue()
    app = context.Process(
        target=outbox_processes.write_until_stopped,
        args=(url_of(sql_storage), SEED, stop, results),
    )
    with worker_command(tmp_path / "worker.log", sql_storage, REDIS_URL, stream) as worker:
        app.start()
        try:
            for kill in range(RELAY_KILLS):
                log = tmp_path / f"relay-{kill}.log"
                with relay_command(
                    log,
                    sql_storage,
                    REDIS_URL,
                    stream,
                    *("--batch-size", str(KILLED_RELAY_BATCH), "--lease", KILLED_RELAY_LEASE),
                ) as relay:
                    # Kill it at work, not while Python is still importing.
                    wait_for(grew(redis_client, stream), "the relay to publish", relay, worker)
                    time.sleep(moments.uniform(0.05, 0.3))
                    assert relay.kill() == -signal.SIGKILL
            stop.set()
            outcomes = Counter(results.get(timeout=DEADLINE))
        finally:
            stop.set()
            app.join(timeout=DEADLINE)
            if app.is_alive():
                app.kill()
        assert app.exitcode == 0
        assert refusals(outcomes) == Counter(), outcomes

        with relay_command(tmp_path / "relay-last.log", sql_storage, REDIS_URL, stream) as relay:
            wait_for(
                lambda: unpublished(sql_storage) == 0 and caught_up(redis_client, stream),
                "the last relay to drain and the worker to catch up",
                relay,
                worker,
            )
            assert relay.stop() == 0
        assert worker.stop() == 0

    tally = check_stream(outbox_rows(sql_storage), stream_entries(redis_client, stream))
    tally.report(f"relay SIGKILLed {RELAY_KILLS} times", sql_storage, record_property)
    assert tally.lost == 0
    # Only a relay killed between publishing and marking repeats, at most the batch in hand.
    assert tally.duplicated <= RELAY_KILLS * KILLED_RELAY_BATCH
    assert redis_client.xlen(f"{stream}:dead") == 0
    # Observed before the reference is made: on PostgreSQL it empties this database.
    observed = observe(sql_storage)
    expected = reference(outcomes.total())
    assert outcomes == expected.outcomes
    same_as_observed(expected, observed)


# --- 4: Redis killed and restarted ----------------------------------------------------------


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class PrivateRedis:
    """A redis-server of the test's own that keeps everything it acknowledged on disk.

    The shared test server keeps nothing on disk; a restart of it would lose
    the stream, and the docs say that Redis must persist. This one writes
    each command to its append-only file before answering.
    """

    def __init__(self, executable: str, directory: Path) -> None:
        directory.mkdir()
        self.executable = executable
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        """Start the server on its port and directory, and wait until it answers."""
        self.starts += 1
        with (self.directory / f"server-{self.starts}.log").open("wb") as log:
            self.process = subprocess.Popen(
                [
                    self.executable,
                    "--port", str(self.port),
                    "--bind", "127.0.0.1",
                    "--dir", str(self.directory),
                    "--appendonly", "yes",
                    "--appendfsync", "always",
                    "--save", "",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        wait_for(self._answers, "the private Redis to answer")

    def kill(self) -> None:
        """SIGKILL the server: no shutdown, no last save."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=DEADLINE)

    def _answers(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            pytest.fail(f"redis-server exited with {self.process.returncode}")
        try:
            with redis.Redis(port=self.port, socket_timeout=1) as client:
                return bool(client.ping())
        except redis.RedisError:  # not listening yet, or still loading its file
            return False

    def __enter__(self) -> PrivateRedis:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill()


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A running private Redis that persists every write."""
    executable = shutil.which("redis-server")
    if executable is None:
        if REQUIRE_REDIS:
            pytest.fail("SOCIALFEED_TEST_REQUIRE_REDIS=1 but redis-server is not on the PATH")
        pytest.skip("the Redis restart test needs redis-server on the PATH")
    with PrivateRedis(executable, tmp_path / "redis") as server:
        yield server


def test_a_redis_restarted_mid_run_loses_nothing_and_the_processes_reconnect(
    sql_storage: Storage,
    private_redis: PrivateRedis,
    tmp_path: Path,
    reference: Callable[[int], Reference],
    record_property: Callable[[str, Any], None],
) -> None:
    """Redis SIGKILLed and restarted under a relay and a worker: the reference's rows, no more."""
    expected = reference(ACTIONS)
    stream = "events"
    feed = app_feed(sql_storage)
    script = Script(feed, SEED)
    client = redis.Redis.from_url(private_redis.url)
    relay = relay_command(tmp_path / "relay.log", sql_storage, private_redis.url, stream)
    # A message handed out just before the crash and never acknowledged is
    # taken back after --claim-idle seconds; one, so the test need not wait a minute.
    worker = worker_command(
        tmp_path / "worker.log", sql_storage, private_redis.url, stream, "--claim-idle", "1"
    )
    with client, relay, worker:
        script.start()
        outcomes = script.act(ACTIONS // 2)
        wait_for(
            lambda: bool(observe(sql_storage).stored),
            "the worker to handle events",
            relay,
            worker,
        )
        private_redis.kill()
        outcomes += script.act(ACTIONS // 4)  # the application does not need Redis to work
        # Redis stays down until both processes met the outage (each logs that it
        # retries), so that what follows tests their reconnecting, not luck.
        wait_for(
            lambda: relay.logged("retrying") and worker.logged("retrying"),
            "the relay and the worker to find Redis gone",
            relay,
            worker,
        )
        private_redis.start()
        outcomes += script.act(ACTIONS - ACTIONS // 2 - ACTIONS // 4)
        wait_for(
            lambda: unpublished(sql_storage) == 0 and caught_up(client, stream),
            "the relay and the worker to catch up after the restart",
            relay,
            worker,
        )
        assert relay.stop() == 0
        assert worker.stop() == 0
        entries = stream_entries(client, stream)
        assert client.xpending(stream, GROUP)["pending"] == 0
        assert client.xlen(f"{stream}:dead") == 0

    assert outcomes == expected.outcomes
    tally = check_stream(outbox_rows(sql_storage), entries)
    tally.report("Redis SIGKILLed and restarted", sql_storage, record_property)
    assert tally.lost == 0
    same_as(expected, sql_storage)


# --- 5: application, relay and worker in three processes -------------------------------------


def test_an_app_a_relay_and_a_worker_in_three_processes_notify_as_one_process_does(
    sql_storage: Storage,
    redis_client: redis.Redis,
    redis_prefix: str,
    tmp_path: Path,
    reference: Callable[[int], Reference],
    record_property: Callable[[str, Any], None],
) -> None:
    """An app, a relay and a worker in three processes leave the reference's rows, row for row."""
    assert REDIS_URL is not None
    expected = reference(ACTIONS)
    stream = f"{redis_prefix}events"
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue[dict[str, int]] = context.Queue()
    app = context.Process(
        target=outbox_processes.write_script,
        args=(url_of(sql_storage), SEED, ACTIONS, results),
    )
    relay = relay_command(tmp_path / "relay.log", sql_storage, REDIS_URL, stream)
    worker = worker_command(tmp_path / "worker.log", sql_storage, REDIS_URL, stream)
    with relay, worker:
        app.start()
        try:
            outcomes = results.get(timeout=DEADLINE)
        finally:
            app.join(timeout=DEADLINE)
            if app.is_alive():
                app.kill()
        assert app.exitcode == 0
        wait_for(
            lambda: unpublished(sql_storage) == 0 and caught_up(redis_client, stream),
            "the relay and the worker to catch up",
            relay,
            worker,
        )
        assert relay.stop() == 0
        assert worker.stop() == 0

    assert Counter(outcomes) == expected.outcomes
    tally = check_stream(outbox_rows(sql_storage), stream_entries(redis_client, stream))
    tally.report("three processes, no fault", sql_storage, record_property)
    assert (tally.lost, tally.duplicated) == (0, 0)
    assert redis_client.xpending(stream, GROUP)["pending"] == 0
    same_as(expected, sql_storage)


# --- 6: dead letters across processes -------------------------------------------------------


def test_a_worker_process_dead_letters_exactly_the_events_a_receiver_refuses(
    sql_storage: Storage,
    redis_client: redis.Redis,
    redis_prefix: str,
    tmp_path: Path,
    reference: Callable[[int], Reference],
) -> None:
    """Comments a receiver always refuses are dead-lettered and acknowledged; the rest handled.

    The reference is the whole one-process run: the failing receiver is not
    one of the handlers compared, and they handled every event, the
    dead-lettered ones included.
    """
    assert REDIS_URL is not None
    expected = reference(ACTIONS)
    stream = f"{redis_prefix}events"
    script = Script(app_feed(sql_storage), SEED)
    script.start()
    assert script.act(ACTIONS) == expected.outcomes
    drain(sql_storage, redis_client, stream)
    refuser = f"{outbox_processes.__name__}:{outbox_processes.refuse_comments.__name__}"
    worker = worker_command(
        tmp_path / "worker.log",
        sql_storage,
        REDIS_URL,
        stream,
        *("--handler", refuser, "--attempts", "2"),
    )
    with worker:
        wait_for(lambda: caught_up(redis_client, stream), "the worker to read the stream", worker)
        assert worker.stop() == 0

    entries = stream_entries(redis_client, stream)
    refused = [e for e in entries if isinstance(wire.decode(e.data), CommentAdded)]
    dead = [fields for _, fields in read_stream(redis_client, f"{stream}:dead")]
    assert refused, "the script must comment for this test to mean anything"
    assert [(d["message_id"], d["data"]) for d in dead] == [(e.message_id, e.data) for e in refused]
    # Dead-lettered on their first delivery, once the receiver failed its two attempts.
    assert {(d["group"], d["stream"], d["deliveries"]) for d in dead} == {(GROUP, stream, "1")}
    assert all(repr(RuntimeError(REFUSAL)) in d["reason"] for d in dead), dead[0]["reason"]
    assert redis_client.xpending(stream, GROUP)["pending"] == 0
    # Both handlers ran for every event, the refused ones included: only the
    # failing receiver is retried, and a dead letter undoes nothing.
    same_as(expected, sql_storage)


# --- 7: a lost stream, recovered by following the docs' recipe -------------------------------

# The first events a group handled before the loss; it had not read the rest yet.
HANDLED_BEFORE_THE_LOSS = 30
# What the recipe subtracts from the time of the loss: the longest a group may lag behind.
# The script's clock moves ten minutes an action, so the group's lag spans hours of it.
LONGEST_LAG = timedelta(days=1)


def event_ids(data: Sequence[str]) -> set[object]:
    """The ``event_id`` of each event in wire form."""
    return {wire.decode(item).event_id for item in data}


def test_a_stream_lost_while_the_relay_carries_on_is_recovered_by_replay_as_the_docs_say(
    sql_storage: Storage,
    redis_client: redis.Redis,
    redis_prefix: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """After a lost stream, ``outbox replay --since`` (loss less lag) gets a group every event."""
    assert REDIS_URL is not None
    stream = f"{redis_prefix}events"
    script = Script(app_feed(sql_storage), SEED)
    consumer = RedisStreamConsumer(redis_client, GROUP, stream=stream, consumer="worker-1")
    with relay_command(tmp_path / "relay.log", sql_storage, REDIS_URL, stream) as relay:
        script.start()
        script.act(ACTIONS // 2)
        wait_for(lambda: unpublished(sql_storage) == 0, "the relay to publish", relay)
        handled = consumer.receive(HANDLED_BEFORE_THE_LOSS, timeout=1.0)
        consumer.acknowledge(handled)
        lost = event_ids([e.data for e in stream_entries(redis_client, stream)]) - event_ids(
            [m.data for m in handled]
        )
        assert len(handled) == HANDLED_BEFORE_THE_LOSS
        assert lost, "the group must lag behind for the loss to lose anything"

        # The loss: the stream and its group are gone; the relay carries on into a new stream.
        # The app's clock is the script's, which the outbox rows are dated by.
        lost_at = script.clock.now()
        redis_client.delete(stream)
        script.act(ACTIONS // 2)
        wait_for(
            lambda: unpublished(sql_storage) == 0 and redis_client.exists(stream) == 1,
            "the relay to carry on after the loss",
            relay,
        )
        # Why the recipe goes by the time of the loss: the stream's last entry is a new event.
        last = stream_entries(redis_client, stream)[-1]
        assert wire.decode(last.data).event_id not in lost

        # The recipe: replay from the time of the loss less the longest lag.
        since = (lost_at - LONGEST_LAG).isoformat()
        argv = ["outbox", "--database", url_of(sql_storage), "replay", "--since", since]
        assert main([*argv, "--redis", REDIS_URL, "--stream", stream]) == 0
        assert capsys.readouterr().out == f"replayed {len(outbox_rows(sql_storage))}\n"

        # The group, created again at the start of the stream, reads the new events and the lost.
        seen: set[object] = set()
        deadline = time.monotonic() + DEADLINE
        while not lost <= seen and time.monotonic() < deadline:
            batch = consumer.receive(100, timeout=0.1)
            consumer.acknowledge(batch)
            seen |= event_ids([m.data for m in batch])
        assert relay.stop() == 0

    assert lost <= seen
    assert event_ids([row.data for row in outbox_rows(sql_storage)]) <= seen
