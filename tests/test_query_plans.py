"""The list queries use the indexes they were shaped for, on SQLite and on PostgreSQL.

Each test runs a library call, captures the statement it sent, and asks the
database for that statement's plan. On PostgreSQL sequential scans and
sorts are switched off for the EXPLAIN: the test tables are tiny, and the
question is whether the query's shape lets the planner walk the index in the
list's order at all (an OR over the followees or a function on the column
would not), not what it prefers for ten rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Connection, event

from socialfeed import ManualClock, Settings, SocialFeed
from socialfeed.handlers import NotificationHandler
from socialfeed.ids import UserId
from socialfeed.storage import SQLStorage, Storage
from tests.conftest import HASHER

# A plan per query, asked of each database: a check of the indexes, not of behaviour.
pytestmark = pytest.mark.slow

POSTS_BY_AUTHOR = "ix_socialfeed_posts_author_id_created_at_id"


@pytest.fixture
def world(sql_storage: Storage) -> tuple[SocialFeed, dict[str, int]]:
    """A reader following three authors with a few posts each, one tag and one chat."""
    feed = SocialFeed(
        sql_storage, settings=Settings(raise_receiver_errors=True), clock=ManualClock(),
        password_hasher=HASHER,
    )  # fmt: skip
    NotificationHandler().connect(feed)
    reader = feed.accounts.create_profile("reader")
    authors = [feed.accounts.create_profile(f"author{n}") for n in range(3)]
    for author in authors:
        feed.follows.follow(reader.id, author.id)
        for n in range(4):
            post = feed.posts.create(author.id, content=f"post {n} #tag")
            feed.hashtags.index_post(post.id)
            feed.likes.like(reader.id, post.id)
        feed.messages.send(author.id, reader.id, "hello")
    return feed, {"reader": reader.id, "author": authors[0].id}


def _plans(feed: SocialFeed, call: Callable[[], object]) -> list[tuple[str, str]]:
    """Run ``call`` and return each SELECT it sent with the database's plan for it."""
    assert isinstance(feed.storage, SQLStorage)
    engine = feed.storage.engine
    sent: list[tuple[str, Any]] = []

    def record(_c: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    with engine.connect() as conn:
        return [(statement, _explain(conn, statement, params)) for statement, params in sent]


def _explain(conn: Connection, statement: str, parameters: Any) -> str:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        conn.exec_driver_sql("SET LOCAL enable_sort = off")
        rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters).all()
        conn.rollback()
        return "\n".join(str(row[0]) for row in rows)
    rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    conn.rollback()
    return "\n".join(str(row[3]) for row in rows)


def _plan_of_list(plans: list[tuple[str, str]]) -> tuple[str, str]:
    """The one statement of a list call (a non-empty page costs exactly one)."""
    assert len(plans) == 1, [statement for statement, _ in plans]
    return plans[0]


def test_home_feed_walks_the_author_index_on_both_pages(
    world: tuple[SocialFeed, dict[str, int]],
) -> None:
    """The home feed, first page and after a cursor, reads posts through (author, time, id)."""
    feed, ids = world
    first = feed.feed.home(UserId(ids["reader"]), limit=5)
    assert first.next_cursor is not None
    for call in (
        lambda: feed.feed.home(UserId(ids["reader"]), limit=5),
        lambda: feed.feed.home(UserId(ids["reader"]), limit=5, cursor=first.next_cursor),
    ):
        feed_statements = [
            (statement, plan)
            for statement, plan in _plans(feed, call)
            if "socialfeed_posts" in statement
        ]
        statement, plan = _plan_of_list(feed_statements)
        assert POSTS_BY_AUTHOR in plan
        if feed.storage.engine.dialect.name == "postgresql":  # type: ignore[attr-defined]
            # One LIMITed index walk per followee, never every followee's posts first.
            assert "LATERAL" in statement
            assert "Seq Scan on socialfeed_posts" not in plan
        else:
            # SQLite has no LATERAL: it walks the index for each author of the IN list.
            assert "LATERAL" not in statement


def test_feed_with_an_offset_keeps_the_author_index(
    world: tuple[SocialFeed, dict[str, int]],
) -> None:
    """A feed page asked for by offset uses the IN-list shape, still on the author index."""
    feed, ids = world
    plans = _plans(feed, lambda: feed.feed.home(UserId(ids["reader"]), offset=3))
    statement, plan = _plan_of_list([p for p in plans if "socialfeed_posts" in p[0]])
    assert "LATERAL" not in statement
    assert POSTS_BY_AUTHOR in plan


@pytest.mark.parametrize(
    ("list_name", "index"),
    [
        ("posts by author", POSTS_BY_AUTHOR),
        ("posts by hashtag", "ix_socialfeed_post_hashtags_hashtag_id_created_at_post_id"),
        ("conversation", "ix_socialfeed_messages_low_user_id_high_user_id_created_at_id"),
        ("notifications", "ix_socialfeed_notifications_recipient_id_created_at_id"),
    ],
)
def test_lists_read_through_their_keyset_index(
    world: tuple[SocialFeed, dict[str, int]], list_name: str, index: str
) -> None:
    """Each keyset-paginated list reads its rows through its (owner, time, id) index."""
    feed, ids = world
    reader, author = ids["reader"], ids["author"]
    calls: dict[str, Callable[[], object]] = {
        "posts by author": lambda: feed.posts.by_author(
            UserId(author), viewer_id=UserId(reader), limit=2
        ),
        "posts by hashtag": lambda: feed.hashtags.posts("tag", viewer_id=UserId(reader), limit=2),
        "conversation": lambda: feed.messages.conversation(UserId(reader), UserId(author), limit=2),
        "notifications": lambda: feed.notifications.list(UserId(author), limit=2),
    }
    plans = _plans(feed, calls[list_name])
    assert any(index in plan for _, plan in plans), plans


def test_trending_reads_the_window_by_time_and_each_author_by_key(
    world: tuple[SocialFeed, dict[str, int]],
) -> None:
    """Trending walks the links' time index and finds each post and author by primary key."""
    feed, _ = world
    statement, plan = _plan_of_list(_plans(feed, lambda: feed.hashtags.trending(limit=5)))
    assert "ix_socialfeed_post_hashtags_created_at" in plan
    assert "socialfeed_users" in statement
    assert isinstance(feed.storage, SQLStorage)
    if feed.storage.engine.dialect.name == "sqlite":
        # PostgreSQL may join a window of any size by hash; SQLite must not scan.
        assert "SCAN" not in plan
