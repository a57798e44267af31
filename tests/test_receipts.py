"""Receipts of handled events, and `once_per_event`, which makes a receiver idempotent with them."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from socialfeed import ManualClock, SocialFeed, signals
from socialfeed.events import UserRegistered
from socialfeed.handlers import once_per_event
from socialfeed.models import User
from socialfeed.storage import Storage


def test_a_receipt_is_recorded_once_per_receiver_and_event(storage: Storage) -> None:
    """receipts.add records a (receiver, event) pair once; exists tells it apart from others."""
    event_id, other = uuid.uuid4(), uuid.uuid4()
    clock = ManualClock()
    with storage.transaction() as uow:
        assert uow.receipts.add("mail", event_id, clock.now())
        assert not uow.receipts.add("mail", event_id, clock.now())
        assert uow.receipts.add("push", event_id, clock.now())
    with storage.transaction(write=False) as uow:
        assert uow.receipts.exists("mail", event_id)
        assert not uow.receipts.exists("mail", other)


def test_purging_receipts_deletes_only_the_old_ones(
    storage: Storage, feed: SocialFeed, clock: ManualClock
) -> None:
    """purge_receipts deletes the receipts older than the age given and keeps the rest."""
    old, new = uuid.uuid4(), uuid.uuid4()
    with storage.transaction() as uow:
        uow.receipts.add("mail", old, clock.now())
    clock.advance(timedelta(days=10))
    with storage.transaction() as uow:
        uow.receipts.add("mail", new, clock.now())

    assert feed.maintenance.purge_receipts(timedelta(days=7)) == 1

    with storage.transaction(write=False) as uow:
        assert [uow.receipts.exists("mail", e) for e in (old, new)] == [False, True]


def test_purging_receipts_refuses_a_negative_age(feed: SocialFeed) -> None:
    """A negative age is a ValueError, not a purge of everything."""
    with pytest.raises(ValueError, match="negative"):
        feed.maintenance.purge_receipts(timedelta(seconds=-1))


def test_once_per_event_runs_a_receiver_once_however_often_the_event_comes(
    storage: Storage, feed: SocialFeed, clock: ManualClock, alice: User
) -> None:
    """A decorated receiver runs for the first delivery only, also from another facade."""
    welcomed: list[int] = []

    @once_per_event("welcome")
    def welcome(sender: SocialFeed, *, event: UserRegistered) -> None:
        welcomed.append(event.user_id)

    event = UserRegistered(
        occurred_at=clock.now(), user_id=alice.id, username="alice", has_password=False
    )
    worker = SocialFeed(storage, clock=clock)
    with signals.user_registered.connected_to(welcome, sender=worker):
        for _ in range(3):
            signals.user_registered.send(worker, event=event)
    welcome(feed, event=event)

    assert welcomed == [alice.id]


def test_once_per_event_tries_again_after_the_receiver_raised(
    feed: SocialFeed, clock: ManualClock, alice: User
) -> None:
    """A receiver that raised leaves no receipt, so the next delivery runs it again."""
    calls: list[int] = []

    @once_per_event("flaky")
    def flaky(sender: SocialFeed, *, event: UserRegistered) -> None:
        calls.append(event.user_id)
        if len(calls) == 1:
            raise RuntimeError("the mail server is down")

    event = UserRegistered(
        occurred_at=clock.now(), user_id=alice.id, username="alice", has_password=False
    )
    with pytest.raises(RuntimeError):
        flaky(feed, event=event)
    flaky(feed, event=event)
    flaky(feed, event=event)

    assert calls == [alice.id, alice.id]
