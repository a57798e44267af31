"""Follow requests: private accounts, approving, rejecting, withdrawing, and going public."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import attrs
import pytest

from socialfeed import (
    AlreadyFollowingError,
    ConflictError,
    ManualClock,
    NotFoundError,
    SocialFeed,
)
from socialfeed.events import (
    FollowRequestApproved,
    FollowRequested,
    FollowRequestRejected,
    FollowRequestWithdrawn,
    VisibilityChanged,
)
from socialfeed.handlers import NotificationHandler
from socialfeed.ids import UserId
from socialfeed.models import MAX_ID, User
from tests.support import EventRecorder, unchanged


@pytest.fixture
def alice(feed: SocialFeed, alice: User) -> User:
    """The shared alice, owner of a private account here (bob, made next, asks to follow her)."""
    feed.users.set_private(alice.id, True)
    return feed.users.get(alice.id)


@pytest.fixture
def carol(events: EventRecorder, carol: User) -> User:
    """The shared carol, made last; the events so far are cleared."""
    events.clear()
    return carol


def counts(feed: SocialFeed, user: User) -> tuple[int, int]:
    """Return a user's stored (follower_count, following_count)."""
    stored = feed.users.get(user.id)
    return stored.follower_count, stored.following_count


def incoming(feed: SocialFeed, owner: User) -> list[str]:
    """Return the usernames of everyone asking to follow ``owner``, newest request first."""
    return [u.username for u in feed.follow_requests.incoming(owner.id, limit=100).items]


def outgoing(feed: SocialFeed, requester: User) -> list[str]:
    """Return the usernames of everyone ``requester`` asked to follow, newest request first."""
    return [u.username for u in feed.follow_requests.outgoing(requester.id, limit=100).items]


def test_following_a_private_account_makes_a_request(
    feed: SocialFeed,
    events: EventRecorder,
    clock: ManualClock,
    alice: User,
    bob: User,
    carol: User,
) -> None:
    """Following a private account returns "requested", sends FollowRequested and follows nobody."""
    before = clock.now()

    assert feed.follows.follow(bob.id, alice.id) == "requested"

    assert not feed.follows.is_following(bob.id, alice.id)
    assert counts(feed, alice) == (0, 0)
    assert counts(feed, bob) == (0, 0)
    assert feed.users.followers(alice.id, viewer_id=alice.id).items == ()
    assert incoming(feed, alice) == ["bob"]
    assert outgoing(feed, bob) == ["alice"]
    event = events.only(FollowRequested)
    assert (event.requester_id, event.owner_id) == (bob.id, alice.id)
    assert before < event.occurred_at < clock.now()


def test_asking_twice_is_a_conflict(
    feed: SocialFeed, events: EventRecorder, alice: User, bob: User, carol: User
) -> None:
    """A second request to the same account is a ConflictError, not a following error."""
    feed.follows.follow(bob.id, alice.id)

    with unchanged(feed, events), pytest.raises(ConflictError) as info:
        feed.follows.follow(bob.id, alice.id)

    assert not isinstance(info.value, AlreadyFollowingError)
    assert info.value.message == "Follow request already sent"


def test_approve(
    feed: SocialFeed,
    events: EventRecorder,
    clock: ManualClock,
    alice: User,
    bob: User,
    carol: User,
) -> None:
    """Approving makes the follow, counts it, empties the lists and sends one Approved event."""
    feed.follows.follow(bob.id, alice.id)
    events.clear()
    before = clock.now()

    feed.follow_requests.approve(alice.id, bob.id)

    assert feed.follows.is_following(bob.id, alice.id)
    assert counts(feed, alice) == (1, 0)
    assert counts(feed, bob) == (0, 1)
    assert [u.id for u in feed.users.followers(alice.id, viewer_id=bob.id).items] == [bob.id]
    assert incoming(feed, alice) == []
    assert outgoing(feed, bob) == []
    approved = events.only(FollowRequestApproved)
    assert (approved.requester_id, approved.owner_id) == (bob.id, alice.id)
    assert before < approved.occurred_at < clock.now()


@pytest.fixture
def notifications(feed: SocialFeed) -> Iterator[None]:
    """The notification handler, connected to ``feed`` for one test."""
    handler = NotificationHandler()
    handler.connect(feed)
    yield
    handler.disconnect(feed)


