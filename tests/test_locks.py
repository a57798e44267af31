"""The row locks that serialise racing actions: what they return, and what they hold up.

Every backend answers `users.lock` and `posts.lock` like a read; on
PostgreSQL the locks are real, and the tests below watch a second
transaction wait for them in ``pg_stat_activity``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from socialfeed import SocialFeed
from socialfeed.ids import UserId
from socialfeed.models import Post, User
from socialfeed.storage import SQLStorage, Storage
from socialfeed.storage.sql.schema import users
from tests.conftest import make_storage

WAIT_TIMEOUT = 10.0
Background = Callable[[Callable[[], object]], threading.Thread]


def test_user_lock_returns_the_users_that_exist_by_id(storage: Storage) -> None:
    """users.lock returns each existing user by id and leaves unknown ids out."""
    feed = SocialFeed(storage)
    alice = feed.accounts.create_profile("alice")
    bob = feed.accounts.create_profile("bob")
    with storage.transaction() as uow:
        locked = uow.users.lock([bob.id, alice.id, bob.id + 100])
    assert locked == {alice.id: alice, bob.id: bob}


def test_a_deletion_lock_returns_only_the_users_asked_for(storage: Storage) -> None:
    """users.lock(deleting=True) returns the users asked for, not those it locks with them."""
    feed = SocialFeed(storage)
    alice = feed.accounts.create_profile("alice")
    bob = feed.accounts.create_profile("bob")
    feed.follows.follow(alice.id, bob.id)
    with storage.transaction() as uow:
        locked = uow.users.lock([bob.id], deleting=True)
    assert locked == {bob.id: feed.users.get(bob.id)}


def test_post_lock_returns_the_post_or_none(storage: Storage) -> None:
    """posts.lock returns the post as posts.get does, and None for an unknown id."""
    feed = SocialFeed(storage)
    post = feed.posts.create(feed.accounts.create_profile("alice").id, content="hi")
    with storage.transaction() as uow:
        assert uow.posts.lock(post.id) == post
        assert uow.posts.lock(post.id + 100) is None


@pytest.fixture
def postgresql(request: pytest.FixtureRequest, tmp_path: Path, postgresql_url: str) -> Storage:
    """An empty PostgreSQL storage (asking for its URL marks the test ``postgresql``)."""
    return make_storage("postgresql", request, tmp_path)


def waiting_on_locks(storage: Storage) -> int:
    """How many sessions of this database wait for a lock now."""
    assert isinstance(storage, SQLStorage)
    query = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    with storage.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


@pytest.fixture
def in_background() -> Iterator[Background]:
    """Start a call in a thread; every thread is joined when the test ends."""
    threads: list[threading.Thread] = []

    def start(call: Callable[[], object]) -> threading.Thread:
        thread = threading.Thread(target=call, daemon=True)
        thread.start()
        threads.append(thread)
        return thread

    yield start
    for thread in threads:
        thread.join(WAIT_TIMEOUT)


def wait_until_blocked(storage: Storage) -> None:
    deadline = time.monotonic() + WAIT_TIMEOUT
    while waiting_on_locks(storage) == 0:
        assert time.monotonic() < deadline, "the second transaction never waited for the lock"
        time.sleep(0.01)


def test_a_second_lock_waits_and_then_reads_what_the_first_committed(
    postgresql: Storage, in_background: Background
) -> None:
    """A transaction locking a locked user waits for the holder's commit, then sees its change."""
    feed = SocialFeed(postgresql)
    alice = feed.accounts.create_profile("alice")
    seen: list[bool] = []

    def lock_again() -> None:
        with postgresql.transaction() as uow:
            seen.append(uow.users.lock([alice.id])[alice.id].is_private)

    with postgresql.transaction() as uow:
        uow.users.lock([alice.id])
        uow.users.set_private(alice.id, True)
        second = in_background(lock_again)
        wait_until_blocked(postgresql)
        assert seen == []
    second.join(WAIT_TIMEOUT)
    assert seen == [True]


@attrs.frozen
class Liking:
    """Alice, about to like Bob's post from another thread."""

    feed: SocialFeed
    alice: User
    post: Post

    def start(self, in_background: Background) -> threading.Thread:
        return in_background(lambda: self.feed.likes.like(self.alice.id, self.post.id))

    def likes(self) -> int:
        return self.feed.posts.get(self.post.id).like_count


@pytest.fixture
def liking(postgresql: Storage) -> Liking:
    """Alice and a post of Bob's, on PostgreSQL."""
    feed = SocialFeed(postgresql)
    alice = feed.accounts.create_profile("alice")
    post = feed.posts.create(feed.accounts.create_profile("bob").id, content="hi")
    return Liking(feed, alice, post)


def test_a_user_lock_lets_rows_that_refer_to_the_user_in(
    postgresql: Storage, liking: Liking, in_background: Background
) -> None:
    """While a user's row is locked for a follow, that user can still like a post."""
    with postgresql.transaction() as uow:
        uow.users.lock([liking.alice.id])
        like = liking.start(in_background)
        like.join(WAIT_TIMEOUT)
        assert not like.is_alive()
    assert liking.likes() == 1


def test_a_deletion_lock_holds_off_rows_that_refer_to_the_user(
    postgresql: Storage, liking: Liking, in_background: Background
) -> None:
    """While a user's row is locked for deletion, their like waits, and lands once it is let go."""
    with postgresql.transaction() as uow:
        uow.users.lock([liking.alice.id], deleting=True)
        like = liking.start(in_background)
        wait_until_blocked(postgresql)
        assert liking.likes() == 0
    # The transaction ends without deleting anyone: the like goes on.
    like.join(WAIT_TIMEOUT)
    assert liking.likes() == 1


def is_locked(storage: Storage, user_id: UserId) -> bool:
    """Whether another transaction holds a lock on the user's row that a follow would wait for."""
    assert isinstance(storage, SQLStorage)
    query = (
        select(users.c.id).where(users.c.id == user_id).with_for_update(key_share=True, nowait=True)
    )
    with storage.engine.connect() as conn:
        try:
            conn.execute(query)
        except OperationalError:
            return True
    return False


def test_a_deletion_lock_also_holds_everyone_the_user_follows_or_is_followed_by(
    postgresql: Storage, in_background: Background
) -> None:
    """A deletion locks the user's follow partners, even one whose follow committed as it waited."""
    feed = SocialFeed(postgresql)
    alice, bob, carol, dave, erin = (
        feed.accounts.create_profile(name) for name in ("alice", "bob", "carol", "dave", "erin")
    )
    feed.follows.follow(alice.id, bob.id)
    feed.follows.follow(bob.id, dave.id)
    held, release = threading.Event(), threading.Event()

    def lock_for_deletion() -> None:
        with postgresql.transaction() as uow:
            uow.users.lock([bob.id], deleting=True)
            held.set()
            release.wait(WAIT_TIMEOUT)

    try:
        with postgresql.transaction() as uow:
            uow.users.lock([bob.id, carol.id])
            uow.follows.add(carol.id, bob.id, feed.users.get(bob.id).created_at)
            in_background(lock_for_deletion)
            wait_until_blocked(postgresql)
        assert held.wait(WAIT_TIMEOUT)
        everyone = (alice, bob, carol, dave, erin)
        assert [is_locked(postgresql, user.id) for user in everyone] == [True] * 4 + [False]
    finally:
        release.set()
