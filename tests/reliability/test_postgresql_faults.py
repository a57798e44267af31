"""PostgreSQL under faults: retried conflicts, a real deadlock, and a connection killed mid-action.

Faults are injected with SQLAlchemy's ``before_cursor_execute`` hook at a
chosen statement of a like: after its row is inserted and before the post's
counter is updated, so that a half-written action would show.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import psycopg
import psycopg.errors
import pytest
from sqlalchemy import Engine, event, make_url

from socialfeed import LikeState, ManualClock, Settings, SocialFeed, StorageConflictError
from socialfeed.errors import StorageError
from socialfeed.events import PostLiked
from socialfeed.storage import SQLStorage
from tests.conftest import HASHER, POSTGRESQL_URL, make_storage
from tests.support import EventRecorder, unchanged

pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.skipif(not POSTGRESQL_URL, reason="needs SOCIALFEED_TEST_POSTGRESQL_URL"),
]

MAX_ATTEMPTS = 3
LIKE_INSERT = "INSERT INTO socialfeed_likes"
COUNTER_UPDATE = "UPDATE socialfeed_posts"


@pytest.fixture
def feed(request: pytest.FixtureRequest, tmp_path: Path) -> SocialFeed:
    """A facade on an empty PostgreSQL database, retrying conflicts MAX_ATTEMPTS times."""
    return SocialFeed(
        make_storage("postgresql", request, tmp_path),
        settings=Settings(raise_receiver_errors=True, max_attempts=MAX_ATTEMPTS),
        clock=ManualClock(),
        password_hasher=HASHER,
    )


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


def libpq_url() -> str:
    """The test database's URL as psycopg itself takes it, for connections outside the library."""
    assert POSTGRESQL_URL is not None
    url = make_url(POSTGRESQL_URL).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


@contextmanager
def before_statement(
    engine: Engine, prefix: str, fault: Callable[[Any], None], *, times: int
) -> Iterator[list[str]]:
    """Call ``fault(cursor)`` before the first ``times`` statements starting with ``prefix``.

    Yields the list of every statement run meanwhile, to count the attempts.
    """
    seen: list[str] = []

    def hook(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)
        if statement.startswith(prefix) and sum(s.startswith(prefix) for s in seen) <= times:
            fault(cursor)

    event.listen(engine, "before_cursor_execute", hook)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", hook)


def attempts(statements: list[str]) -> int:
    """How many times the like ran: each attempt inserts the like row once."""
    return sum(statement.startswith(LIKE_INSERT) for statement in statements)


@pytest.mark.parametrize(
    "failure", [psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected]
)
def test_a_conflict_is_retried_until_the_action_succeeds(
    feed: SocialFeed, events: EventRecorder, failure: type[psycopg.Error]
) -> None:
    """Conflicts on all but the last attempt are retried: one like, a count of 1, one event."""
    author = feed.accounts.create_profile("author")
    fan = feed.accounts.create_profile("fan")
    post = feed.posts.create(author.id, content="retry me")
    events.clear()

    def conflict(cursor: Any) -> None:
        raise failure("injected")

    with before_statement(
        engine_of(feed), COUNTER_UPDATE, conflict, times=MAX_ATTEMPTS - 1
    ) as seen:
        state = feed.likes.like(fan.id, post.id)

    assert state == LikeState(liked=True, like_count=1)
    assert attempts(seen) == MAX_ATTEMPTS
    assert feed.posts.get(post.id).like_count == 1
    assert feed.likes.liked_post_ids(fan.id, [post.id]) == {post.id}
    assert events.only(PostLiked).post_id == post.id


@pytest.mark.parametrize(
    "failure", [psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected]
)
def test_a_conflict_on_every_attempt_is_a_storage_conflict_and_writes_nothing(
    feed: SocialFeed, events: EventRecorder, failure: type[psycopg.Error]
) -> None:
    """After max_attempts conflicts the caller gets StorageConflictError; nothing was written."""
    author = feed.accounts.create_profile("author")
    fan = feed.accounts.create_profile("fan")
    post = feed.posts.create(author.id, content="give up")
    events.clear()

    def conflict(cursor: Any) -> None:
        raise failure("injected")

    with (
        unchanged(feed, events),
        before_statement(engine_of(feed), COUNTER_UPDATE, conflict, times=10**6) as seen,
        pytest.raises(StorageConflictError),
    ):
        feed.likes.like(fan.id, post.id)

    assert attempts(seen) == MAX_ATTEMPTS
    # The next call, without the fault, works on the same pool.
    assert feed.likes.like(fan.id, post.id) == LikeState(liked=True, like_count=1)


