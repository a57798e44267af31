"""What the memory backend must prove on its own: undo on error, closing, and its snapshots."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import attrs
import pytest

from socialfeed import ConflictError, ManualClock, SocialFeed, StorageError
from socialfeed.storage import MemoryStorage, UnitOfWork
from socialfeed.storage.base import NewUser
from tests.support import EventRecorder, dump, unchanged


class DeliberateError(Exception):
    """Raised on purpose inside a transaction."""


@pytest.fixture
def storage() -> MemoryStorage:
    """Only the memory backend: these tests are about its own transactions."""
    return MemoryStorage()


def new_user(username: str, now: datetime) -> NewUser:
    """A user row to insert straight through the repository."""
    return NewUser(
        username=username,
        username_key=username,
        email=f"{username}@example.com",
        email_key=f"{username}@example.com",
        password_hash="not-a-real-hash",
        full_name=None,
        created_at=now,
    )


def in_transaction(storage: MemoryStorage, work: Callable[[UnitOfWork], object]) -> None:
    """Run ``work`` in one write transaction."""
    with storage.transaction() as uow:
        work(uow)


def test_exception_undoes_every_change_of_the_transaction(
    feed: SocialFeed, events: EventRecorder, storage: MemoryStorage, clock: ManualClock
) -> None:
    """An exception in the block undoes every row and counter it added, changed or removed."""
    alice = feed.accounts.create_profile("alice")
    bob = feed.accounts.create_profile("bob")
    post = feed.posts.create(alice.id, content="hello")
    comment = feed.comments.add(bob.id, post.id, "hi")
    feed.likes.like(bob.id, post.id)
    feed.follows.follow(bob.id, alice.id)
    with storage.transaction() as uow:
        uow.sessions.add(alice.id, "token-hash", clock.now(), clock.now())
    before = dump(storage)
    now = clock.now()

    def change_everything_then_fail(uow: UnitOfWork) -> None:
        carol = uow.users.add(new_user("carol", now))
        uow.posts.add(carol.id, "new", None, now)
        uow.comments.add(post.id, carol.id, "me too", now)
        uow.comments.delete(comment.id)
        uow.likes.add(carol.id, post.id, now)
        uow.likes.remove(bob.id, post.id)
        uow.follows.add(carol.id, alice.id, now)
        uow.follows.remove(bob.id, alice.id)
        uow.users.update_profile(alice.id, {"bio": "changed"})
        uow.users.set_password_hash(bob.id, "changed")
        uow.users.deactivate(bob.id)
        uow.sessions.delete_for_user(alice.id)
        uow.posts.set_content(post.id, "edited", now)
        assert dump(storage) != before
        raise DeliberateError

    with unchanged(feed, events), pytest.raises(DeliberateError):
        in_transaction(storage, change_everything_then_fail)

    assert feed.posts.get(post.id).like_count == 1
    assert feed.users.get(alice.id).follower_count == 1


def test_exception_undoes_a_cascading_user_delete(
    feed: SocialFeed, events: EventRecorder, storage: MemoryStorage
) -> None:
    """A user delete that is rolled back restores the user, what they owned, and the counters."""
    alice = feed.accounts.create_profile("alice")
    bob = feed.accounts.create_profile("bob")
    alices_post = feed.posts.create(alice.id, content="by alice")
    bobs_post = feed.posts.create(bob.id, content="by bob")
    feed.comments.add(alice.id, bobs_post.id, "from alice")
    feed.likes.like(alice.id, bobs_post.id)
    feed.follows.follow(alice.id, bob.id)
    feed.follows.follow(bob.id, alice.id)

    def delete_then_fail(uow: UnitOfWork) -> None:
        uow.users.delete(alice.id)
        assert uow.users.get(alice.id) is None
        raise DeliberateError

    with unchanged(feed, events), pytest.raises(DeliberateError):
        in_transaction(storage, delete_then_fail)

    assert feed.posts.get(alices_post.id).author_id == alice.id
    assert feed.posts.get(bobs_post.id).like_count == 1
    assert feed.users.get(bob.id).follower_count == 1


def test_error_from_a_repository_undoes_the_earlier_writes(
    feed: SocialFeed, events: EventRecorder, storage: MemoryStorage, clock: ManualClock
) -> None:
    """A conflict raised midway through a transaction also undoes what came before it."""
    alice = feed.accounts.create_profile("alice")
    now = clock.now()

    def post_then_conflict(uow: UnitOfWork) -> None:
        uow.posts.add(alice.id, "written first", None, now)
        uow.users.add(new_user("alice", now))

    with unchanged(feed, events), pytest.raises(ConflictError) as info:
        in_transaction(storage, post_then_conflict)

    assert info.value.field == "username"

    assert feed.users.get(alice.id).post_count == 0


def test_closed_storage_raises_storage_error(
    feed: SocialFeed, events: EventRecorder, storage: MemoryStorage
) -> None:
    """After close(), every transaction, read or write, raises StorageError and nothing is sent."""
    alice = feed.accounts.create_profile("alice")
    events.clear()

    feed.close()

    with pytest.raises(StorageError), storage.transaction(write=False):
        pass
    with pytest.raises(StorageError):
        feed.users.get(alice.id)
    with pytest.raises(StorageError):
        feed.posts.create(alice.id, content="too late")
    assert events.events == []


def test_snapshot_is_a_copy_of_every_table(feed: SocialFeed, storage: MemoryStorage) -> None:
    """A snapshot holds each table's rows by key, and later actions leave it as it was."""
    alice = feed.accounts.create_profile("alice")
    post = feed.posts.create(alice.id, content="hello")

    taken = storage.snapshot()
    feed.likes.like(alice.id, post.id)

    assert taken["users"] == {alice.id: feed.users.get(alice.id)}
    assert taken["posts"][post.id].like_count == 0
    assert taken["likes"] == {}
    assert set(taken) >= {"users", "sessions", "posts", "comments", "likes", "follows", "outbox"}
    assert storage.snapshot()["likes"].keys() == {(alice.id, post.id)}


def test_restore_puts_back_a_snapshot_as_it_is(feed: SocialFeed, storage: MemoryStorage) -> None:
    """Restoring a changed snapshot stores its rows unchecked; new rows still take new ids."""
    alice = feed.accounts.create_profile("alice")
    first = feed.posts.create(alice.id, content="first")
    tables = storage.snapshot()
    tables["posts"][first.id] = attrs.evolve(first, like_count=7)
    feed.posts.delete(alice.id, first.id)

    storage.restore(tables)

    assert feed.posts.get(first.id).like_count == 7
    assert storage.snapshot() == tables
    assert feed.posts.create(alice.id, content="second").id == first.id + 1


def test_restore_refuses_a_snapshot_of_other_tables(storage: MemoryStorage) -> None:
    """A mapping that does not name exactly the storage's tables is refused, and nothing changes."""
    tables = storage.snapshot()
    del tables["likes"]

    with pytest.raises(ValueError, match="likes"):
        storage.restore(tables)
    with pytest.raises(ValueError, match="posts"):
        storage.restore({**storage.snapshot(), "unknown": {}})


def test_snapshot_and_restore_of_a_closed_storage_raise(storage: MemoryStorage) -> None:
    """After close() there are no rows to copy or replace: both raise StorageError."""
    tables = storage.snapshot()
    storage.close()

    with pytest.raises(StorageError):
        storage.snapshot()
    with pytest.raises(StorageError):
        storage.restore(tables)
