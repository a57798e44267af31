"""MuteService: muted users leave my feeds and stop notifying me, for a while or until unmuted."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from socialfeed import (
    ManualClock,
    NotFoundError,
    SelfActionError,
    SocialFeed,
    ValidationError,
)
from socialfeed.events import NotificationCreated, UserMuted, UserUnmuted
from socialfeed.handlers import NotificationHandler
from socialfeed.ids import UserId
from socialfeed.models import MAX_ID, NotificationKind, User
from tests.support import EventRecorder, unchanged

HOUR = timedelta(hours=1)


@pytest.fixture
def users(
    feed: SocialFeed, events: EventRecorder, alice: User, bob: User, carol: User
) -> tuple[User, User, User]:
    """Alice (who mutes), bob (who gets muted) and carol, a bystander.

    Alice and carol follow bob, and bob follows both; the events so far are cleared.
    """
    for follower, followee in ((alice, bob), (carol, bob), (bob, alice), (bob, carol)):
        feed.follows.follow(follower.id, followee.id)
    events.clear()
    return alice, bob, carol


@pytest.fixture
def notifications(feed: SocialFeed) -> Iterator[None]:
    """The notification handler, connected to ``feed`` for one test."""
    handler = NotificationHandler()
    handler.connect(feed)
    yield
    handler.disconnect(feed)


def home(feed: SocialFeed, user: User) -> list[int]:
    """Return the post ids of a user's home feed, newest first."""
    return [item.post.id for item in feed.feed.home(user.id, limit=100).items]


def story_authors(feed: SocialFeed, user: User) -> set[str]:
    """Return who has stories in a user's story feed."""
    return {group.author_username for group in feed.stories.feed(user.id)}


def mutes(feed: SocialFeed, user: User) -> list[tuple[int, datetime | None]]:
    """Return (muted user id, until) for each running mute of a user, latest first."""
    return [(m.user.id, m.until) for m in feed.mutes.list(user.id, limit=100).items]


def actors(feed: SocialFeed, user: User, kind: NotificationKind) -> list[int]:
    """Return who caused a user's notifications of one kind, newest first."""
    return [n.actor_id for n in feed.notifications.list(user.id).items if n.kind == kind]


def test_mute_hides_posts_from_my_home_feed_only(
    feed: SocialFeed, events: EventRecorder, clock: ManualClock, users: tuple[User, User, User]
) -> None:
    """Muting takes the muted user's posts out of my home feed, and out of nobody else's."""
    alice, bob, carol = users
    own = feed.posts.create(alice.id, content="mine")
    theirs = feed.posts.create(bob.id, content="theirs")
    events.clear()
    before = clock.now()

    feed.mutes.mute(alice.id, bob.id)

    assert home(feed, alice) == [own.id]
    assert home(feed, carol) == [theirs.id]
    assert home(feed, bob) == [theirs.id, own.id]
    assert feed.mutes.is_muting(alice.id, bob.id)
    assert feed.follows.is_following(alice.id, bob.id)
    event = events.only(UserMuted)
    assert (event.muter_id, event.muted_id, event.until) == (alice.id, bob.id, None)
    assert before < event.occurred_at < clock.now()


def test_mute_hides_stories_from_my_story_feed_only(
    feed: SocialFeed, users: tuple[User, User, User]
) -> None:
    """Muting takes the muted user's stories out of my story feed, and out of nobody else's."""
    alice, bob, carol = users
    feed.stories.create(alice.id, content="my story")
    feed.stories.create(bob.id, content="their story")

    feed.mutes.mute(alice.id, bob.id)

    assert story_authors(feed, alice) == {"alice"}
    assert story_authors(feed, carol) == {"bob"}
    assert story_authors(feed, bob) == {"alice", "bob"}


Act = Callable[[SocialFeed, User, User], None]


def _like(feed: SocialFeed, actor: User, target: User) -> None:
    feed.likes.like(actor.id, feed.posts.by_author(target.id).items[0].id)


def _comment(feed: SocialFeed, actor: User, target: User) -> None:
    feed.comments.add(actor.id, feed.posts.by_author(target.id).items[0].id, "nice")


def _follow(feed: SocialFeed, actor: User, target: User) -> None:
    feed.follows.follow(actor.id, target.id)


def _mention(feed: SocialFeed, actor: User, target: User) -> None:
    feed.posts.create(actor.id, content=f"hello @{target.username}")


ACTS: dict[NotificationKind, Act] = {
    "like": _like,
    "comment": _comment,
    "follow": _follow,
    "mention": _mention,
}


