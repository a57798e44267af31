"""Stream workers: typed events sent through the signals, retried, acknowledged or set aside."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from socialfeed import (
    HashtagHandler,
    ManualClock,
    NotificationHandler,
    Settings,
    SocialFeed,
    StorageError,
    signals,
    wire,
)
from socialfeed.events import Event, PostLiked, UserFollowed
from socialfeed.handlers import once_per_event
from socialfeed.ids import PostId, UserId
from socialfeed.outbox.worker import Received, Worker
from socialfeed.storage import MemoryStorage, Storage
from tests.conftest import HASHER
from tests.support import EventRecorder

NOW = datetime(2026, 1, 1, tzinfo=UTC)


class ListConsumer:
    """A consumer over a list, recording acknowledgements and dead letters."""

    def __init__(self, events: Sequence[Event | str], *, deliveries: int = 1) -> None:
        self.queue = [
            Received(str(n), item if isinstance(item, str) else wire.encode(item), deliveries)
            for n, item in enumerate(events)
        ]
        self.acknowledged: list[str] = []
        self.dead: list[tuple[str, str]] = []

    def receive(self, count: int, timeout: float) -> list[Received]:
        batch, self.queue = self.queue[:count], self.queue[count:]
        return batch

    def acknowledge(self, messages: Sequence[Received]) -> None:
        self.acknowledged.extend(m.message_id for m in messages)

    def dead_letter(self, message: Received, reason: str) -> None:
        self.dead.append((message.message_id, reason))


@pytest.fixture
def feed(storage: Storage, clock: ManualClock) -> SocialFeed:
    """The worker's facade; receiver errors are the worker's to handle, not raised."""
    return SocialFeed(storage, settings=Settings(), clock=clock, password_hasher=HASHER)


def liked(user_id: int = 1, post_id: int = 1) -> PostLiked:
    return PostLiked(
        occurred_at=NOW, user_id=UserId(user_id), post_id=PostId(post_id), post_author_id=UserId(2)
    )


def test_events_are_sent_as_typed_events_and_acknowledged(
    feed: SocialFeed, events: EventRecorder
) -> None:
    """Each message is decoded, sent with the worker's facade as sender, then acknowledged."""
    sent = [liked(), UserFollowed(occurred_at=NOW, follower_id=UserId(1), followee_id=UserId(2))]
    consumer = ListConsumer(sent)

    assert Worker(feed, consumer).work_once() == 2

    assert events.events == sent
    assert consumer.acknowledged == ["0", "1"]
    assert consumer.dead == []


def test_the_notification_handler_works_unchanged_in_a_worker(feed: SocialFeed) -> None:
    """A like event from another process notifies the author, once even when it comes twice."""
    alice = feed.accounts.create_profile("alice")
    bob = feed.accounts.create_profile("bob")
    post = feed.posts.create(alice.id, content="hi")
    feed.likes.like(bob.id, post.id)  # the like the event tells of, made with no handler connected
    app_event = PostLiked(occurred_at=NOW, user_id=bob.id, post_id=post.id, post_author_id=alice.id)
    handler = NotificationHandler()
    handler.connect(feed)
    try:
        Worker(feed, ListConsumer([app_event, app_event])).work_once()
    finally:
        handler.disconnect(feed)

    notifications = feed.notifications.list(alice.id).items
    assert [(n.kind, n.actor_id) for n in notifications] == [("like", bob.id)]


def test_the_hashtag_handler_works_unchanged_in_a_worker(
    feed: SocialFeed, storage: Storage, clock: ManualClock
) -> None:
    """A post created by another process is indexed under its tags by the worker's handler."""
    app = SocialFeed(storage, settings=Settings(outbox=True), clock=clock, password_hasher=HASHER)
    alice = app.accounts.create_profile("alice")
    post = app.posts.create(alice.id, content="sunset #beach")
    with storage.transaction(write=False) as uow:
        data = [message.data for message in uow.outbox.unpublished(10)]
    handler = HashtagHandler()
    handler.connect(feed)
    try:
        Worker(feed, ListConsumer(data)).work_once()
    finally:
        handler.disconnect(feed)

    assert [p.id for p in feed.hashtags.posts("beach").items] == [post.id]


def test_a_failing_receiver_is_retried_alone_then_dead_lettered(
    feed: SocialFeed, events: EventRecorder
) -> None:
    """Only the receiver that raised is called again, ``attempts`` times in all, then set aside."""
    calls: list[str] = []

    def broken(sender: object, *, event: PostLiked) -> None:
        calls.append("broken")
        raise RuntimeError("no luck")

    signals.post_liked.connect(broken, sender=feed, weak=False)
    consumer = ListConsumer([liked()])
    try:
        Worker(feed, consumer, attempts=3, retry_delay=0).work_once()
    finally:
        signals.post_liked.disconnect(broken)

    assert calls == ["broken"] * 3
    assert len(events.events) == 1, "the healthy receiver ran once"
    assert consumer.acknowledged == []
    [(message_id, reason)] = consumer.dead
    assert message_id == "0"
    assert "RuntimeError('no luck')" in reason


