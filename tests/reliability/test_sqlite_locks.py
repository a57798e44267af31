"""SQLite's locks: a write after a read never fails at once, and a lock held too long is typed.

tests/test_sql_storage.py checks the settings and the simple cases; these
check the interleaving that breaks a deferred transaction, a lock that is
released in time, and a busy error in the middle of an action.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event

from socialfeed import LikeState, ManualClock, SocialFeed, StorageBusyError
from socialfeed.events import PostLiked
from socialfeed.storage import SQLStorage
from tests.conftest import HASHER
from tests.support import EventRecorder, unchanged

BUSY_TIMEOUT = 0.3


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """The SQLite file of the test."""
    return tmp_path / "locks.db"


@pytest.fixture
def feed(path: Path) -> Iterator[SocialFeed]:
    """A facade on an SQLite file whose busy timeout is BUSY_TIMEOUT seconds."""
    storage = SQLStorage(create_engine(f"sqlite:///{path}"), sqlite_busy_timeout=BUSY_TIMEOUT)
    storage.create_schema()
    yield SocialFeed(storage, clock=ManualClock(), password_hasher=HASHER)
    storage.close()


@pytest.fixture
def events(feed: SocialFeed) -> Iterator[EventRecorder]:
    """Every event the facade sends during the test."""
    recorder = EventRecorder(feed)
    recorder.connect()
    yield recorder
    recorder.disconnect()


def engine_of(feed: SocialFeed) -> Engine:
    assert isinstance(feed.storage, SQLStorage)
    return feed.storage.engine


def other_connection(path: Path) -> sqlite3.Connection:
    """A connection of another program to the same file, managing its own transactions."""
    return sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)


def test_a_deferred_read_then_write_fails_where_the_library_does_not(
    feed: SocialFeed, events: EventRecorder, path: Path
) -> None:
    """Another commit between a read and a write breaks a deferred transaction, not a like."""
    author = feed.accounts.create_profile("author")
    fan = feed.accounts.create_profile("fan")
    post = feed.posts.create(author.id, content="between")
    events.clear()

    # The failure the library avoids: a plain BEGIN reads, someone else
    # commits, and the write then fails at once, whatever the busy timeout.
    with closing(other_connection(path)) as naive, closing(other_connection(path)) as writer:
        naive.execute("BEGIN")
        naive.execute("SELECT count(*) FROM socialfeed_posts").fetchone()
        writer.execute("UPDATE socialfeed_users SET bio = 'changed' WHERE id = ?", (author.id,))
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            naive.execute("UPDATE socialfeed_users SET bio = 'mine' WHERE id = ?", (fan.id,))
        naive.execute("ROLLBACK")

    # The same interleaving inside a like: another program tries to commit
    # right after the like's first read. It has to wait for the like instead.
    engine = engine_of(feed)
    writer_done = threading.Event()
    writer_errors: list[Exception] = []

    def write_from_elsewhere() -> None:
        try:
            with closing(other_connection(path)) as other:
                other.execute("UPDATE socialfeed_users SET bio = 'later' WHERE id = ?", (fan.id,))
        except Exception as error:
            writer_errors.append(error)
        writer_done.set()

    started: list[threading.Thread] = []
    cut_in: list[bool] = []

    def after_first_read(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("SELECT") and not started:
            started.append(threading.Thread(target=write_from_elsewhere))
            started[0].start()
            # Give the other writer every chance to cut in before the like writes.
            cut_in.append(writer_done.wait(timeout=0.2))

    event.listen(engine, "before_cursor_execute", after_first_read)
    try:
        state = feed.likes.like(fan.id, post.id)
    finally:
        event.remove(engine, "before_cursor_execute", after_first_read)
    started[0].join()

    assert state == LikeState(liked=True, like_count=1)
    assert cut_in == [False], "the other writer got in while the like held its transaction"
    assert writer_errors == []
    assert feed.users.get(fan.id).bio == "later"
    assert events.only(PostLiked).post_id == post.id


def test_a_lock_released_within_the_busy_timeout_is_waited_for(path: Path, tmp_path: Path) -> None:
    """A writer queues behind a lock held for less than the busy timeout, then succeeds."""
    storage = SQLStorage(create_engine(f"sqlite:///{path}"), sqlite_busy_timeout=10)
    storage.create_schema()
    feed = SocialFeed(storage, clock=ManualClock(), password_hasher=HASHER)
    author = feed.accounts.create_profile("author")

    with closing(storage), closing(other_connection(path)) as other:
        other.execute("BEGIN IMMEDIATE")
        releaser = threading.Timer(0.3, lambda: other.execute("COMMIT"))
        releaser.start()
        started = time.monotonic()
        post = feed.posts.create(author.id, content="queued")
        waited = time.monotonic() - started
        releaser.join()

        assert waited >= 0.25
        assert feed.posts.get(post.id).content == "queued"


def test_reads_go_on_while_another_program_holds_the_write_lock(
    feed: SocialFeed, path: Path
) -> None:
    """Reads do not wait for a held write lock, even one held past the busy timeout."""
    author = feed.accounts.create_profile("author")
    post = feed.posts.create(author.id, content="readable")

    with closing(other_connection(path)) as other:
        other.execute("BEGIN IMMEDIATE")
        # The lock outlives these reads: had they needed it, they would be busy errors.
        assert feed.posts.get(post.id).content == "readable"
        assert feed.users.get(author.id).post_count == 1
        assert feed.posts.by_author(author.id).items[0].id == post.id
        other.execute("ROLLBACK")


def test_a_lock_held_past_the_timeout_is_busy_and_the_retry_succeeds(
    feed: SocialFeed, events: EventRecorder, path: Path
) -> None:
    """StorageBusyError while another program holds the lock; once it lets go, the call works."""
    author = feed.accounts.create_profile("author")
    fan = feed.accounts.create_profile("fan")
    post = feed.posts.create(author.id, content="wait your turn")
    events.clear()

    with closing(other_connection(path)) as other:
        other.execute("BEGIN IMMEDIATE")
        with unchanged(feed, events), pytest.raises(StorageBusyError) as info:
            feed.likes.like(fan.id, post.id)
        other.execute("COMMIT")

    assert "locked" in str(info.value)
    assert feed.likes.like(fan.id, post.id) == LikeState(liked=True, like_count=1)
    assert events.only(PostLiked).user_id == fan.id


def test_busy_in_the_middle_of_an_action_leaves_nothing_half_written(
    feed: SocialFeed, events: EventRecorder
) -> None:
    """A busy error between a like's row and its counter rolls the row back too."""
    author = feed.accounts.create_profile("author")
    fan = feed.accounts.create_profile("fan")
    post = feed.posts.create(author.id, content="half")
    events.clear()
    engine = engine_of(feed)

    def busy_at_the_counter(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("UPDATE socialfeed_posts"):
            raise sqlite3.OperationalError("database is locked")

    event.listen(engine, "before_cursor_execute", busy_at_the_counter)
    try:
        with unchanged(feed, events), pytest.raises(StorageBusyError):
            feed.likes.like(fan.id, post.id)
    finally:
        event.remove(engine, "before_cursor_execute", busy_at_the_counter)

    assert feed.likes.like(fan.id, post.id) == LikeState(liked=True, like_count=1)
    assert feed.maintenance.reconcile_counters() == 0
