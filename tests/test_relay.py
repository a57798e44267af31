"""The relay: outbox rows published in order, marked only once the publisher took them."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from socialfeed import BrokerError, ManualClock, SocialFeed, StorageError, wire
from socialfeed.events import PostCreated
from socialfeed.outbox.relay import Relay, replay
from socialfeed.storage import SQLStorage, Storage
from socialfeed.storage.base import OutboxMessage, OutboxWakeups, UnitOfWork
from socialfeed.storage.sql._outbox import NOTIFY_CHANNEL
from tests.conftest import make_storage
from tests.test_outbox import outbox_feed, rows


class ListPublisher:
    """A publisher that keeps what it was given; it can fail or dawdle on request."""

    def __init__(self, *, pause: float = 0.0) -> None:
        self.published: list[OutboxMessage] = []
        self.fail = False
        self.pause = pause
        self._lock = threading.Lock()

    def publish(self, messages: Sequence[OutboxMessage]) -> None:
        if self.fail:
            raise BrokerError("the broker is down")
        time.sleep(self.pause)
        with self._lock:
            self.published.extend(messages)


def write_posts(storage: Storage, clock: ManualClock, count: int) -> SocialFeed:
    """A facade with the outbox on whose user made ``count`` posts (count + 1 events)."""
    feed = outbox_feed(storage, clock)
    alice = feed.accounts.create_profile("alice")
    for n in range(count):
        feed.posts.create(alice.id, content=f"post {n}")
    return feed


def test_relay_publishes_in_order_and_marks_published(storage: Storage, clock: ManualClock) -> None:
    """One pass publishes every pending row oldest first and leaves none unpublished."""
    feed = write_posts(storage, clock, 4)
    expected = rows(storage)
    publisher = ListPublisher()

    assert Relay(storage, publisher).relay_once() == 5

    assert publisher.published == expected
    assert feed.outbox.status().unpublished == 0
    assert Relay(storage, publisher).relay_once() == 0


def test_relay_batches_are_bounded(storage: Storage, clock: ManualClock) -> None:
    """A pass takes at most ``batch_size`` rows, the oldest."""
    write_posts(storage, clock, 6)
    publisher = ListPublisher()
    relay = Relay(storage, publisher, batch_size=3)

    assert [relay.relay_once() for _ in range(4)] == [3, 3, 1, 0]
    ids = [message.id for message in publisher.published]
    assert ids == sorted(set(ids))
    assert len(ids) == 7


def test_a_failed_publish_marks_nothing(storage: Storage, clock: ManualClock) -> None:
    """When the broker refuses a batch the rows stay unpublished, to be published later."""
    feed = write_posts(storage, clock, 2)
    publisher = ListPublisher()
    publisher.fail = True
    relay = Relay(storage, publisher)

    with pytest.raises(BrokerError):
        relay.relay_once()

    assert feed.outbox.status().unpublished == 3
    publisher.fail = False
    assert relay.relay_once() == 3


def test_published_messages_decode_to_the_events(storage: Storage, clock: ManualClock) -> None:
    """What the relay hands the broker is the wire form of the events receivers got."""
    write_posts(storage, clock, 1)
    publisher = ListPublisher()
    Relay(storage, publisher).relay_once()

    event = wire.decode(publisher.published[-1].data)
    assert isinstance(event, PostCreated)
    assert event.content == "post 0"


def test_run_relays_what_commits_while_it_runs(storage: Storage, clock: ManualClock) -> None:
    """A running relay picks up rows committed after it started, then stops when told."""
    feed = write_posts(storage, clock, 0)
    publisher = ListPublisher()
    stop = threading.Event()
    runner = threading.Thread(
        target=Relay(storage, publisher, poll_interval=0.01).run, args=(stop,)
    )
    runner.start()
    try:
        alice = feed.users.get_by_username("alice")
        for n in range(10):
            feed.posts.create(alice.id, content=str(n))
        deadline = time.monotonic() + 10
        while len(publisher.published) < 11 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        stop.set()
        runner.join(10)

    assert not runner.is_alive()
    assert [m.id for m in publisher.published] == sorted(m.id for m in publisher.published)
    assert len(publisher.published) == 11


def test_two_relays_never_publish_a_row_twice(sql_storage: Storage, clock: ManualClock) -> None:
    """Two relays running at once on one database publish every row exactly once, in order."""
    write_posts(sql_storage, clock, 199)
    publisher = ListPublisher(pause=0.005)
    relays = [Relay(sql_storage, publisher, batch_size=20) for _ in range(2)]
    done = threading.Barrier(2)

    def drain(relay: Relay) -> None:
        done.wait()
        while relay.relay_once():
            pass

    threads = [threading.Thread(target=drain, args=(relay,)) for relay in relays]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    ids = [message.id for message in publisher.published]
    assert len(ids) == 200
    assert ids == sorted(set(ids))


@pytest.mark.postgresql
def test_a_commit_with_events_notifies_the_listening_relay(
    request: pytest.FixtureRequest, tmp_path: Path, clock: ManualClock
) -> None:
    """On PostgreSQL the outbox insert notifies the relay's channel when its transaction commits."""
    storage = make_storage("postgresql", request, tmp_path)
    assert isinstance(storage, SQLStorage)
    listener = storage.engine.raw_connection()
    try:
        driver = listener.driver_connection
        assert isinstance(driver, psycopg.Connection)
        driver.autocommit = True
        driver.execute(f"LISTEN {NOTIFY_CHANNEL}")
        outbox_feed(storage, clock).accounts.create_profile("alice")

        notices = list(driver.notifies(timeout=5, stop_after=1))
    finally:
        listener.invalidate()

    assert [notice.channel for notice in notices] == [NOTIFY_CHANNEL]


