"""The transactional outbox: events recorded in their action's transaction, on every backend."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from socialfeed import (
    ManualClock,
    NotFoundError,
    NotificationHandler,
    Settings,
    SocialFeed,
    signals,
    wire,
)
from socialfeed.events import CommentAdded, Event, PostCreated, PostLiked, UserRegistered
from socialfeed.ids import PostId
from socialfeed.services.outbox import OutboxStatus
from socialfeed.storage import Storage
from socialfeed.storage.base import OutboxMessage
from tests.conftest import HASHER
from tests.support import EventRecorder, unchanged


def outbox_feed(storage: Storage, clock: ManualClock, *, outbox: bool = True) -> SocialFeed:
    """A facade recording its events in the outbox; receiver errors fail the test."""
    settings = Settings(raise_receiver_errors=True, outbox=outbox)
    return SocialFeed(storage, settings=settings, clock=clock, password_hasher=HASHER)


def rows(storage: Storage) -> list[OutboxMessage]:
    """Every outbox row not yet published, oldest first."""
    with storage.transaction(write=False) as uow:
        return uow.outbox.unpublished(1_000)


def recorded(storage: Storage) -> list[Event]:
    """The events of every unpublished outbox row, decoded, oldest first."""
    return [wire.decode(row.data) for row in rows(storage)]


def test_events_are_recorded_as_they_are_sent(feed: SocialFeed, events: EventRecorder) -> None:
    """Each action's events are stored in the outbox, identical to the events receivers got."""
    alice = feed.accounts.create_profile("alice")
    post = feed.posts.create(alice.id, content="hi #there")
    feed.likes.like(alice.id, post.id)
    feed.comments.add(alice.id, post.id, "me too")

    assert [type(e) for e in events.events] == [
        UserRegistered,
        PostCreated,
        PostLiked,
        CommentAdded,
    ]
    assert recorded(feed.storage) == events.events


def test_rows_are_numbered_in_the_order_of_their_actions(feed: SocialFeed) -> None:
    """Outbox ids grow with each action, so the relay publishes them in that order."""
    alice = feed.accounts.create_profile("alice")
    posts = [feed.posts.create(alice.id, content=str(n)) for n in range(5)]

    ids = [row.id for row in rows(feed.storage)]
    assert ids == sorted(ids)
    created = [e for e in recorded(feed.storage) if isinstance(e, PostCreated)]
    assert [e.post_id for e in created] == [p.id for p in posts]


def test_outbox_off_records_nothing(storage: Storage, clock: ManualClock) -> None:
    """Without ``Settings.outbox`` the outbox table stays empty and signals still go out."""
    feed = outbox_feed(storage, clock, outbox=False)
    recorder = EventRecorder(feed)
    recorder.connect()
    try:
        feed.accounts.create_profile("alice")
    finally:
        recorder.disconnect()

    assert rows(storage) == []
    assert recorder.only(UserRegistered).username == "alice"


def test_a_failed_action_records_nothing(feed: SocialFeed, events: EventRecorder) -> None:
    """An action that raises leaves no outbox row, like every other row."""
    alice = feed.accounts.create_profile("alice")
    before = rows(feed.storage)

    with unchanged(feed, events), pytest.raises(NotFoundError):
        feed.likes.like(alice.id, PostId(999))

    assert rows(feed.storage) == before


def test_rows_are_marked_delivered_once_receivers_ran(feed: SocialFeed) -> None:
    """A row waits for delivery while the receivers run, and is marked once they returned."""
    seen: list[OutboxStatus] = []

    def look(sender: SocialFeed, *, event: UserRegistered) -> None:
        seen.append(sender.outbox.status())

    signals.user_registered.connect(look, sender=feed, weak=False)
    try:
        feed.accounts.create_profile("alice")
    finally:
        signals.user_registered.disconnect(look)

    assert seen == [OutboxStatus(unpublished=1, undelivered=1)]
    assert feed.outbox.status() == OutboxStatus(unpublished=1, undelivered=0)


