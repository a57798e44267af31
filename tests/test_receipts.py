"""Receipts of handled events, and `once_per_event`, which makes a receiver run once per event."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta

import pytest

from socialfeed import ManualClock, SocialFeed, StorageConflictError, signals
from socialfeed.events import UserRegistered
from socialfeed.handlers import once_per_event
from socialfeed.models import User
from socialfeed.storage import Storage

MINUTE = timedelta(minutes=1)


def registered(clock: ManualClock, user: User) -> UserRegistered:
    """A registration event of ``user``, as a worker would receive it."""
    return UserRegistered(
        occurred_at=clock.now(), user_id=user.id, username=user.username, has_password=False
    )


def test_a_claim_holds_the_event_until_it_completes_or_lapses(storage: Storage) -> None:
    """A claim is busy while held, claimable once lapsed, and done once complete."""
    event_id, clock = uuid.uuid4(), ManualClock()
    now = clock.now()
    with storage.transaction() as uow:
        assert uow.receipts.claim("mail", event_id, now, now + MINUTE) == "claimed"
        assert uow.receipts.claim("mail", event_id, now, now + MINUTE) == "busy"
        assert uow.receipts.claim("push", event_id, now, now + MINUTE) == "claimed"
        later = now + 2 * MINUTE
        assert uow.receipts.claim("mail", event_id, later, later + MINUTE) == "claimed"
        uow.receipts.complete("mail", event_id, later)
        assert uow.receipts.claim("mail", event_id, later + MINUTE, later + MINUTE) == "done"


def test_a_released_claim_can_be_claimed_again_at_once(storage: Storage) -> None:
    """release drops a claim that is not complete, and leaves a complete receipt alone."""
    event_id, done_id, now = uuid.uuid4(), uuid.uuid4(), ManualClock().now()
    with storage.transaction() as uow:
        uow.receipts.claim("mail", event_id, now, now + MINUTE)
        uow.receipts.release("mail", event_id)
        assert uow.receipts.claim("mail", event_id, now, now + MINUTE) == "claimed"
        uow.receipts.claim("mail", done_id, now, now + MINUTE)
        uow.receipts.complete("mail", done_id, now)
        uow.receipts.release("mail", done_id)
        assert uow.receipts.claim("mail", done_id, now, now + MINUTE) == "done"


def test_purging_receipts_deletes_only_old_complete_ones(
    storage: Storage, feed: SocialFeed, clock: ManualClock
) -> None:
    """purge_receipts deletes complete receipts older than the age, not newer ones or claims."""
    old, claimed, new = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    now = clock.now()
    with storage.transaction() as uow:
        for event_id in (old, claimed):
            uow.receipts.claim("mail", event_id, now, now + MINUTE)
        uow.receipts.complete("mail", old, now)
    clock.advance(timedelta(days=10))
    with storage.transaction() as uow:
        uow.receipts.claim("mail", new, clock.now(), clock.now())
        uow.receipts.complete("mail", new, clock.now())

    assert feed.maintenance.purge_receipts(timedelta(days=7)) == 1

    with storage.transaction() as uow:
        found = [uow.receipts.claim("mail", e, clock.now(), clock.now()) for e in (old, new)]
    assert found == ["claimed", "done"]


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

    event = registered(clock, alice)
    worker = SocialFeed(storage, clock=clock)
    with signals.user_registered.connected_to(welcome, sender=worker):
        for _ in range(3):
            signals.user_registered.send(worker, event=event)
    welcome(feed, event=event)

    assert welcomed == [alice.id]


def test_once_per_event_tries_again_after_the_receiver_raised(
    feed: SocialFeed, clock: ManualClock, alice: User
) -> None:
    """A receiver that raised drops its claim, so the next delivery runs it again."""
    calls: list[int] = []

    @once_per_event("flaky")
    def flaky(sender: SocialFeed, *, event: UserRegistered) -> None:
        calls.append(event.user_id)
        if len(calls) == 1:
            raise RuntimeError("the mail server is down")

    event = registered(clock, alice)
    with pytest.raises(RuntimeError):
        flaky(feed, event=event)
    flaky(feed, event=event)
    flaky(feed, event=event)

    assert calls == [alice.id, alice.id]


def test_an_event_claimed_elsewhere_is_refused_until_the_claim_lapses(
    storage: Storage, feed: SocialFeed, clock: ManualClock, alice: User
) -> None:
    """A delivery raises StorageConflictError while another claim holds; once it lapses, runs."""
    calls: list[int] = []

    @once_per_event("mail", lease=MINUTE)
    def mail(sender: SocialFeed, *, event: UserRegistered) -> None:
        calls.append(event.user_id)

    event = registered(clock, alice)
    with storage.transaction() as uow:  # a process that claimed it, then died
        uow.receipts.claim("mail", event.event_id, clock.now(), clock.now() + MINUTE)

    with pytest.raises(StorageConflictError):
        mail(feed, event=event)
    assert calls == []

    clock.advance(2 * MINUTE)
    mail(feed, event=event)
    mail(feed, event=event)
    assert calls == [alice.id]


def test_two_processes_delivering_one_event_at_once_run_it_once(
    sql_storage: Storage, clock: ManualClock
) -> None:
    """Two facades delivering one event at the same moment: one runs it, the other is refused."""
    feed = SocialFeed(sql_storage, clock=clock)
    alice = feed.accounts.create_profile("alice")
    event = registered(clock, alice)
    calls: list[str] = []
    outcomes: list[str] = []
    start = threading.Barrier(2)

    @once_per_event("slow-mail")
    def slow_mail(sender: SocialFeed, *, event: UserRegistered) -> None:
        calls.append(threading.current_thread().name)
        time.sleep(0.3)  # the other delivery arrives while this one runs

    def deliver() -> None:
        start.wait()
        try:
            slow_mail(SocialFeed(sql_storage, clock=clock), event=event)
            outcomes.append("ran")
        except StorageConflictError:
            outcomes.append("refused")

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(calls) == 1
    assert sorted(outcomes) == ["ran", "refused"]