def test_outbox_wakeups_wake_a_waiting_relay_on_a_commit(
    storage: Storage, clock: ManualClock
) -> None:
    """PostgreSQL's wake-ups return at a commit that records events; other storages poll (None)."""
    wakeups = storage.outbox_wakeups()
    if not (isinstance(storage, SQLStorage) and storage.engine.dialect.name == "postgresql"):
        assert wakeups is None
        return
    assert wakeups is not None
    feed = outbox_feed(storage, clock)
    try:
        wakeups.wait(timeout=0.01)  # starts listening; nothing was committed yet
        waiter = threading.Thread(target=wakeups.wait, kwargs={"timeout": 60.0})
        waiter.start()
        feed.accounts.create_profile("alice")
        waiter.join(30)  # long before the wait's own timeout, unless nobody woke it
        woken = not waiter.is_alive()
    finally:
        wakeups.close()

    assert woken


# --- Leases: the relay holds no transaction while the broker works --------------------------


class BlockingPublisher(ListPublisher):
    """A publisher whose calls wait in the broker until the test lets them through."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = threading.Event()
        self.let_through = threading.Event()

    def publish(self, messages: Sequence[OutboxMessage]) -> None:
        self.inside.set()
        assert self.let_through.wait(30), "the test never let the publish through"
        super().publish(messages)


def test_a_second_relay_stays_off_a_batch_in_flight(storage: Storage, clock: ManualClock) -> None:
    """While one relay publishes its claimed batch, another publishes nothing, then the rest."""
    write_posts(storage, clock, 4)
    expected = rows(storage)
    first_broker, second_broker = BlockingPublisher(), ListPublisher()
    first = Relay(storage, first_broker, batch_size=3)
    second = Relay(storage, second_broker, batch_size=3)
    runner = threading.Thread(target=first.relay_once)
    runner.start()
    try:
        assert first_broker.inside.wait(30)
        assert second.relay_once() == 0  # the lease holds: no transaction needed to keep it off
    finally:
        first_broker.let_through.set()
        runner.join(30)

    assert second_broker.published == []
    assert second.relay_once() == 2
    assert first_broker.published + second_broker.published == expected


class RelayKilled(BaseException):
    """Stands for the end of a relay's process: no handler of the relay's runs."""


class DyingPublisher(ListPublisher):
    """Publishes the batch, then the relay's process dies before it can mark it."""

    def publish(self, messages: Sequence[OutboxMessage]) -> None:
        super().publish(messages)
        raise RelayKilled


