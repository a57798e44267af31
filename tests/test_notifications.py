"""Notifications: what the handler stores, reading and marking them, groups, and deletions."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta

import pytest

from socialfeed import ManualClock, NotFoundError, SocialFeed, ValidationError
from socialfeed.events import (
    AllNotificationsRead,
    NotificationCreated,
    NotificationRead,
    PostLiked,
)
from socialfeed.handlers import NotificationHandler
from socialfeed.ids import NotificationId, PostId, UserId
from socialfeed.models import Notification, NotificationGroup, NotificationKind, Post, User
from socialfeed.signals import signal_for
from socialfeed.storage import Storage
from tests.support import EventRecorder, unchanged

#: The handler's relike quiet period in these tests.
QUIET_PERIOD = timedelta(hours=1)


@pytest.fixture(autouse=True)
def handler(feed: SocialFeed) -> Iterator[NotificationHandler]:
    """The notification handler, connected to ``feed`` for every test of this module."""
    handler = NotificationHandler(quiet_period=QUIET_PERIOD)
    handler.connect(feed)
    yield handler
    handler.disconnect(feed)


@pytest.fixture
def post(feed: SocialFeed, alice: User, bob: User, carol: User, events: EventRecorder) -> Post:
    """Bob's post, made once alice, bob and carol exist; the events so far are cleared."""
    created = feed.posts.create(bob.id, content="look at this")
    events.clear()
    return created


def inbox(feed: SocialFeed, user: User) -> list[Notification]:
    """Return all of a user's notifications, newest first."""
    return list(feed.notifications.list(user.id, limit=100).items)


def assert_announced(events: EventRecorder, *notes: Notification) -> None:
    """Check that one NotificationCreated was sent per notification, in order, and no other."""
    sent = [
        (
            e.notification_id,
            e.recipient_id,
            e.actor_id,
            e.kind,
            e.post_id,
            e.comment_id,
        )
        for e in events.of_type(NotificationCreated)
    ]
    assert sent == [
        (n.id, n.recipient_id, n.actor_id, n.kind, n.post_id, n.comment_id) for n in notes
    ]


def assert_references_resolve(feed: SocialFeed, *users: User) -> None:
    """Check that every notification of ``users`` names an existing actor, post and comment."""
    for user in users:
        for note in inbox(feed, user):
            assert feed.users.get(note.actor_id).username == note.actor_username
            if note.post_id is not None:
                assert feed.posts.get(note.post_id).id == note.post_id
            if note.comment_id is not None:
                assert note.post_id is not None
                comments = feed.comments.for_post(note.post_id, limit=100).items
                assert note.comment_id in {comment.id for comment in comments}


def test_like_notifies_the_post_author(
    feed: SocialFeed, events: EventRecorder, post: Post, alice: User, bob: User
) -> None:
    """A like notifies the post's author that the liker liked it, and sends NotificationCreated."""
    feed.likes.like(alice.id, post.id)

    (note,) = inbox(feed, bob)
    assert (note.recipient_id, note.actor_id, note.actor_username) == (bob.id, alice.id, "alice")
    assert (note.kind, note.post_id, note.comment_id) == ("like", post.id, None)
    assert note.reference_id == post.id
    assert note.message == "alice liked your post"
    assert not note.is_read
    assert inbox(feed, alice) == []
    assert_announced(events, note)


def test_comment_notifies_the_post_author(
    feed: SocialFeed, events: EventRecorder, post: Post, alice: User, bob: User
) -> None:
    """A comment notifies the post's author with the post and the comment."""
    comment = feed.comments.add(alice.id, post.id, "nice one")

    (note,) = inbox(feed, bob)
    assert (note.recipient_id, note.actor_id, note.kind) == (bob.id, alice.id, "comment")
    assert (note.post_id, note.comment_id, note.reference_id) == (post.id, comment.id, post.id)
    assert note.message == "alice commented on your post"
    assert inbox(feed, alice) == []
    assert_announced(events, note)


def test_follow_notifies_the_followee(
    feed: SocialFeed, events: EventRecorder, alice: User, bob: User
) -> None:
    """A follow notifies the followee; its reference is the follower."""
    feed.follows.follow(alice.id, bob.id)

    (note,) = inbox(feed, bob)
    assert (note.recipient_id, note.actor_id, note.kind) == (bob.id, alice.id, "follow")
    assert (note.post_id, note.comment_id, note.reference_id) == (None, None, alice.id)
    assert note.message == "alice started following you"
    assert inbox(feed, alice) == []
    assert_announced(events, note)


