"""What only the SQL backends promise: SQLite's settings, locking, drivers and error translation."""

from __future__ import annotations

import sqlite3
import threading
import time
import types
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta, timezone
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from socialfeed import (
    ManualClock,
    NotFoundError,
    Settings,
    SocialFeed,
    StorageBusyError,
    StorageError,
    signals,
)
from socialfeed.ids import PostId, UserId
from socialfeed.storage import SQLStorage, Storage, UnitOfWork
from socialfeed.storage.base import NewUser
from tests.conftest import HASHER
from tests.support import EventRecorder, dump, unchanged


@pytest.fixture
def feed(sql_storage: Storage, clock: ManualClock) -> SocialFeed:
    """A facade on a real SQL database, SQLite file or PostgreSQL."""
    return SocialFeed(
        sql_storage,
        settings=Settings(raise_receiver_errors=True),
        clock=clock,
        password_hasher=HASHER,
    )


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Iterator[SQLStorage]:
    """A storage on a fresh SQLite file with the default settings."""
    storage = SQLStorage.from_url(f"sqlite:///{tmp_path / 'socialfeed.db'}")
    storage.create_schema()
    yield storage
    storage.close()


def start_thread(
    action: Callable[[], object],
) -> tuple[threading.Thread, threading.Event, list[Exception]]:
    """Start ``action`` in a thread; return it, an event set when it succeeded, and its errors."""
    done = threading.Event()
    errors: list[Exception] = []

    def run() -> None:
        try:
            action()
        except Exception as error:
            errors.append(error)
        else:
            done.set()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, done, errors


def test_sqlite_connections_have_foreign_keys_wal_and_a_busy_timeout(
    sqlite_file: SQLStorage,
) -> None:
    """Every new SQLite connection is set up with foreign keys on, WAL and a busy timeout."""
    connections = [sqlite_file.engine.raw_connection() for _ in range(2)]
    try:
        for connection in connections:
            cursor = connection.cursor()
            assert cursor.execute("PRAGMA foreign_keys").fetchone() == (1,)
            assert cursor.execute("PRAGMA journal_mode").fetchone() == ("wal",)
            assert cursor.execute("PRAGMA busy_timeout").fetchone() == (30_000,)
    finally:
        for connection in connections:
            connection.close()


def test_a_writer_commits_while_another_connection_reads(feed: SocialFeed) -> None:
    """An open read transaction does not hold up a writer, and the reader can write afterwards."""
    author = feed.accounts.create_profile("author")
    fan = feed.accounts.create_profile("fan")
    post = feed.posts.create(author.id, content="read me")

    with feed.storage.transaction(write=False) as uow:
        assert uow.users.get(fan.id) is not None
        writer, written, errors = start_thread(lambda: feed.likes.like(fan.id, post.id))
        committed_while_reading = written.wait(timeout=10)
    writer.join()

    assert errors == []
    assert committed_while_reading
    assert feed.likes.like(author.id, post.id).like_count == 2
    assert feed.likes.liked_post_ids(fan.id, [post.id]) == {post.id}


def test_a_write_after_a_read_is_not_locked_out_by_another_writer(
    feed: SocialFeed, clock: ManualClock
) -> None:
    """A write transaction that reads first can still write while another writer competes."""
    author = feed.accounts.create_profile("author")
    fan = feed.accounts.create_profile("fan")
    post = feed.posts.create(author.id, content="contested")

    with feed.storage.transaction() as uow:
        assert uow.posts.get(post.id) is not None
        writer, written, errors = start_thread(lambda: feed.likes.like(fan.id, post.id))
        # On SQLite the writer queues behind this transaction; give it the chance to cut in.
        written.wait(timeout=0.5)
        assert uow.likes.add(author.id, post.id, clock.now()) is not None
    writer.join()

    assert errors == []
    assert feed.posts.get(post.id).like_count == 2
    assert feed.likes.liked_post_ids(fan.id, [post.id]) == {post.id}


def test_a_lock_held_past_the_busy_timeout_is_storage_busy(tmp_path: Path) -> None:
    """Waiting on a lock past sqlite_busy_timeout raises StorageBusyError and writes nothing."""
    path = tmp_path / "busy.db"
    storage = SQLStorage(create_engine(f"sqlite:///{path}"), sqlite_busy_timeout=0.1)
    storage.create_schema()
    feed = SocialFeed(storage, clock=ManualClock(), password_hasher=HASHER)
    author = feed.accounts.create_profile("author")
    recorder = EventRecorder(feed)

    with (
        closing(storage),
        signals.post_created.connected_to(recorder, sender=feed),
        unchanged(feed, recorder),
        closing(sqlite3.connect(path, isolation_level=None)) as other,
    ):
        other.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        with pytest.raises(StorageBusyError):
            feed.posts.create(author.id, content="blocked")
        waited = time.monotonic() - started

    assert 0.05 < waited < 5


