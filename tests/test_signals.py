"""How signals are dispatched: after the commit, to every receiver, per facade."""

from __future__ import annotations

import gc
import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import attrs
import pytest

from socialfeed import (
    ManualClock,
    PermissionDeniedError,
    ReceiverError,
    Settings,
    SocialFeed,
    StorageError,
    signals,
)
from socialfeed import events as events_module
from socialfeed.events import Event, PostCreated, PostLiked, UserFollowed
from socialfeed.ids import PostId
from socialfeed.storage import UnitOfWork
from tests.conftest import HASHER
from tests.support import EventRecorder, unchanged


def another_facade(feed: SocialFeed, *, raise_receiver_errors: bool) -> SocialFeed:
    """Return a second facade over the same storage and clock as ``feed``."""
    return SocialFeed(
        feed.storage,
        settings=Settings(raise_receiver_errors=raise_receiver_errors),
        clock=feed.clock,
        password_hasher=HASHER,
    )


def test_signal_is_sent_after_the_commit(feed: SocialFeed, events: EventRecorder) -> None:
    """A receiver that reads back through the services already sees the action's result."""
    author = feed.accounts.create_profile("author")
    fan = feed.accounts.create_profile("fan")
    post = feed.posts.create(author.id, content="hello")
    seen: list[tuple[int, frozenset[int]]] = []

    def read(event: PostLiked) -> None:
        liked = feed.likes.liked_post_ids(event.user_id, [event.post_id])
        seen.append((feed.posts.get(event.post_id).like_count, liked))

    def read_back(sender: object, *, event: PostLiked) -> None:
        # From another thread, so that it sees only what was committed and released.
        reader = threading.Thread(target=read, args=(event,), daemon=True)
        reader.start()
        reader.join(timeout=5)

    with signals.post_liked.connected_to(read_back, sender=feed):
        feed.likes.like(fan.id, post.id)

    assert seen == [(1, frozenset({post.id}))]
    assert events.of_type(PostLiked)[0].post_id == post.id


def test_no_signal_for_an_action_that_failed(feed: SocialFeed, events: EventRecorder) -> None:
    """An action refused by a rule changes nothing and sends no signal."""
    author = feed.accounts.create_profile("author")
    other = feed.accounts.create_profile("other")
    post = feed.posts.create(author.id, content="mine")

    with unchanged(feed, events), pytest.raises(PermissionDeniedError):
        feed.posts.delete(other.id, post.id)