@pytest.mark.parametrize("content", ["hi @bob", "hey @Bob!", "thanks @bob.", "@nobody and @bob"])
def test_mention_in_a_post_notifies_the_mentioned_user(
    feed: SocialFeed, events: EventRecorder, post: Post, alice: User, bob: User, content: str
) -> None:
    """Mentioning an existing user in a post notifies them, whatever the case or punctuation."""
    mentioning = feed.posts.create(alice.id, content=content)

    (note,) = inbox(feed, bob)
    assert (note.recipient_id, note.actor_id, note.kind) == (bob.id, alice.id, "mention")
    assert (note.post_id, note.comment_id, note.reference_id) == (
        mentioning.id,
        None,
        mentioning.id,
    )
    assert note.message == "alice mentioned you"
    assert_announced(events, note)


def test_mention_added_by_an_edit_notifies_once(
    feed: SocialFeed, events: EventRecorder, alice: User, bob: User
) -> None:
    """A mention added by an edit notifies; a later edit that keeps it does not notify again."""
    mentioning = feed.posts.create(alice.id, content="hello")
    assert inbox(feed, bob) == []

    feed.posts.edit(alice.id, mentioning.id, "hello @bob")
    feed.posts.edit(alice.id, mentioning.id, "hello again @bob")

    (note,) = inbox(feed, bob)
    assert (note.actor_id, note.kind, note.post_id, note.comment_id) == (
        alice.id,
        "mention",
        mentioning.id,
        None,
    )
    assert note.message == "alice mentioned you"
    assert_announced(events, note)


def test_mention_in_a_comment_notifies_the_mentioned_user(
    feed: SocialFeed, events: EventRecorder, post: Post, alice: User, bob: User, carol: User
) -> None:
    """A mention in a comment notifies that user with the comment; the post's author too."""
    comment = feed.comments.add(alice.id, post.id, "@carol look at this")

    (mention,) = inbox(feed, carol)
    assert (mention.recipient_id, mention.actor_id, mention.kind) == (carol.id, alice.id, "mention")
    assert (mention.post_id, mention.comment_id, mention.reference_id) == (
        post.id,
        comment.id,
        post.id,
    )
    assert mention.message == "alice mentioned you"
    (commented,) = inbox(feed, bob)
    assert (commented.kind, commented.comment_id) == ("comment", comment.id)
    assert_announced(events, commented, mention)


def test_comment_mentioning_the_post_author_notifies_them_once(
    feed: SocialFeed, events: EventRecorder, post: Post, alice: User, bob: User
) -> None:
    """A comment that also mentions the post's author gives them one notification, the comment."""
    feed.comments.add(alice.id, post.id, "@bob what a shot")

    (note,) = inbox(feed, bob)
    assert (note.kind, note.actor_id) == ("comment", alice.id)
    assert_announced(events, note)


SELF_ACTIONS: dict[str, Callable[[SocialFeed, Post], object]] = {
    "like": lambda feed, post: feed.likes.like(post.author_id, post.id),
    "comment": lambda feed, post: feed.comments.add(post.author_id, post.id, "thanks all"),
    "mention in a post": lambda feed, post: feed.posts.create(post.author_id, content="me, @bob"),
    "mention in an edit": lambda feed, post: feed.posts.edit(post.author_id, post.id, "@bob!"),
    "mention in a comment": lambda feed, post: feed.comments.add(post.author_id, post.id, "@BOB"),
}


@pytest.mark.parametrize("action", SELF_ACTIONS)
def test_acting_on_your_own_content_notifies_nobody(
    feed: SocialFeed, events: EventRecorder, post: Post, bob: User, action: str
) -> None:
    """Liking, commenting on or mentioning yourself in your own post notifies nobody."""
    SELF_ACTIONS[action](feed, post)

    assert len(events.events) == 1, "the action itself was announced"
    assert events.of_type(NotificationCreated) == []
    assert inbox(feed, bob) == []
    assert feed.notifications.unread_count(bob.id) == 0


@pytest.mark.parametrize(
    "content",
    [
        "hi @nobody",
        "write to bob@example.com",
        "see https://example.com/@bob",
        "see example.com/@bob",
        "@ bob",
    ],
)
def test_no_mention_notifies_nobody(
    feed: SocialFeed, events: EventRecorder, post: Post, alice: User, bob: User, content: str
) -> None:
    """An unknown username, an email address or a URL containing @bob mentions nobody."""
    feed.posts.create(alice.id, content=content)
    feed.comments.add(alice.id, post.id, content)

    (note,) = inbox(feed, bob)
    assert note.kind == "comment"
    assert inbox(feed, alice) == []
    assert_announced(events, note)


ACTIONS: dict[str, Callable[[SocialFeed, Post, User], object]] = {
    "like": lambda feed, post, actor: feed.likes.like(actor.id, post.id),
    "comment": lambda feed, post, actor: feed.comments.add(actor.id, post.id, "hi @carol"),
    "follow": lambda feed, post, actor: feed.follows.follow(actor.id, post.author_id),
    "mention": lambda feed, post, actor: feed.posts.create(actor.id, content="@bob @carol"),
    "edit": lambda feed, post, actor: feed.posts.edit(post.author_id, post.id, "@alice @carol"),
}