def test_a_real_deadlock_is_retried_and_the_like_is_counted_once(
    feed: SocialFeed, events: EventRecorder
) -> None:
    """A deadlock with another connection aborts the like once; the retry counts it once."""
    author = feed.accounts.create_profile("author")
    fan = feed.accounts.create_profile("fan")
    post = feed.posts.create(author.id, content="deadlock")
    events.clear()
    engine = engine_of(feed)
    locked = threading.Event()
    sqlstates: list[str | None] = []
    other_errors: list[Exception] = []

    def other_transaction() -> None:
        # Lock the post row the like is about to update, then wait for the
        # like row it inserted: each transaction now waits for the other.
        try:
            with closing(psycopg.connect(libpq_url())) as other:
                other.execute(
                    "UPDATE socialfeed_posts SET like_count = like_count WHERE id = %s",
                    (post.id,),
                )
                locked.set()
                # Wait second, so that PostgreSQL's check finds the like waiting
                # longer and aborts it rather than this transaction.
                time.sleep(0.3)
                other.execute(
                    "INSERT INTO socialfeed_likes (user_id, post_id, created_at)"
                    " VALUES (%s, %s, now()) ON CONFLICT DO NOTHING",
                    (fan.id, post.id),
                )
                other.rollback()
        except Exception as error:
            locked.set()
            other_errors.append(error)

    def start_other(cursor: Any) -> None:
        threading.Thread(target=other_transaction, daemon=True).start()
        assert locked.wait(timeout=10)

    def record(context: Any) -> None:
        sqlstates.append(getattr(context.original_exception, "sqlstate", None))

    event.listen(engine, "handle_error", record)
    try:
        with before_statement(engine, COUNTER_UPDATE, start_other, times=1) as seen:
            state = feed.likes.like(fan.id, post.id)
    finally:
        event.remove(engine, "handle_error", record)

    assert other_errors == []
    assert sqlstates == ["40P01"]
    assert attempts(seen) == 2
    assert state == LikeState(liked=True, like_count=1)
    assert feed.posts.get(post.id).like_count == 1
    assert events.only(PostLiked).user_id == fan.id
    assert feed.maintenance.reconcile_counters() == 0


def terminate_backend(cursor: Any) -> None:
    """Kill the server process behind ``cursor``'s connection from another connection."""
    pid = cursor.connection.info.backend_pid
    with closing(psycopg.connect(libpq_url(), autocommit=True)) as admin:
        # The timeout makes the call wait until the backend has really gone.
        row = admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,)).fetchone()
    assert row == (True,)


def test_a_connection_killed_mid_action_writes_nothing_and_the_next_call_works(
    feed: SocialFeed, events: EventRecorder
) -> None:
    """Terminating the backend between the like's insert and its counter leaves no trace."""
    author = feed.accounts.create_profile("author")
    fan = feed.accounts.create_profile("fan")
    post = feed.posts.create(author.id, content="pull the plug")
    events.clear()

    with (
        unchanged(feed, events),
        before_statement(engine_of(feed), COUNTER_UPDATE, terminate_backend, times=1),
        pytest.raises(StorageError) as info,
    ):
        feed.likes.like(fan.id, post.id)

    # A lost connection is not a conflict: the library does not retry it.
    assert not isinstance(info.value, StorageConflictError)
    assert feed.likes.like(fan.id, post.id) == LikeState(liked=True, like_count=1)
    assert events.only(PostLiked).post_id == post.id
    assert feed.maintenance.reconcile_counters() == 0


def test_a_connection_killed_before_the_commit_writes_nothing(
    feed: SocialFeed, events: EventRecorder
) -> None:
    """Terminating the backend just before COMMIT loses the whole action and nothing else."""
    author = feed.accounts.create_profile("author")
    fan = feed.accounts.create_profile("fan")
    post = feed.posts.create(author.id, content="almost")
    feed.comments.add(fan.id, post.id, "first")
    events.clear()
    engine = engine_of(feed)

    def kill_before_commit(conn: Any) -> None:
        cursor = conn.connection.dbapi_connection.cursor()
        terminate_backend(cursor)

    event.listen(engine, "commit", kill_before_commit, once=True)
    with unchanged(feed, events), pytest.raises(StorageError):
        feed.comments.add(fan.id, post.id, "second")

    assert [c.content for c in feed.comments.for_post(post.id).items] == ["first"]
    assert feed.comments.add(fan.id, post.id, "third").content == "third"
    assert feed.posts.get(post.id).comment_count == 2
