"""The notification handler's rules for late, repeated and reordered events, one at a time.

The actions run on ``feed``, which has no handler; a second facade on the
same storage, ``worker``, has the handlers and is handed the recorded events
when a test says so, as a worker process would be.
(tests/reliability/test_handler_schedules.py checks random scripts on random
schedules against in-process handling.)
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from socialfeed import HashtagHandler, ManualClock, NotificationHandler, SocialFeed
from socialfeed.events import Event, PostCreated, PostLiked
from socialfeed.models import User
from socialfeed.signals import signal_for
from socialfeed.storage import Storage
from tests.support import EventRecorder

Row = tuple[int, str, int | None, object]


@pytest.fixture
def worker(storage: Storage, clock: ManualClock) -> Iterator[SocialFeed]:
    """A second facade on the storage, with the handlers connected, as in a worker process."""
    facade = SocialFeed(storage, clock=clock)
    notifications, hashtags = NotificationHandler(), HashtagHandler()
    notifications.connect(facade)
    hashtags.connect(facade)
    yield facade
    notifications.disconnect(facade)
    hashtags.disconnect(facade)


def deliver(worker: SocialFeed, *events: Event) -> None:
    """Hand events to the worker's handlers, in the order given."""
    for event in events:
        signal_for(type(event)).send(worker, event=event)


def inbox(feed: SocialFeed, user: User) -> list[Row]:
    """(actor, kind, post, time) of the user's notifications as they read them, newest first."""
    items = feed.notifications.list(user.id, limit=100).items
    return [(n.actor_id, n.kind, n.post_id, n.created_at) for n in items]


def test_a_late_notification_is_dated_by_its_event(
    feed: SocialFeed, worker: SocialFeed, events: EventRecorder, clock: ManualClock, alice: User
) -> None:
    """A like handled an hour late is dated when the like happened, not when it was handled."""
    bob = feed.accounts.create_profile("bob")
    post = feed.posts.create(alice.id, content="hi")
    feed.likes.like(bob.id, post.id)
    liked = events.of_type(PostLiked)[0]
    clock.advance(timedelta(hours=1))

    deliver(worker, liked)

    assert inbox(feed, alice) == [(bob.id, "like", post.id, liked.occurred_at)]


def test_a_repeat_after_a_block_and_an_unblock_adds_nothing(
    feed: SocialFeed, worker: SocialFeed, events: EventRecorder, alice: User
) -> None:
    """A block hides a mention's notice; an unblock shows it again, once, however often it comes.

    (A like's notice would not come back: the block removed the like.)
    """
    bob = feed.accounts.create_profile("bob")
    post = feed.posts.create(bob.id, content="hi @alice")
    posted = events.of_type(PostCreated)[0]
    deliver(worker, posted)

    feed.blocks.block(alice.id, bob.id)
    deliver(worker, posted)
    assert inbox(feed, alice) == []
    assert feed.notifications.unread_count(alice.id) == 0

    feed.blocks.unblock(alice.id, bob.id)
    deliver(worker, posted)
    assert inbox(feed, alice) == [(bob.id, "mention", post.id, posted.occurred_at)]


def test_a_block_hides_what_a_late_event_stores_after_it(
    feed: SocialFeed, worker: SocialFeed, events: EventRecorder, alice: User
) -> None:
    """A like from before a block, handled after it, stays hidden as if handled first."""
    bob = feed.accounts.create_profile("bob")
    post = feed.posts.create(alice.id, content="hi")
    feed.likes.like(bob.id, post.id)
    feed.blocks.block(alice.id, bob.id)

    deliver(worker, *events.events)

    assert inbox(feed, alice) == []
    assert feed.notifications.grouped(alice.id).items == ()


def test_a_mention_handled_late_skips_a_user_who_registered_since(
    feed: SocialFeed, worker: SocialFeed, events: EventRecorder, alice: User
) -> None:
    """A post naming @bob before bob existed notifies nobody, even handled after he registered."""
    feed.posts.create(alice.id, content="waiting for @bob")
    posted = list(events.events)
    bob = feed.accounts.create_profile("bob")

    deliver(worker, *posted)

    assert inbox(feed, bob) == []


def test_likes_in_one_window_arriving_in_reverse_leave_the_earliest(
    feed: SocialFeed, worker: SocialFeed, events: EventRecorder, clock: ManualClock, alice: User
) -> None:
    """Two likes in one quiet window, handled in reverse, twice, notify once, dated by the first."""
    bob = feed.accounts.create_profile("bob")
    post = feed.posts.create(alice.id, content="hi")
    feed.likes.like(bob.id, post.id)
    feed.likes.unlike(bob.id, post.id)
    clock.advance(timedelta(minutes=5))
    feed.likes.like(bob.id, post.id)
    first, second = events.of_type(PostLiked)

    deliver(worker, second, first, second)

    assert inbox(feed, alice) == [(bob.id, "like", post.id, first.occurred_at)]


def test_a_mention_in_a_private_post_shows_once_the_user_may_see_the_post(
    feed: SocialFeed, worker: SocialFeed, events: EventRecorder, alice: User
) -> None:
    """A mention in a private account's post is hidden from a non-follower until they follow."""
    bob = feed.accounts.create_profile("bob")
    feed.users.set_private(alice.id, True)
    post = feed.posts.create(alice.id, content="hello @bob")
    deliver(worker, *events.events)
    assert inbox(feed, bob) == []

    assert feed.follows.follow(bob.id, alice.id) == "requested"
    feed.follow_requests.approve(alice.id, bob.id)

    assert [row[:3] for row in inbox(feed, bob)] == [(alice.id, "mention", post.id)]


def test_hashtags_indexed_late_match_the_posts_current_content(
    feed: SocialFeed, worker: SocialFeed, events: EventRecorder, alice: User
) -> None:
    """A post's create and edit events, handled in reverse and twice, index its current tags."""
    post = feed.posts.create(alice.id, content="#cats")
    feed.posts.edit(alice.id, post.id, "#dogs")
    created, edited = events.events[-2:]

    deliver(worker, edited, created, edited, created)

    assert feed.hashtags.get("cats") is None
    dogs = feed.hashtags.get("dogs")
    assert dogs is not None
    assert dogs.post_count == 1