@pytest.mark.parametrize("action", ACTIONS)
def test_redelivered_event_notifies_once(
    feed: SocialFeed,
    events: EventRecorder,
    post: Post,
    alice: User,
    bob: User,
    carol: User,
    action: str,
) -> None:
    """Sending an action's event a second time creates no second notification."""
    ACTIONS[action](feed, post, alice)
    event = next(e for e in events.events if not isinstance(e, NotificationCreated))
    before = {user.username: inbox(feed, user) for user in (alice, bob, carol)}
    created = len(events.of_type(NotificationCreated))
    assert created >= 1

    responses = signal_for(type(event)).send(feed, event=event)

    assert len(responses) == 2, "the recorder and the handler both heard it again"
    assert {user.username: inbox(feed, user) for user in (alice, bob, carol)} == before
    assert len(events.of_type(NotificationCreated)) == created


def test_relike_within_the_quiet_period_does_not_notify_again(
    feed: SocialFeed, events: EventRecorder, clock: ManualClock, post: Post, alice: User, bob: User
) -> None:
    """Unlike then like within the quiet period notifies once; after the period, again."""
    feed.likes.like(alice.id, post.id)
    clock.advance(QUIET_PERIOD - timedelta(seconds=1))
    feed.likes.unlike(alice.id, post.id)
    feed.likes.like(alice.id, post.id)

    assert len(events.of_type(PostLiked)) == 2
    (first,) = inbox(feed, bob)
    assert_announced(events, first)

    clock.advance(timedelta(seconds=1))
    feed.likes.unlike(alice.id, post.id)
    feed.likes.like(alice.id, post.id)

    second, older = inbox(feed, bob)
    assert older == first
    assert (second.actor_id, second.kind, second.post_id) == (alice.id, "like", post.id)
    assert second.created_at > first.created_at + QUIET_PERIOD
    assert_announced(events, first, second)


def test_refollow_within_the_quiet_period_does_not_notify_again(
    feed: SocialFeed, clock: ManualClock, alice: User, bob: User
) -> None:
    """Unfollow then follow within the quiet period notifies once; after the period, again."""
    feed.follows.follow(alice.id, bob.id)
    feed.follows.unfollow(alice.id, bob.id)
    feed.follows.follow(alice.id, bob.id)
    assert [n.kind for n in inbox(feed, bob)] == ["follow"]

    clock.advance(QUIET_PERIOD)
    feed.follows.unfollow(alice.id, bob.id)
    feed.follows.follow(alice.id, bob.id)
    assert [n.kind for n in inbox(feed, bob)] == ["follow", "follow"]


def test_mark_all_read_with_nothing_unread_sends_nothing(
    feed: SocialFeed, events: EventRecorder, bob: User
) -> None:
    """Marking all read when nothing is unread returns 0 and sends no signal."""
    assert feed.notifications.mark_all_read(bob.id) == 0
    assert events.of_type(AllNotificationsRead) == []


def test_quiet_period_is_per_liker_and_per_post(
    feed: SocialFeed, post: Post, alice: User, bob: User, carol: User
) -> None:
    """Within alice's quiet period, carol's like and alice's like of another post still notify."""
    other = feed.posts.create(bob.id, content="another")
    feed.likes.like(alice.id, post.id)

    feed.likes.like(carol.id, post.id)
    feed.likes.like(alice.id, other.id)

    assert [(n.actor_id, n.post_id) for n in inbox(feed, bob)] == [
        (alice.id, other.id),
        (carol.id, post.id),
        (alice.id, post.id),
    ]


def test_list_is_newest_first_in_cursor_pages(
    feed: SocialFeed, post: Post, alice: User, bob: User, carol: User
) -> None:
    """Notifications come newest first, in pages that a new notification does not shift."""
    posts = [feed.posts.create(bob.id, content=f"p{n}") for n in range(5)]
    for liked in posts:
        feed.likes.like(alice.id, liked.id)

    first = feed.notifications.list(bob.id, limit=2)
    feed.likes.like(carol.id, post.id)
    second = feed.notifications.list(bob.id, limit=2, cursor=first.next_cursor)
    third = feed.notifications.list(bob.id, limit=2, cursor=second.next_cursor)

    assert third.next_cursor is None
    paged = [n.post_id for page in (first, second, third) for n in page.items]
    assert paged == [p.id for p in reversed(posts)]
    everything = inbox(feed, bob)
    assert [n.post_id for n in everything] == [post.id, *paged]
    assert everything == sorted(everything, key=lambda n: (n.created_at, n.id), reverse=True)


