"""reconcile_counters: nothing to fix after any sequence of actions, and tampering repaired."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from socialfeed import (
    HashtagHandler,
    ManualClock,
    NotificationHandler,
    Settings,
    SocialFeed,
    SocialFeedError,
)
from socialfeed.ids import CommentId, PostId, UserId
from socialfeed.storage import MemoryStorage, SQLStorage, Storage
from socialfeed.storage.sql.schema import metadata
from tests.conftest import HASHER
from tests.support import EventRecorder, dump

# Repeats weight the draw: content and follows often, deleting an account now and then.
ACTIONS = (
    *("post", "like", "follow", "comment") * 3,
    *("edit", "unlike", "unfollow", "delete_post", "delete_comment", "profile") * 2,
    *("block", "set_private", "approve", "delete_account"),
)
TAGS = ("cats", "dogs", "sun", "")

#: One action: its name and two numbers that pick users, posts or comments among those made.
Action = tuple[str, int, int]

action_lists = st.lists(
    st.tuples(st.sampled_from(ACTIONS), st.integers(0, 9), st.integers(0, 9)),
    min_size=20,
    max_size=60,
)


@contextmanager
def feed_on(backend: str) -> Iterator[SocialFeed]:
    """Yield a facade on a fresh storage (an SQLite file in a temporary directory), handlers on."""
    with tempfile.TemporaryDirectory() as tmp:
        storage: Storage = (
            MemoryStorage()
            if backend == "memory"
            else SQLStorage.from_url(f"sqlite:///{Path(tmp) / 'socialfeed.db'}")
        )
        storage.create_schema()
        feed = SocialFeed(
            storage,
            settings=Settings(raise_receiver_errors=True),
            clock=ManualClock(),
            password_hasher=HASHER,
        )
        handlers = (NotificationHandler(), HashtagHandler())
        for handler in handlers:
            handler.connect(feed)
        try:
            yield feed
        finally:
            for handler in handlers:
                handler.disconnect(feed)
            storage.close()


def play(feed: SocialFeed, actions: list[Action]) -> None:
    """Run the actions one by one, ignoring those the library refuses with a typed error."""
    users = [feed.accounts.create_profile(f"user{n}").id for n in range(3)]
    posts: list[tuple[int, int]] = []  # (post id, author id)
    comments: list[tuple[int, int, int]] = []  # (comment id, author id, post author id)
    for name, a, b in actions:
        user, other = users[a % len(users)], users[b % len(users)]
        post = posts[b % len(posts)] if posts else None
        comment = comments[b % len(comments)] if comments else None
        content = f"#{TAGS[a % len(TAGS)]} #{TAGS[b % len(TAGS)]} @user{b}"
        with suppress(SocialFeedError):
            if name == "profile":
                users.append(feed.accounts.create_profile(f"user{len(users)}").id)
            elif name == "post":
                posts.append((feed.posts.create(user, content=content).id, user))
            elif name == "edit" and post is not None:
                feed.posts.edit(UserId(post[1]), PostId(post[0]), content)
            elif name == "comment" and post is not None:
                added = feed.comments.add(user, PostId(post[0]), "nice")
                comments.append((added.id, user, post[1]))
            elif name == "like" and post is not None:
                feed.likes.like(user, PostId(post[0]))
            elif name == "unlike" and post is not None:
                feed.likes.unlike(user, PostId(post[0]))
            elif name == "follow":
                feed.follows.follow(user, other)
            elif name == "unfollow":
                feed.follows.unfollow(user, other)
            elif name == "delete_post" and post is not None:
                feed.posts.delete(UserId(post[1]), PostId(post[0]))
            elif name == "delete_comment" and comment is not None:
                feed.comments.delete(UserId(comment[1 + a % 2]), CommentId(comment[0]))
            elif name == "block":
                feed.blocks.block(user, other)
            elif name == "set_private":
                feed.users.set_private(user, b % 2 == 0)
            elif name == "approve":
                pending = feed.follow_requests.incoming(user).items
                if pending:
                    feed.follow_requests.approve(user, pending[b % len(pending)].id)
            elif name == "delete_account":
                feed.accounts.delete(user)


# A search over random action sequences, slow by nature: out of make check.
@pytest.mark.slow
@pytest.mark.parametrize("backend", ["memory", "sqlite"])
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(actions=action_lists)
def test_no_counter_is_wrong_after_any_actions(backend: str, actions: list[Action]) -> None:
    """Whatever actions run, every stored counter already matches the rows it counts."""
    with feed_on(backend) as feed:
        play(feed, actions)

        assert feed.maintenance.reconcile_counters() == 0


#: Each counter reconcile_counters repairs: its table and column.
COUNTERS = [
    ("users", "post_count"),
    ("users", "follower_count"),
    ("users", "following_count"),
    ("posts", "like_count"),
    ("posts", "comment_count"),
    ("hashtags", "post_count"),
]


def tamper(storage: Storage, table: str, row_id: int, counter: str) -> None:
    """Add 5 to one counter directly in the storage, behind the library's back."""
    if isinstance(storage, MemoryStorage):
        tables = storage.snapshot()
        row = tables[table][row_id]
        tables[table][row_id] = attrs.evolve(row, **{counter: getattr(row, counter) + 5})
        storage.restore(tables)
        return
    assert isinstance(storage, SQLStorage)
    sql_table = metadata.tables[f"socialfeed_{table}"]
    column = sql_table.c[counter]
    with storage.engine.begin() as conn:
        conn.execute(update(sql_table).where(sql_table.c.id == row_id).values({column: column + 5}))


@pytest.fixture
def hashtag_handler(feed: SocialFeed) -> Iterator[None]:
    """The hashtag handler, connected to ``feed`` for one test."""
    handler = HashtagHandler()
    handler.connect(feed)
    yield
    handler.disconnect(feed)


@pytest.mark.usefixtures("hashtag_handler")
@pytest.mark.parametrize(("table", "counter"), COUNTERS)
def test_reconcile_repairs_a_tampered_counter(
    feed: SocialFeed, events: EventRecorder, table: str, counter: str
) -> None:
    """A counter changed behind the library's back is counted as one fix and set right again."""
    alice, bob = feed.accounts.create_profile("alice"), feed.accounts.create_profile("bob")
    post = feed.posts.create(alice.id, content="#tagged")
    feed.follows.follow(bob.id, alice.id)
    feed.likes.like(bob.id, post.id)
    feed.comments.add(bob.id, post.id, "nice")
    hashtag = feed.hashtags.get("tagged")
    assert hashtag is not None
    healthy = dump(feed.storage)
    row_id = {"users": bob.id if counter == "following_count" else alice.id, "posts": post.id}
    tamper(feed.storage, table, row_id.get(table, hashtag.id), counter)
    assert dump(feed.storage) != healthy
    events.clear()

    assert feed.maintenance.reconcile_counters() == 1

    assert dump(feed.storage) == healthy
    assert feed.users.get(alice.id).post_count == 1
    assert (feed.users.get(alice.id).follower_count, feed.users.get(bob.id).following_count) == (
        1,
        1,
    )
    assert (feed.posts.get(post.id).like_count, feed.posts.get(post.id).comment_count) == (1, 1)
    assert feed.hashtags.get("tagged") == hashtag
    assert feed.maintenance.reconcile_counters() == 0
    assert events.events == []
