"""What the tests share: recording events, proving that nothing changed, registering people."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import event, select

from socialfeed import SocialFeed, User
from socialfeed.events import Event
from socialfeed.signals import ALL_SIGNALS
from socialfeed.storage import MemoryStorage, SQLStorage, Storage
from socialfeed.storage.sql.schema import metadata

E = TypeVar("E", bound=Event)

# SOCIALFEED_TEST_NIGHTLY=1 asks the randomized and long-running tests for a
# longer run than the CI budget allows; each of them scales by this factor.
NIGHTLY = os.environ.get("SOCIALFEED_TEST_NIGHTLY") == "1"
SCALE = 10 if NIGHTLY else 1

#: The password of every account the tests register.
PASSWORD = "correct horse battery"


def register(feed: SocialFeed, username: str = "alice") -> User:
    """Register ``username``, with the email ``<username>@example.com`` and `PASSWORD`."""
    return feed.accounts.register(username, f"{username}@example.com", PASSWORD)


class EventRecorder:
    """Records every event one facade sends, in order."""

    def __init__(self, feed: SocialFeed) -> None:
        self.feed = feed
        self.events: list[Event] = []

    def __call__(self, sender: object, *, event: Event) -> None:
        assert sender is self.feed, "events are sent by the facade that ran the action"
        self.events.append(event)

    def connect(self) -> None:
        for signal in ALL_SIGNALS:
            signal.connect(self, sender=self.feed, weak=False)

    def disconnect(self) -> None:
        # Without a sender: blinker keeps a receiver connected for a sender
        # after that sender is gone, and the recorder holds the whole facade.
        for signal in ALL_SIGNALS:
            signal.disconnect(self)

    def of_type(self, event_type: type[E]) -> list[E]:
        """Return the recorded events of one type."""
        return [event for event in self.events if isinstance(event, event_type)]

    def only(self, event_type: type[E]) -> E:
        """Return the single event recorded, checking that it is of ``event_type``."""
        assert len(self.events) == 1, f"expected one event, got {self.events!r}"
        event = self.events[0]
        assert isinstance(event, event_type), f"expected {event_type.__name__}, got {event!r}"
        return event

    def clear(self) -> None:
        self.events.clear()


def dump(storage: Storage) -> dict[str, Any]:
    """Return every row of every table, to compare a storage before and after an action.

    Tables are keyed by their short name (``"sessions"``, ``"likes"``...) on every backend.
    """
    if isinstance(storage, MemoryStorage):
        return storage.snapshot()
    assert isinstance(storage, SQLStorage)
    with storage.engine.connect() as conn:
        return {
            table.name.removeprefix("socialfeed_"): sorted(
                (tuple(row) for row in conn.execute(select(table))), key=repr
            )
            for table in metadata.sorted_tables
        }


@contextmanager
def unchanged(feed: SocialFeed, recorder: EventRecorder) -> Iterator[None]:
    """Check that the block changes no row or counter and sends no signal."""
    before = dump(feed.storage)
    sent = len(recorder.events)
    yield
    assert dump(feed.storage) == before, "the failed action changed stored data"
    assert recorder.events[sent:] == [], "the failed action sent a signal"


@contextmanager
def counted_statements(storage: Storage) -> Iterator[list[str]]:
    """Collect the SQL statements a SQL storage runs inside the block, BEGIN left out."""
    assert isinstance(storage, SQLStorage)
    statements: list[str] = []

    def record(*args: Any) -> None:
        if not args[2].lstrip().upper().startswith("BEGIN"):
            statements.append(args[2])

    event.listen(storage.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(storage.engine, "before_cursor_execute", record)
