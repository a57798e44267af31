"""Every list runs a fixed number of SQL statements per page, whatever the page size."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from socialfeed import ManualClock, NotFoundError, Settings, SocialFeed
from socialfeed.handlers import HashtagHandler, NotificationHandler
from socialfeed.ids import UserId
from socialfeed.storage import SQLStorage, Storage
from tests.conftest import HASHER
from tests.support import counted_statements

#: The most statements any list may run for one page, and what each one runs.
EXPECTED = {
    "home feed": 1,
    "posts by author": 2,
    "comments of a post": 3,
    "followers": 2,
    "following": 2,
    "story feed": 2,
    "story viewers": 3,
    "conversations": 1,
    "conversation": 1,
    "notifications": 1,
    "grouped notifications": 2,
    "posts by hashtag": 2,
    "search users": 1,
    "search hashtags": 1,
}


@pytest.fixture
def world(sql_storage: Storage) -> tuple[SocialFeed, dict[str, Callable[[int], object]]]:
    """A feed with 55 of everything a list can show, and one call per list taking a limit."""
    feed = SocialFeed(
        sql_storage, settings=Settings(raise_receiver_errors=True), clock=ManualClock(),
        password_hasher=HASHER,
    )  # fmt: skip
    NotificationHandler().connect(feed)
    HashtagHandler().connect(feed)
    me = feed.accounts.create_profile("me")
    star = feed.accounts.create_profile("star")
    post = feed.posts.create(me.id, content="#tag")
    story = feed.stories.create(me.id, content="story")
    for n in range(55):
        fan = feed.accounts.create_profile(f"fan{n}")
        feed.follows.follow(fan.id, me.id)
        feed.follows.follow(me.id, fan.id)
        feed.posts.create(fan.id, content=f"post {n} #tag")
        feed.comments.add(fan.id, post.id, f"comment {n}")
        feed.likes.like(fan.id, post.id)
        feed.stories.view(fan.id, story.id)
        feed.stories.create(fan.id, content=f"story {n}")
        feed.messages.send(fan.id, me.id, f"hi {n}")
        feed.messages.send(star.id, me.id, f"again {n}")
        feed.hashtags.index_post(feed.posts.create(star.id, content=f"#tag{n}").id)
    calls: dict[str, Callable[[int], object]] = {
        "home feed": lambda limit: feed.feed.home(me.id, limit=limit),
        "posts by author": lambda limit: feed.posts.by_author(star.id, limit=limit),
        "comments of a post": lambda limit: feed.comments.for_post(post.id, limit=limit),
        "followers": lambda limit: feed.users.followers(me.id, limit=limit),
        "following": lambda limit: feed.users.following(me.id, limit=limit),
        "story feed": lambda limit: feed.stories.feed(me.id),
        "story viewers": lambda limit: feed.stories.viewers(story.id, viewer_id=me.id, limit=limit),
        "conversations": lambda limit: feed.messages.conversations(me.id, limit=limit),
        "conversation": lambda limit: feed.messages.conversation(me.id, star.id, limit=limit),
        "notifications": lambda limit: feed.notifications.list(me.id, limit=limit),
        "grouped notifications": lambda limit: feed.notifications.grouped(me.id, limit=limit),
        "posts by hashtag": lambda limit: feed.hashtags.posts("tag", limit=limit),
        "search users": lambda limit: feed.search.users("fan", limit=limit),
        "search hashtags": lambda limit: feed.search.hashtags("tag", limit=limit),
    }
    return feed, calls


def test_statements_per_page_do_not_grow_with_the_page(
    world: tuple[SocialFeed, dict[str, Callable[[int], object]]],
) -> None:
    """Every list runs the same, small number of statements for a page of 5 and of 50."""
    feed, calls = world
    assert isinstance(feed.storage, SQLStorage)
    measured = {}
    for operation, call in calls.items():
        counts = set()
        for limit in (5, 50):
            with counted_statements(feed.storage) as statements:
                call(limit)
            counts.add(len(statements))
        measured[operation] = counts.pop() if len(counts) == 1 else sorted(counts)
    assert measured == EXPECTED


#: The statements (BEGIN left out) of one write, its handlers' transactions included.
#: A like or follow notification checks that its cause still holds before it is announced.
#: Indexing a post's hashtags reads the post and locks its author before the post: the
#: author's privacy decides whether the links count (the public hashtag counts).
EXPECTED_WRITES = {
    "like, notifying the author": 11,
    "unlike": 5,
    "follow, notifying the followee": 10,
    "post with three hashtags": 10,
    "message": 6,
}
#: Where PostgreSQL needs fewer: data-modifying CTEs move counters with their rows.
EXPECTED_WRITES_POSTGRESQL = EXPECTED_WRITES | {"post with three hashtags": 7}


def test_writes_run_a_fixed_small_number_of_statements(sql_storage: Storage) -> None:
    """Each write runs the statements counted in EXPECTED_WRITES, its handlers' included."""
    feed = SocialFeed(
        sql_storage, settings=Settings(raise_receiver_errors=True), clock=ManualClock(),
        password_hasher=HASHER,
    )  # fmt: skip
    NotificationHandler().connect(feed)
    HashtagHandler().connect(feed)
    alice = feed.accounts.create_profile("alice")
    bob = feed.accounts.create_profile("bob")
    post = feed.posts.create(alice.id, content="hello")
    writes: dict[str, Callable[[], object]] = {
        "like, notifying the author": lambda: feed.likes.like(bob.id, post.id),
        "unlike": lambda: feed.likes.unlike(bob.id, post.id),
        "follow, notifying the followee": lambda: feed.follows.follow(bob.id, alice.id),
        "post with three hashtags": lambda: feed.posts.create(bob.id, content="#a #b #c"),
        "message": lambda: feed.messages.send(bob.id, alice.id, "hi"),
    }
    measured = {}
    for name, write in writes.items():
        with counted_statements(sql_storage) as statements:
            write()
        measured[name] = len(statements)
    postgres = (
        isinstance(sql_storage, SQLStorage) and sql_storage.engine.dialect.name == "postgresql"
    )
    assert measured == (EXPECTED_WRITES_POSTGRESQL if postgres else EXPECTED_WRITES)
    assert feed.notifications.unread_count(alice.id) == 1  # the follow: the like was taken back