@pytest.mark.usefixtures("notifications")
@pytest.mark.parametrize("kind", ACTS.keys())
def test_muted_user_no_longer_notifies_me(
    feed: SocialFeed, events: EventRecorder, kind: NotificationKind
) -> None:
    """A like, comment, follow or mention by a muted user stores nothing; others' still notify."""
    alice, bob, carol = (feed.accounts.create_profile(n) for n in ("alice", "bob", "carol"))
    feed.posts.create(alice.id, content="hello")
    feed.mutes.mute(alice.id, bob.id)
    events.clear()

    ACTS[kind](feed, bob, alice)

    assert feed.notifications.list(alice.id).items == ()
    assert events.of_type(NotificationCreated) == []

    ACTS[kind](feed, carol, alice)

    (note,) = feed.notifications.list(alice.id).items
    assert (note.kind, note.actor_id) == (kind, carol.id)
    (created,) = events.of_type(NotificationCreated)
    assert (created.notification_id, created.recipient_id) == (note.id, alice.id)


@pytest.mark.usefixtures("notifications")
def test_muted_user_sees_nothing_different(
    feed: SocialFeed, users: tuple[User, User, User]
) -> None:
    """The muted user still gets my posts, stories, profile and notifications as before."""
    alice, bob, _ = users
    feed.mutes.mute(alice.id, bob.id)
    post = feed.posts.create(alice.id, content="still here")
    feed.stories.create(alice.id, content="still here")
    their_post = feed.posts.create(bob.id, content="theirs")

    assert post.id in home(feed, bob)
    assert story_authors(feed, bob) == {"alice"}
    assert feed.users.get(alice.id, viewer_id=bob.id).id == alice.id
    assert feed.users.get_by_username("alice", viewer_id=bob.id).id == alice.id
    assert [p.id for p in feed.posts.by_author(alice.id, viewer_id=bob.id).items] == [post.id]
    assert feed.posts.get(post.id, viewer_id=bob.id) == post
    assert not feed.mutes.is_muting(bob.id, alice.id)
    assert mutes(feed, bob) == []
    feed.likes.like(alice.id, their_post.id)
    assert actors(feed, bob, "like") == [alice.id]


@pytest.mark.usefixtures("notifications")
def test_mute_until_a_time_expires(
    feed: SocialFeed, events: EventRecorder, clock: ManualClock, users: tuple[User, User, User]
) -> None:
    """A mute until a time hides posts, stories and notifications until then, and nothing after."""
    alice, bob, _ = users
    post = feed.posts.create(bob.id, content="theirs")
    feed.stories.create(bob.id, content="their story")
    own = feed.posts.create(alice.id, content="mine")
    until = clock.now() + HOUR
    events.clear()

    feed.mutes.mute(alice.id, bob.id, until=until)

    event = events.only(UserMuted)
    assert (event.muter_id, event.muted_id, event.until) == (alice.id, bob.id, until)
    assert home(feed, alice) == [own.id]
    assert story_authors(feed, alice) == set()
    assert mutes(feed, alice) == [(bob.id, until)]
    feed.comments.add(bob.id, own.id, "unheard")
    assert actors(feed, alice, "comment") == []

    clock.advance(2 * HOUR)

    assert home(feed, alice) == [own.id, post.id]
    assert story_authors(feed, alice) == {"bob"}
    assert not feed.mutes.is_muting(alice.id, bob.id)
    assert mutes(feed, alice) == []
    feed.comments.add(bob.id, own.id, "heard")
    # The mute hid the first comment's notification while it ran, no longer.
    assert actors(feed, alice, "comment") == [bob.id, bob.id]


def test_muting_again_updates_until(
    feed: SocialFeed, events: EventRecorder, clock: ManualClock, users: tuple[User, User, User]
) -> None:
    """Muting a muted user again replaces the end of the mute and sends UserMuted again."""
    alice, bob, _ = users
    feed.mutes.mute(alice.id, bob.id, until=clock.now() + HOUR)
    later = clock.now() + 3 * HOUR
    events.clear()

    feed.mutes.mute(alice.id, bob.id, until=later)

    event = events.only(UserMuted)
    assert (event.muter_id, event.muted_id, event.until) == (alice.id, bob.id, later)
    assert mutes(feed, alice) == [(bob.id, later)]
    clock.advance(2 * HOUR)
    assert feed.mutes.is_muting(alice.id, bob.id)

    feed.mutes.mute(alice.id, bob.id)

    assert mutes(feed, alice) == [(bob.id, None)]
    clock.advance(24 * HOUR)
    assert feed.mutes.is_muting(alice.id, bob.id)


def test_unmute(
    feed: SocialFeed, events: EventRecorder, clock: ManualClock, users: tuple[User, User, User]
) -> None:
    """Unmuting brings the muted user's posts back and sends UserUnmuted."""
    alice, bob, _ = users
    post = feed.posts.create(bob.id, content="theirs")
    feed.mutes.mute(alice.id, bob.id)
    events.clear()
    before = clock.now()

    feed.mutes.unmute(alice.id, bob.id)

    assert home(feed, alice) == [post.id]
    assert not feed.mutes.is_muting(alice.id, bob.id)
    assert mutes(feed, alice) == []
    event = events.only(UserUnmuted)
    assert (event.muter_id, event.muted_id) == (alice.id, bob.id)
    assert before < event.occurred_at < clock.now()