@pytest.mark.usefixtures("notifications")
def test_approve_notifies_the_owner(feed: SocialFeed, alice: User, bob: User, carol: User) -> None:
    """With the notification handler connected, an approval tells the owner of the new follower."""
    feed.follows.follow(bob.id, alice.id)
    assert feed.notifications.list(alice.id).items == ()

    feed.follow_requests.approve(alice.id, bob.id)

    (note,) = feed.notifications.list(alice.id).items
    assert (note.kind, note.actor_id, note.post_id) == ("follow", bob.id, None)
    assert note.message == "bob started following you"
    assert feed.notifications.list(bob.id).items == ()


def test_following_again_after_approval_is_already_following(
    feed: SocialFeed, events: EventRecorder, alice: User, bob: User, carol: User
) -> None:
    """Once approved, following the private account again is AlreadyFollowingError, no request."""
    feed.follows.follow(bob.id, alice.id)
    feed.follow_requests.approve(alice.id, bob.id)
    events.clear()

    with unchanged(feed, events), pytest.raises(AlreadyFollowingError):
        feed.follows.follow(bob.id, alice.id)


def test_reject(
    feed: SocialFeed,
    events: EventRecorder,
    clock: ManualClock,
    alice: User,
    bob: User,
    carol: User,
) -> None:
    """Rejecting drops the request and sends FollowRequestRejected; the requester may ask again."""
    feed.follows.follow(bob.id, alice.id)
    events.clear()
    before = clock.now()

    feed.follow_requests.reject(alice.id, bob.id)

    assert not feed.follows.is_following(bob.id, alice.id)
    assert counts(feed, alice) == (0, 0)
    assert incoming(feed, alice) == []
    assert outgoing(feed, bob) == []
    event = events.only(FollowRequestRejected)
    assert (event.requester_id, event.owner_id) == (bob.id, alice.id)
    assert before < event.occurred_at < clock.now()

    assert feed.follows.follow(bob.id, alice.id) == "requested"
    assert incoming(feed, alice) == ["bob"]


def test_withdraw(
    feed: SocialFeed,
    events: EventRecorder,
    clock: ManualClock,
    alice: User,
    bob: User,
    carol: User,
) -> None:
    """A withdrawn request leaves both lists, follows nobody and sends FollowRequestWithdrawn."""
    feed.follows.follow(bob.id, alice.id)
    events.clear()
    before = clock.now()

    feed.follow_requests.withdraw(bob.id, alice.id)

    assert not feed.follows.is_following(bob.id, alice.id)
    assert counts(feed, alice) == (0, 0)
    assert incoming(feed, alice) == []
    assert outgoing(feed, bob) == []
    event = events.only(FollowRequestWithdrawn)
    assert (event.requester_id, event.owner_id) == (bob.id, alice.id)
    assert before < event.occurred_at < clock.now()


Answer = Callable[[SocialFeed, User, User], None]

ANSWERS: dict[str, Answer] = {
    "approve": lambda feed, owner, requester: feed.follow_requests.approve(owner.id, requester.id),
    "reject": lambda feed, owner, requester: feed.follow_requests.reject(owner.id, requester.id),
    "withdraw": lambda feed, owner, requester: feed.follow_requests.withdraw(
        requester.id, owner.id
    ),
}


@pytest.mark.parametrize("answer", ANSWERS.values(), ids=ANSWERS.keys())
def test_answering_a_request_that_does_not_exist(
    feed: SocialFeed, events: EventRecorder, answer: Answer, alice: User, bob: User, carol: User
) -> None:
    """Answering a request nobody made is NotFoundError and changes nothing."""
    feed.follows.follow(carol.id, alice.id)
    events.clear()

    with unchanged(feed, events), pytest.raises(NotFoundError) as info:
        answer(feed, alice, bob)

    assert info.value.entity == "follow request"


@pytest.mark.parametrize("answer", ANSWERS.values(), ids=ANSWERS.keys())
def test_answering_with_an_id_that_names_nobody(
    feed: SocialFeed, events: EventRecorder, answer: Answer, alice: User, bob: User, carol: User
) -> None:
    """A user id past the 64-bit range names no request: NotFoundError, nothing changed."""
    feed.follows.follow(bob.id, alice.id)
    nobody = attrs.evolve(bob, id=UserId(MAX_ID + 1))
    events.clear()

    with unchanged(feed, events), pytest.raises(NotFoundError):
        answer(feed, alice, nobody)


