"""Receivers and handlers that fail, on the SQL backends: the action stays whole, others still run.

tests/test_signals.py checks plain receivers that raise; these make the
notification handler's own transaction fail, mix failing receivers with the
handlers, and do it while threads act at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select

from socialfeed import ManualClock, ReceiverError, Settings, SocialFeed, signals
from socialfeed.events import CommentAdded, PostCreated, PostLiked
from socialfeed.handlers import HashtagHandler, NotificationHandler
from socialfeed.ids import UserId
from socialfeed.storage import SQLStorage, Storage
from socialfeed.storage.sql.schema import likes, notifications
from tests.conftest import HASHER
from tests.support import EventRecorder

THREADS = 8


def facade(storage: Storage, *, raise_receiver_errors: bool, handlers: bool = True) -> SocialFeed:
    """A facade, with both handlers connected unless told otherwise."""
    feed = SocialFeed(
        storage,
        settings=Settings(raise_receiver_errors=raise_receiver_errors),
        clock=ManualClock(),
        password_hasher=HASHER,
    )
    if handlers:
        NotificationHandler().connect(feed)
        HashtagHandler().connect(feed)
    return feed


def engine_of(feed: SocialFeed) -> Engine:
    assert isinstance(feed.storage, SQLStorage)
    return feed.storage.engine


def count_rows(feed: SocialFeed, table: Any) -> int:
    """Count a table's rows straight from the database."""
    with engine_of(feed).connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.fixture
def recorder_for() -> Iterator[list[EventRecorder]]:
    """Disconnects every recorder a test connected."""
    recorders: list[EventRecorder] = []
    yield recorders
    for recorder in recorders:
        recorder.disconnect()


def record(feed: SocialFeed, recorders: list[EventRecorder]) -> EventRecorder:
    recorder = EventRecorder(feed)
    recorder.connect()
    recorders.append(recorder)
    return recorder


def test_a_handler_whose_transaction_fails_loses_nothing_and_a_redelivery_heals(
    sql_storage: Storage, caplog: pytest.LogCaptureFixture, recorder_for: list[EventRecorder]
) -> None:
    """A failed notification insert leaves the comment whole; redelivering stores it once."""
    feed = facade(sql_storage, raise_receiver_errors=False)
    author = feed.accounts.create_profile("author")
    fan = feed.accounts.create_profile("fan")
    post = feed.posts.create(author.id, content="#original")
    recorder = record(feed, recorder_for)
    engine = engine_of(feed)
    driver_error = engine.dialect.loaded_dbapi.OperationalError

    def fail_notifications(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("INSERT INTO socialfeed_notifications"):
            raise driver_error("injected disk failure")

    caplog.set_level(logging.ERROR, logger="socialfeed")
    event.listen(engine, "before_cursor_execute", fail_notifications)
    try:
        comment = feed.comments.add(fan.id, post.id, "nice #original")
    finally:
        event.remove(engine, "before_cursor_execute", fail_notifications)

    assert [c.id for c in feed.comments.for_post(post.id).items] == [comment.id]
    assert feed.posts.get(post.id).comment_count == 1
    assert count_rows(feed, notifications) == 0
    added = recorder.only(CommentAdded)
    assert added.comment_id == comment.id
    assert any("comment-added" in r.getMessage() for r in caplog.records)

    for _ in range(2):
        signals.comment_added.send(feed, event=added)

    [note] = feed.notifications.list(author.id).items
    assert (note.kind, note.comment_id) == ("comment", comment.id)
    assert feed.maintenance.reconcile_counters() == 0


def test_a_receiver_that_raises_before_the_handlers_does_not_stop_them(
    sql_storage: Storage, recorder_for: list[EventRecorder]
) -> None:
    """A receiver connected first raises; the handlers after it still notify and index."""
    feed = facade(sql_storage, raise_receiver_errors=True, handlers=False)
    failure = RuntimeError("receiver bug")

    def broken(sender: object, *, event: object) -> None:
        raise failure

    with (
        signals.post_created.connected_to(broken, sender=feed),
        signals.post_liked.connected_to(broken, sender=feed),
    ):
        NotificationHandler().connect(feed)
        HashtagHandler().connect(feed)
        author = feed.accounts.create_profile("author")
        fan = feed.accounts.create_profile("fan")
        recorder = record(feed, recorder_for)
        with pytest.raises(ReceiverError) as created:
            feed.posts.create(author.id, content="#kept hello @fan")
        [post] = feed.posts.by_author(author.id).items
        with pytest.raises(ReceiverError) as liked:
            feed.likes.like(fan.id, post.id)

    assert created.value.errors == (failure,) == liked.value.errors
    assert feed.posts.get(post.id).like_count == 1
    assert [p.id for p in feed.hashtags.posts("kept").items] == [post.id]
    kinds = sorted(n.kind for n in feed.notifications.list(fan.id).items)
    assert kinds == ["mention"]
    assert [n.kind for n in feed.notifications.list(author.id).items] == ["like"]
    assert [e.post_id for e in recorder.of_type(PostCreated)] == [post.id]
    assert [e.post_id for e in recorder.of_type(PostLiked)] == [post.id]


def test_receivers_failing_on_every_other_event_lose_no_action_under_threads(
    sql_storage: Storage, recorder_for: list[EventRecorder]
) -> None:
    """Threads liking at once while a receiver fails half the time: every like and notification."""
    feed = facade(sql_storage, raise_receiver_errors=False, handlers=False)
    author = feed.accounts.create_profile("author")
    fans = [feed.accounts.create_profile(f"fan{index}") for index in range(THREADS)]
    posts = [feed.posts.create(author.id, content=f"post {n}").id for n in range(5)]
    recorder = record(feed, recorder_for)
    seen = 0
    lock = threading.Lock()

    def flaky(sender: object, *, event: PostLiked) -> None:
        nonlocal seen
        with lock:
            seen += 1
            fail = seen % 2 == 0
        if fail:
            raise RuntimeError("every other event")

    barrier = threading.Barrier(THREADS)
    errors: list[Exception] = []

    def like_all(fan_id: int) -> None:
        barrier.wait(timeout=60)
        for post_id in posts:
            try:
                feed.likes.like(UserId(fan_id), post_id)
            except Exception as error:
                errors.append(error)

    # The flaky receiver is connected before the handler, so it runs first.
    with signals.post_liked.connected_to(flaky, sender=feed):
        NotificationHandler().connect(feed)
        threads = [threading.Thread(target=like_all, args=(fan.id,)) for fan in fans]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    total = THREADS * len(posts)
    assert errors == []
    assert seen == total
    assert len(recorder.of_type(PostLiked)) == total
    assert count_rows(feed, likes) == total
    assert [feed.posts.get(p).like_count for p in posts] == [THREADS] * len(posts)
    assert feed.notifications.unread_count(author.id) == total
    assert feed.maintenance.reconcile_counters() == 0