def test_a_batch_a_dead_relay_published_is_published_again_once_its_lease_lapses(
    storage: Storage, clock: ManualClock
) -> None:
    """Rows published and never marked wait out their lease, then go again: once more, no loss."""
    feed = write_posts(storage, clock, 2)
    expected = rows(storage)
    dying = DyingPublisher()
    with pytest.raises(RelayKilled):
        Relay(storage, dying, lease=30, clock=clock).relay_once()
    publisher = ListPublisher()
    successor = Relay(storage, publisher, lease=30, clock=clock)

    clock.advance(timedelta(seconds=29))
    assert successor.relay_once() == 0
    clock.advance(timedelta(seconds=2))
    assert successor.relay_once() == 3

    assert dying.published == publisher.published == expected
    assert feed.outbox.status().unpublished == 0


class FlakyStorage:
    """A storage whose next write transaction fails, as a database that goes away does."""

    def __init__(self, inner: Storage) -> None:
        self.inner = inner
        self.fail_next_write = False

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[UnitOfWork]:
        if write and self.fail_next_write:
            self.fail_next_write = False
            raise StorageError("the database went away")
        with self.inner.transaction(write=write) as uow:
            yield uow

    def create_schema(self) -> None:
        self.inner.create_schema()

    def outbox_wakeups(self) -> OutboxWakeups | None:
        return self.inner.outbox_wakeups()

    def close(self) -> None:
        self.inner.close()


class MarkFailingPublisher(ListPublisher):
    """Publishes, then makes the database fail the relay's mark that follows."""

    def __init__(self, storage: FlakyStorage) -> None:
        super().__init__()
        self.storage = storage

    def publish(self, messages: Sequence[OutboxMessage]) -> None:
        super().publish(messages)
        self.storage.fail_next_write = True


def test_a_batch_whose_mark_failed_is_marked_at_the_next_pass_not_published_again(
    storage: Storage, clock: ManualClock
) -> None:
    """After a failed mark the relay marks the published batch first, without a repeat."""
    feed = write_posts(storage, clock, 2)
    expected = rows(storage)
    flaky = FlakyStorage(storage)
    publisher = MarkFailingPublisher(flaky)
    relay = Relay(flaky, publisher)

    with pytest.raises(StorageError):
        relay.relay_once()
    assert feed.outbox.status().unpublished == 3  # published, claimed, not marked
    assert relay.relay_once() == 0  # the database is back: the mark, and nothing to publish

    assert publisher.published == expected
    assert feed.outbox.status().unpublished == 0


# --- Replay: the outbox published again from a point in time -------------------------------


def test_replay_publishes_every_row_recorded_since_a_time_in_batches(
    storage: Storage, clock: ManualClock
) -> None:
    """Rows recorded at or after the time go again, oldest first, published or not; none marked."""
    feed = write_posts(storage, clock, 1)
    Relay(storage, ListPublisher()).relay_once()
    clock.advance(timedelta(minutes=5))
    since = clock.now()
    alice = feed.users.get_by_username("alice")
    for n in range(4):
        feed.posts.create(alice.id, content=f"after {n}")
    Relay(storage, ListPublisher(), batch_size=2).relay_once()  # two of the four published
    waiting = rows(storage)
    publisher = ListPublisher()

    assert replay(storage, publisher, since=since, batch_size=3) == 4

    created = [wire.decode(message.data) for message in publisher.published]
    assert [e.content for e in created if isinstance(e, PostCreated)] == [
        f"after {n}" for n in range(4)
    ]
    assert [m.id for m in publisher.published] == sorted(m.id for m in publisher.published)
    assert rows(storage) == waiting  # the relay's work is untouched


def test_replay_refuses_a_time_without_its_zone(storage: Storage) -> None:
    """A naive time could mean any zone: replay refuses it rather than guess."""
    with pytest.raises(ValueError, match="timezone"):
        replay(storage, ListPublisher(), since=datetime(2026, 1, 1))