def test_postgresql_url_uses_psycopg(postgresql_url: str) -> None:
    """A plain postgresql:// URL gets the psycopg 3 driver."""
    url = make_url(postgresql_url).set(drivername="postgresql")
    storage = SQLStorage.from_url(url.render_as_string(hide_password=False))
    with closing(storage), storage.engine.connect() as conn:
        assert storage.engine.dialect.driver == "psycopg"
        assert conn.exec_driver_sql("SELECT 1").scalar() == 1


@pytest.mark.parametrize("url", ["mysql://user@localhost/db", "oracle://user@localhost/db"])
def test_unsupported_dialect_url_is_a_value_error(url: str) -> None:
    """A URL of a database other than SQLite or PostgreSQL raises ValueError, driver or not."""
    with pytest.raises(ValueError, match="SQLite and PostgreSQL"):
        SQLStorage.from_url(url)


def test_unsupported_dialect_engine_is_a_value_error() -> None:
    """An engine of a database other than SQLite or PostgreSQL raises ValueError."""
    # A stand-in DB-API module: the engine is built but never connects.
    engine = create_engine(
        "mysql://user@localhost/db", module=types.SimpleNamespace(paramstyle="format")
    )
    with pytest.raises(ValueError, match="not mysql"):
        SQLStorage(engine)


def test_in_memory_sqlite_is_shared_across_threads() -> None:
    """One sqlite:// storage is one database for every thread that uses it."""
    storage = SQLStorage.from_url("sqlite://")
    storage.create_schema()
    feed = SocialFeed(storage, clock=ManualClock(), password_hasher=HASHER)
    author = feed.accounts.create_profile("author")
    barrier = threading.Barrier(8)

    def post(index: int) -> None:
        barrier.wait()
        feed.posts.create(author.id, content=f"from thread {index}")

    with closing(storage):
        started = [start_thread(partial(post, index)) for index in range(8)]
        for thread, _, _ in started:
            thread.join()
        assert [errors for _, _, errors in started] == [[]] * 8
        contents = {p.content for p in feed.posts.by_author(author.id).items}
        assert contents == {f"from thread {index}" for index in range(8)}
        assert feed.users.get(author.id).post_count == 8


BROKEN_WRITES: dict[str, Callable[[UnitOfWork, int, datetime], object]] = {
    "check constraint": lambda uow, author_id, now: uow.posts.add(author_id, None, None, now),
    "foreign key": lambda uow, author_id, now: uow.likes.add(author_id, 999_999, now),
}


@pytest.mark.parametrize("write", BROKEN_WRITES.values(), ids=BROKEN_WRITES.keys())
def test_driver_error_in_a_transaction_is_a_storage_error(
    feed: SocialFeed,
    clock: ManualClock,
    write: Callable[[UnitOfWork, int, datetime], object],
) -> None:
    """A statement the database refuses raises StorageError, not SQLAlchemy's, and rolls back."""
    author = feed.accounts.create_profile("author")
    before = dump(feed.storage)

    with pytest.raises(StorageError) as info, feed.storage.transaction() as uow:
        write(uow, author.id, clock.now())

    assert not isinstance(info.value, SQLAlchemyError)
    assert isinstance(info.value.__cause__, SQLAlchemyError)
    assert dump(feed.storage) == before


def test_an_id_beyond_the_integer_range_is_not_found(feed: SocialFeed) -> None:
    """An id too large for the database's integers is not found, as on every backend."""
    with pytest.raises(NotFoundError):
        feed.posts.get(PostId(2**63))
    with pytest.raises(NotFoundError):
        feed.users.get(UserId(2**63))


def test_timestamps_come_back_timezone_aware_utc(feed: SocialFeed) -> None:
    """A time stored with any UTC offset is read back as the same instant, in UTC."""
    at = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=timezone(timedelta(hours=5)))
    new = NewUser(
        username="tz",
        username_key="tz",
        email=None,
        email_key=None,
        password_hash=None,
        full_name=None,
        created_at=at,
    )
    with feed.storage.transaction() as uow:
        user = uow.users.add(new)
        post = uow.posts.add(user.id, "first", None, at)
        uow.posts.set_content(post.id, "edited", at)
        uow.comments.add(post.id, user.id, "nice", at)

    stored = feed.posts.get(post.id)
    [comment] = feed.comments.for_post(post.id).items
    times = [feed.users.get(user.id).created_at, stored.created_at, stored.edited_at]
    for value in [*times, comment.created_at]:
        assert value == at
        assert value is not None
        assert value.tzinfo == UTC