def test_mark_read_by_the_recipient(
    feed: SocialFeed, events: EventRecorder, clock: ManualClock, post: Post, alice: User, bob: User
) -> None:
    """The recipient marks a notification read: it reads as read, the count drops, an event goes."""
    feed.likes.like(alice.id, post.id)
    feed.follows.follow(alice.id, bob.id)
    _, like = inbox(feed, bob)
    assert feed.notifications.unread_count(bob.id) == 2
    events.clear()
    before = clock.now()

    feed.notifications.mark_read(bob.id, like.id)

    assert [n.is_read for n in inbox(feed, bob)] == [False, True]
    assert feed.notifications.unread_count(bob.id) == 1
    event = events.only(NotificationRead)
    assert (event.notification_id, event.user_id) == (like.id, bob.id)
    assert before < event.occurred_at < clock.now()


def test_mark_read_twice_sends_nothing_the_second_time(
    feed: SocialFeed, events: EventRecorder, post: Post, alice: User, bob: User
) -> None:
    """Marking an already read notification read again changes nothing and sends no signal."""
    feed.likes.like(alice.id, post.id)
    (note,) = inbox(feed, bob)
    feed.notifications.mark_read(bob.id, note.id)
    events.clear()

    with unchanged(feed, events):
        feed.notifications.mark_read(bob.id, note.id)

    assert inbox(feed, bob)[0].is_read


def test_mark_read_by_anyone_else_is_not_found(
    feed: SocialFeed, events: EventRecorder, post: Post, alice: User, bob: User
) -> None:
    """Only the recipient may mark a notification read; the actor gets NotFoundError."""
    feed.likes.like(alice.id, post.id)
    (note,) = inbox(feed, bob)
    events.clear()

    with unchanged(feed, events), pytest.raises(NotFoundError) as info:
        feed.notifications.mark_read(alice.id, note.id)

    assert info.value.entity == "notification"
    assert not inbox(feed, bob)[0].is_read
    assert feed.notifications.unread_count(bob.id) == 1


def test_mark_read_of_a_hidden_notification_is_not_found(
    feed: SocialFeed, events: EventRecorder, post: Post, alice: User, bob: User
) -> None:
    """A notification hidden by a mute reads as not found to mark_read, and stays unread."""
    feed.likes.like(alice.id, post.id)
    (note,) = inbox(feed, bob)
    feed.mutes.mute(bob.id, alice.id)
    events.clear()

    with unchanged(feed, events), pytest.raises(NotFoundError) as info:
        feed.notifications.mark_read(bob.id, note.id)

    assert info.value.entity == "notification"
    feed.mutes.unmute(bob.id, alice.id)
    assert [n.is_read for n in inbox(feed, bob)] == [False]


def test_mark_all_read_leaves_hidden_notifications_unread(
    feed: SocialFeed, events: EventRecorder, post: Post, alice: User, bob: User, carol: User
) -> None:
    """mark_all_read marks only what the user may see; a hidden one shows again, unread."""
    feed.likes.like(alice.id, post.id)
    feed.likes.like(carol.id, post.id)
    feed.mutes.mute(bob.id, alice.id)
    assert feed.notifications.unread_count(bob.id) == 1
    events.clear()

    assert feed.notifications.mark_all_read(bob.id) == 1

    assert events.only(AllNotificationsRead).count == 1
    feed.mutes.unmute(bob.id, alice.id)
    unread = {n.actor_id: not n.is_read for n in inbox(feed, bob)}
    assert unread == {alice.id: True, carol.id: False}
    assert feed.notifications.unread_count(bob.id) == 1


def test_mark_all_read_with_only_hidden_notifications_sends_nothing(
    feed: SocialFeed, events: EventRecorder, post: Post, alice: User, bob: User
) -> None:
    """With every unread notification hidden, mark_all_read returns 0 and changes nothing."""
    feed.likes.like(alice.id, post.id)
    feed.mutes.mute(bob.id, alice.id)
    events.clear()

    with unchanged(feed, events):
        assert feed.notifications.mark_all_read(bob.id) == 0


@pytest.mark.parametrize("notification_id", [999_999, 0, -1, 2**63])
def test_mark_read_of_an_unknown_notification_is_not_found(
    feed: SocialFeed, events: EventRecorder, post: Post, bob: User, notification_id: NotificationId
) -> None:
    """Marking a notification that does not exist raises NotFoundError for the notification."""
    with unchanged(feed, events), pytest.raises(NotFoundError) as info:
        feed.notifications.mark_read(bob.id, notification_id)

    assert info.value.entity == "notification"