def test_rows_without_receivers_are_stored_delivered(feed: SocialFeed) -> None:
    """With no receiver connected, a row is stored delivered: nothing could have missed it."""
    feed.accounts.create_profile("alice")

    assert feed.outbox.status() == OutboxStatus(unpublished=1, undelivered=0)
    assert feed.outbox.deliver_pending(older_than=timedelta(0)) == 0


def test_events_a_crash_kept_from_receivers_are_delivered_later(
    storage: Storage, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process that died after the commit leaves its events to deliver_pending, in order."""
    crashed = outbox_feed(storage, clock)
    NotificationHandler().connect(crashed)
    alice = crashed.accounts.create_profile("alice")
    bob = crashed.accounts.create_profile("bob")
    post = crashed.posts.create(alice.id, content="like me")
    # The process dies between the commit and its receivers: they never run.
    monkeypatch.setattr(crashed.delivery, "deliver", lambda events, ids=(): None)
    crashed.likes.like(bob.id, post.id)
    crashed.comments.add(bob.id, post.id, "nice")
    assert crashed.notifications.unread_count(alice.id) == 0
    assert crashed.outbox.status().undelivered == 2

    restarted = outbox_feed(storage, clock)
    NotificationHandler().connect(restarted)
    recorder = EventRecorder(restarted)
    recorder.connect()
    try:
        clock.advance(timedelta(seconds=11))
        assert restarted.outbox.deliver_pending() == 2
    finally:
        recorder.disconnect()

    replayed = [e for e in recorder.events if isinstance(e, PostLiked | CommentAdded)]
    assert [type(e) for e in replayed] == [PostLiked, CommentAdded]
    kinds = [n.kind for n in restarted.notifications.list(alice.id).items]
    assert sorted(kinds) == ["comment", "like"]
    assert restarted.outbox.status().undelivered == 0
    # A second start finds nothing left, and a repeat would notify no one twice.
    assert restarted.outbox.deliver_pending(older_than=timedelta(0)) == 0


def test_deliver_pending_leaves_recent_rows_to_their_process(
    storage: Storage, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows younger than ``older_than`` may still be on their way: they are left alone."""
    feed = outbox_feed(storage, clock)
    recorder = EventRecorder(feed)
    recorder.connect()
    try:
        monkeypatch.setattr(feed.delivery, "deliver", lambda events, ids=(): None)
        feed.accounts.create_profile("alice")
        monkeypatch.undo()
        clock.advance(timedelta(seconds=5))

        assert feed.outbox.deliver_pending(older_than=timedelta(seconds=10)) == 0
        assert recorder.events == []
        clock.advance(timedelta(seconds=6))
        assert feed.outbox.deliver_pending(older_than=timedelta(seconds=10)) == 1
        assert recorder.only(UserRegistered).username == "alice"
    finally:
        recorder.disconnect()


def test_a_row_this_version_cannot_read_does_not_block_the_others(
    feed: SocialFeed, events: EventRecorder, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """deliver_pending logs a row from a newer version, leaves it, and delivers the rest."""
    monkeypatch.setattr(feed.delivery, "deliver", lambda events, ids=(): None)
    feed.accounts.create_profile("alice")
    with feed.storage.transaction() as uow:
        uow.outbox.add(['{"type":"UserRegistered","version":99}'], clock.now(), delivered=False)
    feed.accounts.create_profile("bob")
    monkeypatch.undo()

    assert feed.outbox.deliver_pending(older_than=timedelta(0)) == 2

    assert [e.username for e in events.of_type(UserRegistered)] == ["alice", "bob"]
    assert feed.outbox.status().undelivered == 1


def test_purge_removes_only_old_rows_both_published_and_delivered(
    feed: SocialFeed, clock: ManualClock
) -> None:
    """Purge keeps rows the relay has not published and rows younger than the cut."""
    feed.accounts.create_profile("alice")
    feed.accounts.create_profile("bob")
    first = rows(feed.storage)[0]
    with feed.storage.transaction() as uow:
        uow.outbox.mark_published([first.id])
    clock.advance(timedelta(hours=2))
    feed.accounts.create_profile("carol")
    with feed.storage.transaction() as uow:
        uow.outbox.mark_published([row.id for row in uow.outbox.unpublished(10)][-1:])

    assert feed.outbox.purge(older_than=timedelta(hours=1)) == 1

    assert [row.id for row in rows(feed.storage)] == [first.id + 1]
    assert feed.outbox.status() == OutboxStatus(unpublished=1, undelivered=0)


# --- Claims: what lets the relay publish with no transaction open --------------------------

LEASE = timedelta(seconds=10)


def claim(storage: Storage, limit: int, now: datetime) -> list[int]:
    """Claim up to ``limit`` rows at ``now`` for `LEASE`, in a transaction of its own; their ids."""
    with storage.transaction() as uow:
        return [message.id for message in uow.outbox.claim(limit, now, now + LEASE)]


def test_a_claim_takes_the_oldest_rows_and_keeps_others_off_until_its_lease_lapses(
    feed: SocialFeed, clock: ManualClock
) -> None:
    """No row is claimed while a lease runs; once it lapses, the oldest rows are claimed again."""
    for name in ("alice", "bob", "carol"):
        feed.accounts.create_profile(name)
    ids = [row.id for row in rows(feed.storage)]
    now = clock.now()

    assert claim(feed.storage, 2, now) == ids[:2]
    assert claim(feed.storage, 2, now + LEASE - timedelta(microseconds=1)) == []
    assert [row.id for row in rows(feed.storage)] == ids  # claimed rows are still unpublished
    assert claim(feed.storage, 5, now + LEASE + timedelta(seconds=1)) == ids


def test_marking_or_releasing_a_batch_ends_its_claim(feed: SocialFeed, clock: ManualClock) -> None:
    """A marked batch lets the next rows be claimed; a released one is claimed again at once."""
    for name in ("alice", "bob", "carol"):
        feed.accounts.create_profile(name)
    ids = [row.id for row in rows(feed.storage)]
    now = clock.now()

    first = claim(feed.storage, 1, now)
    with feed.storage.transaction() as uow:
        uow.outbox.mark_published(first)
    second = claim(feed.storage, 1, now)
    with feed.storage.transaction() as uow:
        uow.outbox.release(second)

    assert (first, second) == (ids[:1], ids[1:2])
    assert claim(feed.storage, 5, now) == ids[1:]
    assert feed.outbox.status().unpublished == 2


def test_claimed_rows_are_not_purged(feed: SocialFeed, clock: ManualClock) -> None:
    """A claimed row waits for its relay: purge leaves it, however old."""
    feed.accounts.create_profile("alice")
    claimed = claim(feed.storage, 1, clock.now())
    clock.advance(timedelta(days=2))

    assert feed.outbox.purge(older_than=timedelta(hours=1)) == 0
    assert [row.id for row in rows(feed.storage)] == claimed


# --- Replay: rows recorded since a time, published or not ----------------------------------


def test_recorded_since_walks_every_row_from_a_time_published_or_not(
    feed: SocialFeed, clock: ManualClock
) -> None:
    """Rows recorded at or after the time come oldest first, by cursor, marks and claims aside."""
    feed.accounts.create_profile("before")
    clock.advance(timedelta(minutes=1))
    since = clock.now()
    for name in ("at", "after", "later"):
        feed.accounts.create_profile(name)
    ids = [row.id for row in rows(feed.storage)]
    with feed.storage.transaction() as uow:
        uow.outbox.mark_published(ids[:2])
    claim(feed.storage, 1, clock.now())

    def walk(after_id: int, limit: int) -> list[OutboxMessage]:
        with feed.storage.transaction(write=False) as uow:
            return uow.outbox.recorded_since(since, after_id, limit)

    assert [row.id for row in walk(0, 10)] == ids[1:]
    assert [row.id for row in walk(0, 2)] == ids[1:3]
    assert [row.id for row in walk(ids[2], 2)] == ids[3:]
    assert walk(ids[3], 2) == []
    first = wire.decode(walk(0, 1)[0].data)
    assert isinstance(first, UserRegistered)
    assert first.username == "at"