@pytest.mark.parametrize("answer", ANSWERS.values(), ids=ANSWERS.keys())
def test_nobody_else_can_answer_a_request(
    feed: SocialFeed, events: EventRecorder, answer: Answer, alice: User, bob: User, carol: User
) -> None:
    """A third user (as owner or as requester) cannot answer bob's request to alice."""
    feed.follows.follow(bob.id, alice.id)
    events.clear()

    for owner, requester in ((carol, bob), (alice, carol), (bob, alice)):
        with unchanged(feed, events), pytest.raises(NotFoundError):
            answer(feed, owner, requester)

    assert incoming(feed, alice) == ["bob"]


def test_incoming_is_newest_first_with_cursors(
    feed: SocialFeed, alice: User, bob: User, carol: User
) -> None:
    """Incoming requests come newest first, and a cursor pages on without repeats."""
    dave = feed.accounts.create_profile("dave")
    for requester in (bob, carol, dave):
        feed.follows.follow(requester.id, alice.id)

    first = feed.follow_requests.incoming(alice.id, limit=2)
    assert [u.id for u in first.items] == [dave.id, carol.id]
    assert first.next_cursor is not None
    second = feed.follow_requests.incoming(alice.id, limit=2, cursor=first.next_cursor)
    assert [u.id for u in second.items] == [bob.id]
    assert second.next_cursor is None


def test_outgoing_is_newest_first_with_cursors(
    feed: SocialFeed, alice: User, bob: User, carol: User
) -> None:
    """Outgoing requests come newest first, and a cursor pages on without repeats."""
    feed.users.set_private(carol.id, True)
    dave = feed.accounts.create_profile("dave")
    feed.users.set_private(dave.id, True)
    for owner in (alice, carol, dave):
        feed.follows.follow(bob.id, owner.id)

    first = feed.follow_requests.outgoing(bob.id, limit=2)
    assert [u.id for u in first.items] == [dave.id, carol.id]
    assert first.next_cursor is not None
    second = feed.follow_requests.outgoing(bob.id, limit=2, cursor=first.next_cursor)
    assert [u.id for u in second.items] == [alice.id]
    assert second.next_cursor is None


def test_going_private_keeps_followers(
    feed: SocialFeed, events: EventRecorder, clock: ManualClock, carol: User
) -> None:
    """Going private keeps followers, sends VisibilityChanged, and new follows become requests."""
    dave = feed.accounts.create_profile("dave")
    feed.follows.follow(dave.id, carol.id)
    events.clear()
    before = clock.now()

    feed.users.set_private(carol.id, True)

    assert feed.users.get(carol.id).is_private
    assert feed.follows.is_following(dave.id, carol.id)
    assert counts(feed, carol) == (1, 0)
    event = events.only(VisibilityChanged)
    assert (event.user_id, event.is_private) == (carol.id, True)
    assert before < event.occurred_at < clock.now()
    erin = feed.accounts.create_profile("erin")
    assert feed.follows.follow(erin.id, carol.id) == "requested"


def test_going_public_approves_pending_requests(
    feed: SocialFeed,
    events: EventRecorder,
    clock: ManualClock,
    alice: User,
    bob: User,
    carol: User,
) -> None:
    """Going public approves every pending request, oldest first, named by its one event."""
    feed.follows.follow(bob.id, alice.id)
    feed.follows.follow(carol.id, alice.id)
    events.clear()
    before = clock.now()

    feed.users.set_private(alice.id, False)

    assert not feed.users.get(alice.id).is_private
    assert feed.follows.is_following(bob.id, alice.id)
    assert feed.follows.is_following(carol.id, alice.id)
    assert counts(feed, alice) == (2, 0)
    assert counts(feed, bob) == (0, 1)
    assert counts(feed, carol) == (0, 1)
    assert incoming(feed, alice) == []
    assert outgoing(feed, bob) == outgoing(feed, carol) == []
    changed = events.only(VisibilityChanged)
    assert (changed.user_id, changed.is_private) == (alice.id, False)
    assert changed.approved_requester_ids == (bob.id, carol.id)
    assert before < changed.occurred_at < clock.now()


@pytest.mark.parametrize("is_private", [True, False])
def test_setting_the_same_visibility_again_sends_nothing(
    feed: SocialFeed, events: EventRecorder, is_private: bool, alice: User, bob: User, carol: User
) -> None:
    """Setting the visibility an account already has changes nothing and sends no signal."""
    feed.users.set_private(carol.id, is_private)
    feed.follows.follow(bob.id, carol.id)
    events.clear()

    with unchanged(feed, events):
        feed.users.set_private(carol.id, is_private)

    assert feed.users.get(carol.id).is_private is is_private