def test_a_receiver_that_recovers_is_acknowledged(feed: SocialFeed, events: EventRecorder) -> None:
    """A receiver that fails once and then succeeds costs one retry, not a dead letter."""
    failures = iter([RuntimeError("once")])

    def flaky(sender: object, *, event: PostLiked) -> None:
        error = next(failures, None)
        if error is not None:
            raise error

    signals.post_liked.connect(flaky, sender=feed, weak=False)
    consumer = ListConsumer([liked()])
    try:
        Worker(feed, consumer, retry_delay=0).work_once()
    finally:
        signals.post_liked.disconnect(flaky)

    assert consumer.acknowledged == ["0"]
    assert consumer.dead == []


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("not json", "cannot be decoded"),
        ('{"type": "Nope", "version": 1, "id": "x", "time": "x", "payload": {}}', "decoded"),
    ],
)
def test_an_undecodable_message_is_dead_lettered_at_once(
    feed: SocialFeed, events: EventRecorder, data: str, reason: str
) -> None:
    """A message that is not a known event goes aside with the reason, and nothing is sent."""
    consumer = ListConsumer([data, liked()])

    Worker(feed, consumer).work_once()

    assert [message_id for message_id, _ in consumer.dead] == ["0"]
    assert reason in consumer.dead[0][1]
    assert consumer.acknowledged == ["1"]
    assert len(events.events) == 1


def test_a_message_that_keeps_coming_back_is_dead_lettered(
    feed: SocialFeed, events: EventRecorder
) -> None:
    """A message handed out more than ``max_deliveries`` times is set aside unsent (poison)."""
    consumer = ListConsumer([liked()], deliveries=6)

    Worker(feed, consumer, max_deliveries=5).work_once()

    assert events.events == []
    assert "6 times" in consumer.dead[0][1]


def test_a_database_outage_costs_no_attempt(feed: SocialFeed) -> None:
    """A running worker waits out a receiver's StorageError without counting it, then acks."""
    outage = [StorageError("down")] * 5

    def needs_database(sender: object, *, event: PostLiked) -> None:
        if outage:
            raise outage.pop()

    signals.post_liked.connect(needs_database, sender=feed, weak=False)
    consumer = ListConsumer([liked()])
    worker = Worker(feed, consumer, attempts=2, max_backoff=0.01)
    stop = threading.Event()
    runner = threading.Thread(target=worker.run, args=(stop,), kwargs={"timeout": 0.01})
    try:
        runner.start()
        wait_for(lambda: consumer.acknowledged == ["0"])
    finally:
        stop.set()
        runner.join(10)
        signals.post_liked.disconnect(needs_database)

    assert outage == []
    assert consumer.dead == []


def test_work_once_leaves_a_message_the_database_refused(feed: SocialFeed) -> None:
    """Outside ``run`` nothing waits for the database: StorageError, the message unacknowledged."""

    def needs_database(sender: object, *, event: PostLiked) -> None:
        raise StorageError("down")

    signals.post_liked.connect(needs_database, sender=feed, weak=False)
    consumer = ListConsumer([liked()])
    try:
        with pytest.raises(StorageError):
            Worker(feed, consumer).work_once()
    finally:
        signals.post_liked.disconnect(needs_database)

    assert consumer.acknowledged == []
    assert consumer.dead == []


def wait_for(condition: Callable[[], bool], seconds: float = 10) -> None:
    """Poll ``condition`` until it holds, failing after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.01)


def test_run_handles_messages_until_stopped() -> None:
    """``run`` keeps handling messages, and returns once its stop event is set."""
    consumer = ListConsumer([liked(), liked(UserId(2))])
    stop = threading.Event()
    worker = Worker(SocialFeed(MemoryStorage()), consumer)
    runner = threading.Thread(target=worker.run, args=(stop,), kwargs={"timeout": 0.01})
    runner.start()
    wait_for(lambda: len(consumer.acknowledged) == 2)
    stop.set()
    runner.join(10)

    assert not runner.is_alive()
    assert consumer.acknowledged == ["0", "1"]


def test_worker_settings_are_checked() -> None:
    """Attempts, deliveries and batch size below one are refused when the worker is built."""
    with pytest.raises(ValueError, match="at least 1"):
        Worker(object(), ListConsumer([]), attempts=0)


def test_event_ids_survive_the_trip() -> None:
    """The event id a handler deduplicates on is the one the app's action made."""
    event = liked()
    assert wire.decode(wire.encode(event)).event_id == event.event_id
    assert isinstance(event.event_id, uuid.UUID)


def test_an_event_another_worker_holds_is_waited_for_not_dead_lettered(
    storage: Storage, feed: SocialFeed, clock: ManualClock
) -> None:
    """A once_per_event receiver finding its event claimed elsewhere waits; once done, acks."""
    ran: list[uuid.UUID] = []

    @once_per_event("push")
    def push(sender: SocialFeed, *, event: PostLiked) -> None:
        ran.append(event.event_id)

    event = liked()
    with storage.transaction() as uow:  # another worker runs it now
        uow.receipts.claim("push", event.event_id, clock.now(), clock.now() + timedelta(minutes=1))
    signals.post_liked.connect(push, sender=feed, weak=False)
    consumer = ListConsumer([event])
    worker = Worker(feed, consumer, attempts=1, max_backoff=0.01)
    stop = threading.Event()
    runner = threading.Thread(target=worker.run, args=(stop,), kwargs={"timeout": 0.01})
    try:
        runner.start()
        time.sleep(0.2)  # the worker meets the claim and waits
        assert consumer.acknowledged == []
        with storage.transaction() as uow:  # the other worker is done
            uow.receipts.complete("push", event.event_id, clock.now())
        wait_for(lambda: consumer.acknowledged == ["0"])
    finally:
        stop.set()
        runner.join(10)
        signals.post_liked.disconnect(push)

    assert ran == []
    assert consumer.dead == []