def test_mark_all_read(
    feed: SocialFeed,
    events: EventRecorder,
    clock: ManualClock,
    post: Post,
    alice: User,
    bob: User,
    carol: User,
) -> None:
    """mark_all_read reads every notification of the user, counts the unread, and no one else's."""
    feed.likes.like(alice.id, post.id)
    feed.likes.like(carol.id, post.id)
    feed.follows.follow(alice.id, bob.id)
    feed.follows.follow(bob.id, carol.id)
    feed.notifications.mark_read(bob.id, inbox(feed, bob)[-1].id)
    events.clear()
    before = clock.now()

    count = feed.notifications.mark_all_read(bob.id)

    assert count == 2
    assert [n.is_read for n in inbox(feed, bob)] == [True, True, True]
    assert feed.notifications.unread_count(bob.id) == 0
    assert feed.notifications.unread_count(carol.id) == 1
    event = events.only(AllNotificationsRead)
    assert (event.user_id, event.count) == (bob.id, 2)
    assert before < event.occurred_at < clock.now()


@pytest.mark.parametrize("method", ["list", "grouped", "unread_count", "mark_all_read"])
def test_unknown_user_is_not_found(feed: SocialFeed, events: EventRecorder, method: str) -> None:
    """Reading or clearing the notifications of a user that does not exist raises NotFoundError."""
    with unchanged(feed, events), pytest.raises(NotFoundError) as info:
        getattr(feed.notifications, method)(999_999)

    assert info.value.entity == "user"


@pytest.mark.parametrize("method", ["list", "grouped"])
@pytest.mark.parametrize(
    ("field", "arguments"),
    [
        ("limit", {"limit": 0}),
        ("limit", {"limit": 101}),
        ("offset", {"offset": -1}),
        ("cursor", {"cursor": "not a cursor"}),
    ],
)
def test_invalid_page_request_is_refused(
    feed: SocialFeed,
    events: EventRecorder,
    bob: User,
    method: str,
    field: str,
    arguments: dict[str, object],
) -> None:
    """A bad limit, offset or cursor raises ValidationError naming it."""
    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        getattr(feed.notifications, method)(bob.id, **arguments)

    assert info.value.field == field


@pytest.fixture
def grouped_setup(feed: SocialFeed, post: Post, alice: User, bob: User, carol: User) -> Post:
    """Likes of bob's two posts and follows of bob, interleaved; return the second post."""
    dave = feed.accounts.create_profile("dave")
    erin = feed.accounts.create_profile("erin")
    other = feed.posts.create(bob.id, content="second")
    feed.likes.like(alice.id, post.id)
    feed.likes.like(alice.id, other.id)
    feed.follows.follow(dave.id, bob.id)
    feed.likes.like(dave.id, other.id)
    feed.likes.like(erin.id, other.id)
    feed.likes.like(dave.id, post.id)
    feed.likes.like(carol.id, post.id)
    feed.follows.follow(carol.id, bob.id)
    feed.likes.like(carol.id, other.id)
    return other


def test_grouped_folds_likes_per_post_and_all_follows(
    feed: SocialFeed, post: Post, bob: User, grouped_setup: Post
) -> None:
    """Groups name the three latest actors first, count all, and come newest first."""
    other = grouped_setup

    groups = feed.notifications.grouped(bob.id)

    assert groups.next_cursor is None
    summary = [(g.kind, g.post_id, g.actors, g.total, g.message) for g in groups.items]
    assert summary == [
        ("like", other.id, ("carol", "erin", "dave"), 4, "carol and 3 others liked your post"),
        ("follow", None, ("carol", "dave"), 2, "carol and 1 other started following you"),
        ("like", post.id, ("carol", "dave", "alice"), 3, "carol and 2 others liked your post"),
    ]
    newest = inbox(feed, bob)[0]
    assert (groups.items[0].latest_at, groups.items[0].latest_id) == (newest.created_at, newest.id)
    assert all(g.unread for g in groups.items)


def test_grouped_pages_with_cursors(feed: SocialFeed, bob: User, grouped_setup: Post) -> None:
    """Grouped notifications page one group at a time through the same groups, in order."""
    everything = feed.notifications.grouped(bob.id).items

    paged: list[NotificationGroup] = []
    cursor = None
    for _ in range(len(everything)):
        page = feed.notifications.grouped(bob.id, limit=1, cursor=cursor)
        paged.extend(page.items)
        cursor = page.next_cursor
    assert cursor is None
    assert tuple(paged) == everything
    assert len(everything) == 3