def test_a_hidden_or_unknown_owner_is_not_found_for_a_signed_in_viewer(feed: SocialFeed) -> None:
    """Posts by an unknown user, or by one who blocked the viewer, raise NotFoundError("user")."""
    viewer = feed.accounts.create_profile("viewer")
    blocker = feed.accounts.create_profile("blocker")
    feed.posts.create(blocker.id, content="hidden")
    feed.blocks.block(blocker.id, viewer.id)
    for owner_id in (UserId(999_999), blocker.id):
        with pytest.raises(NotFoundError) as info:
            feed.posts.by_author(owner_id, viewer_id=viewer.id)
        assert info.value.entity == "user"
    assert len(feed.posts.by_author(blocker.id).items) == 1  # still there for everyone else


def test_an_empty_page_still_checks_its_users(feed: SocialFeed) -> None:
    """An empty page raises NotFoundError("user") for an unknown user, and is empty otherwise."""
    alice = feed.accounts.create_profile("alice")
    assert feed.messages.conversation(alice.id, feed.accounts.create_profile("bob").id).items == ()
    assert feed.notifications.list(alice.id).items == ()
    assert feed.feed.home(alice.id).items == ()
    assert feed.notifications.unread_count(alice.id) == 0
    assert feed.messages.unread_count(alice.id) == 0
    for call in (
        lambda: feed.messages.conversation(alice.id, UserId(999_999)),
        lambda: feed.messages.conversations(UserId(999_999)),
        lambda: feed.notifications.list(UserId(999_999)),
        lambda: feed.notifications.grouped(UserId(2**70)),
        lambda: feed.notifications.unread_count(UserId(999_999)),
        lambda: feed.messages.unread_count(UserId(2**70)),
        lambda: feed.feed.home(UserId(999_999)),
        lambda: feed.feed.home(UserId(2**70)),
    ):
        with pytest.raises(NotFoundError) as info:
            call()
        assert info.value.entity == "user"