def test_no_signal_for_an_action_that_rolled_back(
    feed: SocialFeed, events: EventRecorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the transaction fails after the action's writes, they roll back and no signal goes."""
    follower = feed.accounts.create_profile("follower")
    followee = feed.accounts.create_profile("followee")
    transaction = feed.storage.transaction

    @contextmanager
    def failing_commit(*, write: bool = True) -> Iterator[UnitOfWork]:
        with transaction(write=write) as uow:
            yield uow
            if write:
                raise StorageError("the commit failed")

    monkeypatch.setattr(feed.storage, "transaction", failing_commit)

    with unchanged(feed, events), pytest.raises(StorageError, match="the commit failed"):
        feed.follows.follow(follower.id, followee.id)


def test_receiver_errors_are_logged_and_never_undo_the_action(
    feed: SocialFeed, caplog: pytest.LogCaptureFixture
) -> None:
    """Every receiver runs when others raise; errors are logged, the action stays committed."""
    quiet = another_facade(feed, raise_receiver_errors=False)
    author = quiet.accounts.create_profile("author")
    ran: list[str] = []

    # Two failing receivers: whatever order blinker picks, one runs after a failure.
    def broken(sender: object, *, event: PostCreated) -> None:
        ran.append("broken")
        raise RuntimeError("receiver bug")

    def also_broken(sender: object, *, event: PostCreated) -> None:
        ran.append("also broken")
        raise RuntimeError("receiver bug")

    def working(sender: object, *, event: PostCreated) -> None:
        ran.append("working")

    caplog.set_level(logging.ERROR, logger="socialfeed")
    with (
        signals.post_created.connected_to(broken, sender=quiet),
        signals.post_created.connected_to(also_broken, sender=quiet),
        signals.post_created.connected_to(working, sender=quiet),
    ):
        post = quiet.posts.create(author.id, content="still here")

    assert sorted(ran) == ["also broken", "broken", "working"]
    assert feed.posts.get(post.id) == post
    records = [r for r in caplog.records if r.name == "socialfeed"]
    assert [r.levelno for r in records] == [logging.ERROR, logging.ERROR]
    for record in records:
        assert record.exc_info is not None
        assert str(record.exc_info[1]) == "receiver bug"
        assert "post-created" in record.getMessage()


def test_receiver_errors_are_raised_together_after_all_receivers_ran(
    feed: SocialFeed, events: EventRecorder, caplog: pytest.LogCaptureFixture
) -> None:
    """With raise_receiver_errors, a ReceiverError carries every receiver's error, post-commit."""
    author = feed.accounts.create_profile("author")
    events.clear()
    first, second = RuntimeError("first"), ValueError("second")
    ran: list[str] = []

    def fails_first(sender: object, *, event: PostCreated) -> None:
        ran.append("first")
        raise first

    def fails_second(sender: object, *, event: PostCreated) -> None:
        ran.append("second")
        raise second

    with (
        signals.post_created.connected_to(fails_first, sender=feed),
        signals.post_created.connected_to(fails_second, sender=feed),
        pytest.raises(ReceiverError) as info,
    ):
        feed.posts.create(author.id, content="committed anyway")

    assert sorted(ran) == ["first", "second"]
    assert set(info.value.errors) == {first, second}
    [post] = feed.posts.by_author(author.id).items
    assert post.content == "committed anyway"
    assert events.only(PostCreated).post_id == post.id
    assert len([r for r in caplog.records if r.name == "socialfeed"]) == 2


def test_connect_via_one_facade_does_not_hear_another(
    feed: SocialFeed, events: EventRecorder
) -> None:
    """A receiver connected for one facade hears that facade's actions only."""
    other = another_facade(feed, raise_receiver_errors=True)
    author = feed.accounts.create_profile("author")
    heard: list[tuple[object, Event]] = []

    def on_post_created(sender: object, *, event: Event) -> None:
        heard.append((sender, event))

    with signals.post_created.connected_to(on_post_created, sender=other):
        mine = feed.posts.create(author.id, content="from feed")
        assert heard == []
        theirs = other.posts.create(author.id, content="from other")

    [(sender, event)] = heard
    assert sender is other
    assert isinstance(event, PostCreated)
    assert event.post_id == theirs.id
    assert [e.post_id for e in events.of_type(PostCreated)] == [mine.id]


def connect_local_receiver(feed: SocialFeed, heard: list[Event], *, weak: bool) -> None:
    """Connect a receiver defined here, so that nothing but the signal refers to it."""

    def receiver(sender: object, *, event: Event) -> None:
        heard.append(event)

    signals.user_followed.connect(receiver, sender=feed, weak=weak)


def test_strong_receiver_survives_garbage_collection(
    feed: SocialFeed, events: EventRecorder
) -> None:
    """A local receiver connected with weak=False still runs after a collection; a weak one not."""
    follower = feed.accounts.create_profile("follower")
    followee = feed.accounts.create_profile("followee")
    strong: list[Event] = []
    weak: list[Event] = []
    connect_local_receiver(feed, strong, weak=False)
    connect_local_receiver(feed, weak, weak=True)
    gc.collect()
    events.clear()

    feed.follows.follow(follower.id, followee.id)

    assert strong == [events.only(UserFollowed)]
    assert weak == []


def test_muted_signal_is_not_sent(feed: SocialFeed, events: EventRecorder) -> None:
    """Inside blinker's muted() the action happens but its signal is not sent."""
    author = feed.accounts.create_profile("author")
    events.clear()

    with signals.post_created.muted():
        muted = feed.posts.create(author.id, content="silent")
    assert events.events == []
    assert feed.posts.get(muted.id) == muted

    loud = feed.posts.create(author.id, content="heard")
    assert events.only(PostCreated).post_id == loud.id


def event_types() -> list[type[Event]]:
    """Every concrete event class that socialfeed.events exports."""
    exported = (getattr(events_module, name) for name in events_module.__all__)
    return [
        cls
        for cls in exported
        if isinstance(cls, type) and issubclass(cls, Event) and cls is not Event
    ]


def test_every_event_class_has_its_own_documented_signal() -> None:
    """signal_for maps each event class to a distinct signal; ALL_SIGNALS is exactly those."""
    types = event_types()
    mapped = [signals.signal_for(cls) for cls in types]

    assert types, "socialfeed.events exports no event classes"
    assert len(set(mapped)) == len(types)
    assert set(mapped) == set(signals.ALL_SIGNALS)
    assert len(signals.ALL_SIGNALS) == len(types)
    for cls, signal in zip(types, mapped, strict=True):
        assert signal.__doc__, f"signal {signal.name} has no doc"
        assert f"`{cls.__name__}`" in signal.__doc__


def test_every_event_has_a_unique_id_and_the_facade_clock_time(
    feed: SocialFeed, events: EventRecorder, clock: ManualClock
) -> None:
    """Each event gets its own event_id, and occurred_at is the facade's clock time."""
    author = feed.accounts.create_profile("author")
    fan = feed.accounts.create_profile("fan")
    events.clear()
    before = clock.now()
    post = feed.posts.create(author.id, content="tick")
    feed.likes.like(fan.id, post.id)
    feed.likes.unlike(fan.id, post.id)
    feed.follows.follow(fan.id, author.id)
    after = clock.now()

    sent = events.events
    assert len(sent) == 4
    assert all(isinstance(event.event_id, uuid.UUID) for event in sent)
    assert len({event.event_id for event in sent}) == len(sent)
    assert all(before < event.occurred_at < after for event in sent)
    assert sent == sorted(sent, key=lambda event: event.occurred_at)
    assert events.of_type(PostCreated)[0].occurred_at == post.created_at


def test_events_are_frozen(feed: SocialFeed, events: EventRecorder) -> None:
    """Assigning to an event's field raises FrozenInstanceError and leaves it unchanged."""
    author = feed.accounts.create_profile("author")
    post = feed.posts.create(author.id, content="fixed")
    event = events.of_type(PostCreated)[0]

    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        event.post_id = PostId(post.id + 1)  # type: ignore[misc]
    assert event.post_id == post.id


def test_receivers_run_in_the_order_they_were_connected(feed: SocialFeed) -> None:
    """Receivers of one signal run in connection order, every time, not in set order."""
    calls: list[int] = []
    receivers = [(lambda n: lambda sender, event: calls.append(n))(number) for number in range(20)]
    for receiver in receivers:
        signals.user_registered.connect(receiver, sender=feed)
    try:
        feed.accounts.create_profile("alice")
    finally:
        for receiver in receivers:
            signals.user_registered.disconnect(receiver, sender=feed)

    assert calls == list(range(20))