def test_group_counts_people_and_tracks_unread(
    feed: SocialFeed, clock: ManualClock, post: Post, alice: User, bob: User
) -> None:
    """One actor's repeated likes and comments make one-person groups, read after mark_all_read."""
    feed.likes.like(alice.id, post.id)
    clock.advance(QUIET_PERIOD * 2)
    feed.likes.unlike(alice.id, post.id)
    feed.likes.like(alice.id, post.id)
    feed.comments.add(alice.id, post.id, "first")
    feed.comments.add(alice.id, post.id, "second")
    assert len(inbox(feed, bob)) == 4
    feed.notifications.mark_all_read(bob.id)

    groups = feed.notifications.grouped(bob.id).items

    summary = [(g.kind, g.actors, g.total, g.unread, g.message) for g in groups]
    assert summary == [
        ("comment", ("alice",), 1, False, "alice commented on your post"),
        ("like", ("alice",), 1, False, "alice liked your post"),
    ]


class BracketRenderer:
    """A renderer whose messages cannot be mistaken for the English ones."""

    def render(self, kind: NotificationKind, actor: str) -> str:
        return f"[{kind}] {actor}"

    def render_group(self, kind: NotificationKind, actors: Sequence[str], total: int) -> str:
        return f"[{kind} x{total}] {'+'.join(actors)}"


def test_custom_renderer_replaces_messages(
    feed: SocialFeed,
    storage: Storage,
    clock: ManualClock,
    post: Post,
    alice: User,
    bob: User,
    carol: User,
) -> None:
    """A facade built with a renderer uses it for single and grouped messages, and only it does."""
    custom = SocialFeed(storage, clock=clock, notification_renderer=BracketRenderer())
    feed.likes.like(alice.id, post.id)
    feed.likes.like(carol.id, post.id)

    mention = custom.notifications.notify(
        alice.id, recipient_id=bob.id, kind="mention", event_id=uuid.uuid4(), post_id=post.id
    )

    assert mention is not None
    assert mention.message == "[mention] alice"
    messages = [n.message for n in custom.notifications.list(bob.id).items]
    assert messages == ["[mention] alice", "[like] carol", "[like] alice"]
    grouped = [g.message for g in custom.notifications.grouped(bob.id).items]
    assert grouped == ["[mention x1] alice", "[like x2] carol+alice"]
    assert [n.message for n in inbox(feed, bob)][1] == "carol liked your post"


def test_deleting_a_post_removes_its_notifications(
    feed: SocialFeed, post: Post, alice: User, bob: User, carol: User
) -> None:
    """Deleting a post removes the likes, comments and mentions about it, and nothing else."""
    dave = feed.accounts.create_profile("dave")
    other = feed.posts.create(bob.id, content="stays")
    feed.likes.like(alice.id, post.id)
    feed.comments.add(carol.id, post.id, "@dave see this")
    feed.likes.like(alice.id, other.id)
    feed.follows.follow(alice.id, bob.id)
    assert len(inbox(feed, bob)) == 4

    feed.posts.delete(bob.id, post.id)

    assert [(n.kind, n.post_id) for n in inbox(feed, bob)] == [("follow", None), ("like", other.id)]
    assert inbox(feed, dave) == []
    assert feed.notifications.unread_count(bob.id) == 2
    assert_references_resolve(feed, alice, bob, carol, dave)


def test_deleting_a_comment_removes_its_notifications(
    feed: SocialFeed, post: Post, alice: User, bob: User, carol: User
) -> None:
    """Deleting a comment removes its comment and mention notifications; the like stays."""
    feed.likes.like(alice.id, post.id)
    comment = feed.comments.add(carol.id, post.id, "@alice see this")
    assert len(inbox(feed, bob)) == 2
    assert len(inbox(feed, alice)) == 1

    feed.comments.delete(carol.id, comment.id)

    assert [(n.kind, n.actor_id) for n in inbox(feed, bob)] == [("like", alice.id)]
    assert inbox(feed, alice) == []
    assert_references_resolve(feed, alice, bob, carol)


def test_deleting_an_account_removes_notifications_it_caused_and_received(
    feed: SocialFeed, post: Post, alice: User, bob: User, carol: User
) -> None:
    """Deleting a user removes every notification they caused or received, and no other."""
    feed.follows.follow(alice.id, bob.id)
    feed.likes.like(alice.id, post.id)
    feed.comments.add(alice.id, post.id, "@carol hi")
    feed.follows.follow(bob.id, alice.id)
    own = feed.posts.create(alice.id, content="mine, @bob")
    feed.likes.like(carol.id, own.id)
    feed.likes.like(carol.id, post.id)
    received = [n.id for n in inbox(feed, alice)]
    assert len(received) == 2
    assert len(inbox(feed, bob)) == 5

    feed.accounts.delete(alice.id)

    assert [(n.kind, n.actor_id) for n in inbox(feed, bob)] == [("like", carol.id)]
    assert inbox(feed, carol) == []
    assert feed.notifications.unread_count(bob.id) == 1
    with feed.storage.transaction(write=False) as uow:
        assert [uow.notifications.get(n) for n in received] == [None, None]
    with pytest.raises(NotFoundError):
        feed.notifications.list(alice.id)
    assert_references_resolve(feed, bob, carol)


