"""A broker that hangs under a running relay: the application's writes must not wait for it.

The relay claims its batch in one short transaction, publishes with none
open, and marks the batch in another, so a broker that hangs for seconds
holds no lock an application's write needs, on SQLite (one writer at a
time) or on PostgreSQL. These tests time the application's writes during
such a hang, a timed assertion the suite otherwise avoids: its bound (1 s,
stated in the docstring) is far from both the hang (5 s) and an ordinary
write (milliseconds).

Each test prints one summary line (see it with ``pytest -s``): the backend,
the number of writes during the hang, and the slowest of them.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import pytest

from socialfeed import BrokerError, ManualClock, SocialFeed
from socialfeed.outbox.relay import Relay
from socialfeed.storage import SQLStorage, Storage
from socialfeed.storage.base import OutboxMessage
from tests.test_outbox import outbox_feed

T = TypeVar("T")

# How long the broker hangs, and the most any application write may take meanwhile.
HANG = 5.0
WRITE_BOUND = 1.0
WRITERS = 2
# How long any wait may take on a loaded machine before the test fails.
DEADLINE = 60.0


class HangingBroker:
    """A publisher that hangs until `recover` is called, as a Redis that stops answering.

    With no ``timeout`` the hung call succeeds once the broker recovers, as
    a broker that comes back and answers does. With one, each call gives up
    after ``timeout`` seconds and raises `BrokerError` until the broker
    recovers, as a client with a socket timeout does, and the relay tries
    again; nothing of a failed call reaches the broker.
    """

    def __init__(self, timeout: float | None) -> None:
        self.timeout = timeout
        self.published: list[OutboxMessage] = []
        self.hanging = threading.Event()
        self._recovered = threading.Event()
        self._lock = threading.Lock()

    def publish(self, messages: Sequence[OutboxMessage]) -> None:
        self.hanging.set()
        if not self._recovered.wait(DEADLINE if self.timeout is None else self.timeout):
            raise BrokerError("the broker did not answer in time")
        with self._lock:
            self.published.extend(messages)

    def recover(self) -> None:
        self._recovered.set()

    def count(self) -> int:
        with self._lock:
            return len(self.published)


def outbox_ids(storage: Storage) -> list[int]:
    """The id of every outbox row, published or not."""
    assert isinstance(storage, SQLStorage)
    with storage.engine.connect() as conn:
        return [row.id for row in conn.exec_driver_sql("SELECT id FROM socialfeed_outbox")]


def write_while(hanging: threading.Event, feed: SocialFeed, name: str) -> list[float]:
    """Register, then post and like, while the broker hangs; return how long each write took."""
    took: list[float] = []

    def timed(action: Callable[[], T]) -> T:
        started = time.monotonic()
        result = action()
        took.append(time.monotonic() - started)
        return result

    author = timed(lambda: feed.accounts.create_profile(name))
    while hanging.is_set():
        post = timed(lambda: feed.posts.create(author.id, content=f"during the hang {len(took)}"))
        timed(lambda: feed.likes.like(author.id, post.id))  # noqa: B023 (called at once)
        time.sleep(0.05)
    return took


def run_writers(feed: SocialFeed, during: threading.Event) -> Callable[[], list[float]]:
    """Start the writer threads; return a function that joins them and gives every time taken."""
    results: list[list[float]] = []
    errors: list[BaseException] = []

    def write(number: int) -> None:
        try:
            results.append(write_while(during, feed, f"writer{number}"))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()

    def join() -> list[float]:
        for thread in threads:
            thread.join(DEADLINE)
        assert not errors, errors
        assert len(results) == WRITERS, "a writer never finished"
        return [took for result in results for took in result]

    return join


@pytest.mark.parametrize("timeout", [None, 1.0], ids=["answers-late", "times-out"])
def test_a_hung_broker_does_not_hold_up_the_applications_writes(
    sql_storage: Storage,
    clock: ManualClock,
    timeout: float | None,
    record_property: Callable[[str, Any], None],
) -> None:
    """While the broker hangs 5 s, every app write takes under 1 s; then each event goes once."""
    feed = outbox_feed(sql_storage, clock)
    feed.accounts.create_profile("early")  # a row for the relay to hang on
    broker = HangingBroker(timeout)
    relay = Relay(sql_storage, broker, poll_interval=0.01)
    stop = threading.Event()
    runner = threading.Thread(target=relay.run, args=(stop,))
    runner.start()
    try:
        assert broker.hanging.wait(DEADLINE), "the relay never published"
        during = threading.Event()
        during.set()
        join = run_writers(feed, during)
        time.sleep(HANG)
        during.clear()
        broker.recover()
        took = join()
        written = outbox_ids(sql_storage)
        deadline = time.monotonic() + DEADLINE
        while broker.count() < len(written) and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        broker.recover()
        stop.set()
        runner.join(DEADLINE)

    assert isinstance(sql_storage, SQLStorage)
    line = (
        f"hung broker ({'times out' if timeout else 'answers late'}) on "
        f"{sql_storage.engine.dialect.name}: {len(took)} writes during a "
        f"{HANG:.0f} s hang, slowest {max(took):.3f} s"
    )
    print(f"\n{line}")
    record_property("hung_broker", line)
    assert not runner.is_alive()
    assert took, "no write ran during the hang"
    assert max(took) < WRITE_BOUND, line
    assert Counter(message.id for message in broker.published) == Counter(written)
    assert feed.outbox.status().unpublished == 0
