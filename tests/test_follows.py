"""FollowService: following, unfollowing, and the follower and following counters."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from socialfeed import (
    AlreadyFollowingError,
    ConflictError,
    ManualClock,
    NotFollowingError,
    NotFoundError,
    SelfActionError,
    SocialFeed,
    ValidationError,
)
from socialfeed.events import UserFollowed, UserUnfollowed
from socialfeed.ids import UserId
from socialfeed.models import User
from tests.support import EventRecorder, unchanged


@pytest.fixture
def bob(events: EventRecorder, bob: User) -> User:
    """The shared bob, whom alice follows, made after her; the events so far are cleared."""
    events.clear()
    return bob


def counts(feed: SocialFeed, user: User) -> tuple[int, int]:
    """Return a user's stored (follower_count, following_count)."""
    stored = feed.users.get(user.id)
    return stored.follower_count, stored.following_count


def test_follow(
    feed: SocialFeed, events: EventRecorder, clock: ManualClock, alice: User, bob: User
) -> None:
    """Following counts on both users, is visible through is_following and sends UserFollowed."""
    before = clock.now()

    feed.follows.follow(alice.id, bob.id)

    assert feed.follows.is_following(alice.id, bob.id)
    assert not feed.follows.is_following(bob.id, alice.id)
    assert counts(feed, alice) == (0, 1)
    assert counts(feed, bob) == (1, 0)
    event = events.only(UserFollowed)
    assert (event.follower_id, event.followee_id) == (alice.id, bob.id)
    assert before < event.occurred_at < clock.now()


def test_unfollow(
    feed: SocialFeed, events: EventRecorder, clock: ManualClock, alice: User, bob: User
) -> None:
    """Unfollowing uncounts on both users and sends UserUnfollowed."""
    feed.follows.follow(alice.id, bob.id)
    events.clear()
    before = clock.now()

    feed.follows.unfollow(alice.id, bob.id)

    assert not feed.follows.is_following(alice.id, bob.id)
    assert counts(feed, alice) == (0, 0)
    assert counts(feed, bob) == (0, 0)
    event = events.only(UserUnfollowed)
    assert (event.follower_id, event.followee_id) == (alice.id, bob.id)
    assert before < event.occurred_at < clock.now()


def test_follow_back_makes_two_independent_follows(
    feed: SocialFeed, alice: User, bob: User
) -> None:
    """Following each other counts both ways, and one unfollow leaves the other follow."""
    feed.follows.follow(alice.id, bob.id)
    feed.follows.follow(bob.id, alice.id)
    assert counts(feed, alice) == (1, 1)
    assert counts(feed, bob) == (1, 1)

    feed.follows.unfollow(alice.id, bob.id)

    assert feed.follows.is_following(bob.id, alice.id)
    assert counts(feed, alice) == (1, 0)
    assert counts(feed, bob) == (0, 1)


def test_counters_with_several_users(feed: SocialFeed, alice: User, bob: User) -> None:
    """Counters are exact when several users follow and unfollow the same user."""
    others = [feed.accounts.create_profile(f"user{n}") for n in range(3)]
    for user in others:
        feed.follows.follow(user.id, bob.id)
    feed.follows.follow(alice.id, bob.id)
    feed.follows.unfollow(others[1].id, bob.id)

    assert counts(feed, bob) == (3, 0)
    assert counts(feed, others[1]) == (0, 0)
    assert counts(feed, others[2]) == (0, 1)


def test_follow_yourself_is_refused(feed: SocialFeed, events: EventRecorder, alice: User) -> None:
    """Following oneself raises ValidationError on 'followee_id' and changes nothing."""
    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        feed.follows.follow(alice.id, alice.id)

    assert info.value.field == "followee_id"
    assert not feed.follows.is_following(alice.id, alice.id)


def test_follow_twice_is_a_conflict(
    feed: SocialFeed, events: EventRecorder, alice: User, bob: User
) -> None:
    """Following a user one already follows raises AlreadyFollowingError, a ConflictError."""
    feed.follows.follow(alice.id, bob.id)

    with unchanged(feed, events), pytest.raises(AlreadyFollowingError) as info:
        feed.follows.follow(alice.id, bob.id)

    assert isinstance(info.value, ConflictError)
    assert counts(feed, bob) == (1, 0)


def test_unfollow_when_not_following_is_refused(
    feed: SocialFeed, events: EventRecorder, alice: User, bob: User
) -> None:
    """Unfollowing a user one does not follow raises NotFollowingError and changes nothing."""
    feed.follows.follow(bob.id, alice.id)

    with unchanged(feed, events), pytest.raises(NotFollowingError) as info:
        feed.follows.unfollow(alice.id, bob.id)

    assert isinstance(info.value, ConflictError)
    assert feed.follows.is_following(bob.id, alice.id)


@pytest.mark.parametrize("action", ["follow", "unfollow"])
@pytest.mark.parametrize("unknown_is_follower", [True, False])
def test_unknown_user_raises_not_found(
    feed: SocialFeed, events: EventRecorder, alice: User, action: str, unknown_is_follower: bool
) -> None:
    """Following or unfollowing with a user who does not exist, on either side, is NotFound."""
    pair = (999_999, alice.id) if unknown_is_follower else (alice.id, 999_999)

    with unchanged(feed, events), pytest.raises(NotFoundError) as info:
        getattr(feed.follows, action)(*pair)

    assert info.value.entity == "user"


def test_is_following_is_false_for_strangers_and_unknown_users(
    feed: SocialFeed, alice: User, bob: User
) -> None:
    """is_following is False when there is no follow, including for ids that do not exist."""
    assert not feed.follows.is_following(alice.id, bob.id)
    assert not feed.follows.is_following(alice.id, UserId(999_999))
    assert not feed.follows.is_following(UserId(999_999), alice.id)


def test_self_actions_are_a_distinct_validation_error(feed: SocialFeed) -> None:
    """Following, unfollowing and messaging yourself raise SelfActionError, a ValidationError."""
    alice = feed.accounts.create_profile("alice")
    attempts: list[Callable[[], object]] = [
        lambda: feed.follows.follow(alice.id, alice.id),
        lambda: feed.follows.unfollow(alice.id, alice.id),
        lambda: feed.messages.send(alice.id, alice.id, "hi me"),
    ]
    for attempt in attempts:
        with pytest.raises(SelfActionError) as info:
            attempt()
        assert isinstance(info.value, ValidationError)
        assert info.value.reason.startswith("Cannot")


def test_a_self_action_message_is_for_people(feed: SocialFeed, alice: User) -> None:
    """A SelfActionError's message is the reason alone; only ``field`` names the parameter."""
    attempts: dict[str, Callable[[], object]] = {
        "followee_id": lambda: feed.follows.follow(alice.id, alice.id),
        "blocked_id": lambda: feed.blocks.block(alice.id, alice.id),
        "muted_id": lambda: feed.mutes.mute(alice.id, alice.id),
        "receiver_id": lambda: feed.messages.send(alice.id, alice.id, "hi me"),
        "other_id": lambda: feed.messages.conversation(alice.id, alice.id),
    }
    for field, attempt in attempts.items():
        with pytest.raises(SelfActionError) as info:
            attempt()
        assert info.value.field == field
        assert info.value.message == info.value.reason == str(info.value)
        assert "_id" not in info.value.message