def like_then_delete_post(feed: SocialFeed, post: Post, actor: User) -> None:
    """Like a post, then its author deletes it."""
    feed.likes.like(actor.id, post.id)
    feed.posts.delete(post.author_id, post.id)


def comment_then_delete_comment(feed: SocialFeed, post: Post, actor: User) -> None:
    """Comment with a mention, then delete the comment."""
    comment = feed.comments.add(actor.id, post.id, "hi @carol")
    feed.comments.delete(actor.id, comment.id)


def follow_then_delete_follower(feed: SocialFeed, post: Post, actor: User) -> None:
    """Follow the post's author, then delete the follower's account."""
    feed.follows.follow(actor.id, post.author_id)
    feed.accounts.delete(actor.id)


@pytest.mark.parametrize(
    "scenario", [like_then_delete_post, comment_then_delete_comment, follow_then_delete_follower]
)
def test_event_about_deleted_content_creates_nothing(
    feed: SocialFeed,
    events: EventRecorder,
    handler: NotificationHandler,
    post: Post,
    alice: User,
    bob: User,
    carol: User,
    scenario: Callable[[SocialFeed, Post, User], None],
) -> None:
    """An event whose post, comment or actor is gone when the handler runs notifies nobody."""
    handler.disconnect(feed)
    scenario(feed, post, alice)
    event = events.events[0]
    handler.connect(feed)
    events.clear()

    responses = signal_for(type(event)).send(feed, event=event)

    assert len(responses) == 2, "the recorder and the handler both heard it"
    assert events.of_type(NotificationCreated) == []
    assert inbox(feed, bob) == []
    assert inbox(feed, carol) == []


def test_notify_stores_and_returns_the_notification_once_per_event(
    feed: SocialFeed, events: EventRecorder, post: Post, alice: User, bob: User
) -> None:
    """notify() returns what it stored; the same event id again returns None and stores nothing."""
    event_id = uuid.uuid4()

    note = feed.notifications.notify(
        alice.id, recipient_id=bob.id, kind="mention", event_id=event_id, post_id=post.id
    )
    again = feed.notifications.notify(
        alice.id, recipient_id=bob.id, kind="mention", event_id=event_id, post_id=post.id
    )

    assert note is not None
    assert inbox(feed, bob) == [note]
    assert again is None
    assert_announced(events, note)


@pytest.mark.parametrize("kind", ["like", "comment", "mention"])
def test_notify_without_a_post_is_refused(
    feed: SocialFeed,
    events: EventRecorder,
    post: Post,
    alice: User,
    bob: User,
    kind: NotificationKind,
) -> None:
    """A like, comment or mention notification without a post raises ValidationError('post_id')."""
    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        feed.notifications.notify(alice.id, recipient_id=bob.id, kind=kind, event_id=uuid.uuid4())

    assert info.value.field == "post_id"
    assert inbox(feed, bob) == []


def test_notify_with_a_naive_time_is_refused(
    feed: SocialFeed, events: EventRecorder, post: Post, alice: User, bob: User
) -> None:
    """An ``occurred_at`` without a timezone raises ValidationError, and nothing is stored."""
    naive = datetime(2026, 1, 1)
    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        feed.notifications.notify(
            alice.id,
            recipient_id=bob.id,
            kind="like",
            event_id=uuid.uuid4(),
            post_id=post.id,
            occurred_at=naive,
        )

    assert info.value.field == "occurred_at"
    assert inbox(feed, bob) == []


def test_notify_yourself_stores_nothing(
    feed: SocialFeed, events: EventRecorder, post: Post, bob: User
) -> None:
    """notify() with the recipient as the actor returns None, stores nothing and sends nothing."""
    with unchanged(feed, events):
        note = feed.notifications.notify(
            bob.id, recipient_id=bob.id, kind="like", event_id=uuid.uuid4(), post_id=post.id
        )

    assert note is None
    assert inbox(feed, bob) == []


@pytest.mark.parametrize(
    ("entity", "recipient", "post_id"),
    [("user", 999_999, None), ("post", None, 999_999)],
)
def test_notify_about_something_missing_is_not_found(
    feed: SocialFeed,
    events: EventRecorder,
    post: Post,
    alice: User,
    bob: User,
    entity: str,
    recipient: int | None,
    post_id: PostId | None,
) -> None:
    """notify() for an unknown recipient or post raises NotFoundError naming it."""
    with unchanged(feed, events), pytest.raises(NotFoundError) as info:
        feed.notifications.notify(
            alice.id,
            recipient_id=UserId(recipient or bob.id),
            kind="like",
            event_id=uuid.uuid4(),
            post_id=post_id or post.id,
        )

    assert info.value.entity == entity
    assert inbox(feed, bob) == []