def test_unmuting_a_user_not_muted_sends_nothing(
    feed: SocialFeed, events: EventRecorder, users: tuple[User, User, User]
) -> None:
    """Unmuting someone who is not muted (or whom someone else muted) changes nothing."""
    alice, bob, carol = users
    feed.mutes.mute(carol.id, bob.id)
    events.clear()

    with unchanged(feed, events):
        feed.mutes.unmute(alice.id, bob.id)

    assert feed.mutes.is_muting(carol.id, bob.id)


def test_unmuting_an_id_that_names_nobody_sends_nothing(
    feed: SocialFeed, events: EventRecorder, users: tuple[User, User, User]
) -> None:
    """Unmuting a user id past the 64-bit range changes nothing, as for any user not muted."""
    alice, _, _ = users

    with unchanged(feed, events):
        feed.mutes.unmute(alice.id, UserId(MAX_ID + 1))


def test_list_shows_only_running_mutes(
    feed: SocialFeed, clock: ManualClock, users: tuple[User, User, User]
) -> None:
    """The mutes list holds running mutes only, latest first, and pages on with a cursor."""
    alice, bob, carol = users
    dave = feed.accounts.create_profile("dave")
    soon, later = clock.now() + HOUR, clock.now() + 3 * HOUR
    feed.mutes.mute(alice.id, bob.id, until=soon)
    feed.mutes.mute(alice.id, carol.id)
    feed.mutes.mute(alice.id, dave.id, until=later)
    feed.mutes.mute(carol.id, bob.id)

    assert mutes(feed, alice) == [(dave.id, later), (carol.id, None), (bob.id, soon)]
    first = feed.mutes.list(alice.id, limit=2)
    assert [m.user.id for m in first.items] == [dave.id, carol.id]
    assert first.next_cursor is not None
    second = feed.mutes.list(alice.id, limit=2, cursor=first.next_cursor)
    assert [m.user.id for m in second.items] == [bob.id]
    assert second.next_cursor is None

    clock.advance(2 * HOUR)

    assert mutes(feed, alice) == [(dave.id, later), (carol.id, None)]


def test_self_mute_is_refused(
    feed: SocialFeed, events: EventRecorder, users: tuple[User, User, User]
) -> None:
    """Muting yourself is a SelfActionError on muted_id, and nothing changes."""
    alice, _, _ = users

    with unchanged(feed, events), pytest.raises(SelfActionError) as info:
        feed.mutes.mute(alice.id, alice.id)

    assert info.value.field == "muted_id"


def test_until_in_the_past_is_refused(
    feed: SocialFeed, events: EventRecorder, clock: ManualClock, users: tuple[User, User, User]
) -> None:
    """A mute that would already have ended is a ValidationError on until, and nothing changes."""
    alice, bob, _ = users

    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        feed.mutes.mute(alice.id, bob.id, until=clock.now() - timedelta(seconds=1))

    assert info.value.field == "until"
    assert not feed.mutes.is_muting(alice.id, bob.id)


def test_until_without_a_time_zone_is_refused(
    feed: SocialFeed, events: EventRecorder, clock: ManualClock, users: tuple[User, User, User]
) -> None:
    """A naive ``until`` (no time zone) is a ValidationError on until, not a raw TypeError."""
    alice, bob, _ = users
    naive = (clock.now() + HOUR).replace(tzinfo=None)

    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        feed.mutes.mute(alice.id, bob.id, until=naive)

    assert info.value.field == "until"


@pytest.mark.parametrize(
    "until",
    [
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-14))),
        datetime(2200, 1, 1, tzinfo=UTC),
    ],
    ids=["not-representable-in-utc", "over-100-years-ahead"],
)
def test_until_out_of_range_is_refused(
    feed: SocialFeed, events: EventRecorder, users: tuple[User, User, User], until: datetime
) -> None:
    """An ``until`` UTC cannot hold, or over 100 years ahead: ValidationError, nothing changes."""
    alice, bob, _ = users

    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        feed.mutes.mute(alice.id, bob.id, until=until)

    assert info.value.field == "until"


def test_until_in_another_zone_is_kept_in_utc(
    feed: SocialFeed, events: EventRecorder, clock: ManualClock, users: tuple[User, User, User]
) -> None:
    """A mute's end given in another zone is stored, listed and announced in UTC, same instant."""
    alice, bob, _ = users
    until = (clock.now() + HOUR).astimezone(timezone(timedelta(hours=2)))

    feed.mutes.mute(alice.id, bob.id, until=until)

    listed = feed.mutes.list(alice.id).items[0].until
    announced = events.only(UserMuted).until
    assert listed == announced == until
    assert listed is not None
    assert announced is not None
    assert listed.utcoffset() == announced.utcoffset() == timedelta(0)


def test_muting_an_unknown_user_is_not_found(
    feed: SocialFeed, events: EventRecorder, users: tuple[User, User, User]
) -> None:
    """Muting a user who does not exist is NotFoundError, and nothing changes."""
    alice, _, _ = users

    with unchanged(feed, events), pytest.raises(NotFoundError) as info:
        feed.mutes.mute(alice.id, UserId(10_000))

    assert info.value.entity == "user"