def test_unlike_hides_the_like_notification_until_liked_again(
    feed: SocialFeed, post: Post, alice: User, bob: User, carol: User
) -> None:
    """A like taken back leaves the list, groups and unread count; a relike brings it back."""
    feed.likes.like(alice.id, post.id)
    feed.likes.like(carol.id, post.id)

    feed.likes.unlike(alice.id, post.id)

    assert [(n.kind, n.actor_id) for n in inbox(feed, bob)] == [("like", carol.id)]
    assert feed.notifications.unread_count(bob.id) == 1
    assert [(g.actors, g.total) for g in feed.notifications.grouped(bob.id).items] == [
        (("carol",), 1)
    ]

    feed.likes.like(alice.id, post.id)  # within the quiet period: the same notification

    assert [(n.kind, n.actor_id) for n in inbox(feed, bob)] == [
        ("like", carol.id),
        ("like", alice.id),
    ]
    assert feed.notifications.unread_count(bob.id) == 2


def test_unfollow_hides_the_follow_notification(
    feed: SocialFeed, alice: User, bob: User, carol: User
) -> None:
    """'Started following you' is shown only while the follow lasts, in every read."""
    feed.follows.follow(alice.id, bob.id)
    feed.follows.follow(carol.id, bob.id)

    feed.follows.unfollow(alice.id, bob.id)

    assert [(n.kind, n.actor_id) for n in inbox(feed, bob)] == [("follow", carol.id)]
    assert feed.notifications.unread_count(bob.id) == 1
    assert [(g.kind, g.total) for g in feed.notifications.grouped(bob.id).items] == [("follow", 1)]


def test_a_late_notification_whose_cause_is_gone_is_stored_hidden_and_not_announced(
    feed: SocialFeed, events: EventRecorder, post: Post, alice: User, bob: User
) -> None:
    """A like or follow notification stored after the unlike or unfollow is hidden and not sent."""
    like = feed.notifications.notify(
        alice.id, recipient_id=bob.id, kind="like", event_id=uuid.uuid4(), post_id=post.id
    )
    follow = feed.notifications.notify(
        alice.id, recipient_id=bob.id, kind="follow", event_id=uuid.uuid4()
    )

    assert (like, follow) == (None, None)
    assert inbox(feed, bob) == []
    assert feed.notifications.unread_count(bob.id) == 0
    assert feed.notifications.grouped(bob.id).items == ()
    assert events.of_type(NotificationCreated) == []

    feed.follows.follow(alice.id, bob.id)  # the cause holds again: the stored one shows

    assert [n.kind for n in inbox(feed, bob)] == ["follow", "follow"]


def test_a_private_accounts_mention_is_hidden_once_the_recipient_unfollows(
    feed: SocialFeed, alice: User, bob: User
) -> None:
    """A mention on a private account's post shows only while the recipient may see the post."""
    feed.users.set_private(bob.id, True)
    feed.follows.follow(alice.id, bob.id)
    feed.follow_requests.approve(bob.id, alice.id)
    feed.posts.create(bob.id, content="hi @alice")
    assert [n.kind for n in inbox(feed, alice)] == ["mention"]

    feed.follows.unfollow(alice.id, bob.id)

    assert inbox(feed, alice) == []
    assert feed.notifications.unread_count(alice.id) == 0
    assert feed.notifications.grouped(alice.id).items == ()


def test_an_edit_that_drops_a_mention_leaves_the_notification(
    feed: SocialFeed, alice: User, bob: User
) -> None:
    """The mention notification stays after an edit removes the mention: it was delivered."""
    post = feed.posts.create(bob.id, content="hi @alice")

    feed.posts.edit(bob.id, post.id, "hi everyone")

    assert [(n.kind, n.post_id) for n in inbox(feed, alice)] == [("mention", post.id)]
    assert feed.notifications.unread_count(alice.id) == 1


def test_a_group_that_moves_up_between_pages_shows_on_a_fresh_first_page_only(
    feed: SocialFeed, post: Post, alice: User, bob: User, carol: User, grouped_setup: Post
) -> None:
    """A group on a later page that gets a new notification moves to the top, past the cursor."""
    first = feed.notifications.grouped(bob.id, limit=1)
    assert first.items[0].post_id == grouped_setup.id
    # The last group (likes of ``post``) gets a new like before the next page is read.
    feed.likes.like(feed.accounts.create_profile("frank").id, post.id)

    rest = feed.notifications.grouped(bob.id, limit=10, cursor=first.next_cursor)

    assert [(g.kind, g.post_id) for g in rest.items] == [("follow", None)]
    fresh = feed.notifications.grouped(bob.id, limit=1).items
    assert [(g.kind, g.post_id, g.total) for g in fresh] == [("like", post.id, 4)]
