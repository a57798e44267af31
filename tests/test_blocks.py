"""BlockService: what a block removes, what it forbids both ways, and the block list."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from socialfeed import (
    BlockedError,
    ManualClock,
    NotFoundError,
    NotificationHandler,
    SelfActionError,
    SocialFeed,
    SocialFeedError,
    ValidationError,
)
from socialfeed.events import (
    CommentDeleted,
    NotificationCreated,
    PostUnliked,
    UserBlocked,
    UserUnblocked,
)
from socialfeed.ids import UserId
from socialfeed.models import User
from tests.support import EventRecorder, unchanged


@pytest.fixture
def notified(feed: SocialFeed) -> Iterator[SocialFeed]:
    """The ``feed`` facade with the notification handler connected."""
    handler = NotificationHandler()
    handler.connect(feed)
    yield feed
    handler.disconnect(feed)


@pytest.fixture
def carol(events: EventRecorder, carol: User) -> User:
    """The shared carol, made last; the events so far are cleared."""
    events.clear()
    return carol


def counts(feed: SocialFeed, user: User) -> tuple[int, int]:
    """Return a user's stored (follower_count, following_count)."""
    stored = feed.users.get(user.id)
    return stored.follower_count, stored.following_count


def ids(users: tuple[User, ...]) -> list[int]:
    """Return the ids of a list of users, in order."""
    return [user.id for user in users]


def actors(feed: SocialFeed, user: User) -> list[tuple[str, int]]:
    """Return (kind, actor id) of every notification of a user, newest first."""
    return [(n.kind, n.actor_id) for n in feed.notifications.list(user.id).items]


def test_block_removes_follows_both_ways_with_exact_counters(
    feed: SocialFeed,
    events: EventRecorder,
    clock: ManualClock,
    alice: User,
    bob: User,
    carol: User,
) -> None:
    """A block ends the follows between the two both ways, uncounts them, and sends UserBlocked."""
    for follower, followee in [(alice, bob), (bob, alice), (carol, alice), (carol, bob)]:
        feed.follows.follow(follower.id, followee.id)
    feed.follows.follow(alice.id, carol.id)
    events.clear()
    before = clock.now()

    feed.blocks.block(alice.id, bob.id)

    assert not feed.follows.is_following(alice.id, bob.id)
    assert not feed.follows.is_following(bob.id, alice.id)
    assert counts(feed, alice) == (1, 1)
    assert counts(feed, bob) == (1, 0)
    assert counts(feed, carol) == (1, 2)
    assert feed.maintenance.reconcile_counters() == 0
    assert feed.blocks.is_blocking(alice.id, bob.id)
    event = events.only(UserBlocked)
    assert (event.blocker_id, event.blocked_id) == (alice.id, bob.id)
    assert before < event.occurred_at < clock.now()


def test_block_removes_pending_follow_requests_both_ways(
    feed: SocialFeed, events: EventRecorder, alice: User, bob: User, carol: User
) -> None:
    """A block drops the requests between the two, keeps others, and sends only UserBlocked."""
    feed.users.set_private(alice.id, True)
    feed.users.set_private(bob.id, True)
    assert feed.follows.follow(alice.id, bob.id) == "requested"
    assert feed.follows.follow(bob.id, alice.id) == "requested"
    assert feed.follows.follow(carol.id, alice.id) == "requested"
    events.clear()

    feed.blocks.block(alice.id, bob.id)

    assert ids(feed.follow_requests.incoming(alice.id).items) == [carol.id]
    assert ids(feed.follow_requests.outgoing(alice.id).items) == []
    assert ids(feed.follow_requests.incoming(bob.id).items) == []
    assert ids(feed.follow_requests.outgoing(bob.id).items) == []
    event = events.only(UserBlocked)
    assert (event.blocker_id, event.blocked_id) == (alice.id, bob.id)


def test_block_hides_the_notifications_between_the_two_users_both_ways(
    notified: SocialFeed, events: EventRecorder, alice: User, bob: User, carol: User
) -> None:
    """A block hides every notification between the two users, either way; others stay."""
    post = notified.posts.create(alice.id, content="hello")
    notified.posts.create(bob.id, content="hi @alice")
    notified.follows.follow(bob.id, alice.id)
    notified.likes.like(carol.id, post.id)
    notified.posts.create(alice.id, content="hi @bob")
    assert len(actors(notified, alice)) == 3
    assert len(actors(notified, bob)) == 1
    events.clear()

    notified.blocks.block(alice.id, bob.id)

    assert actors(notified, alice) == [("like", carol.id)]
    assert notified.notifications.unread_count(alice.id) == 1
    assert actors(notified, bob) == []
    assert notified.notifications.unread_count(bob.id) == 0
    event = events.only(UserBlocked)
    assert (event.blocker_id, event.blocked_id) == (alice.id, bob.id)


def test_blocking_twice_changes_nothing_and_sends_nothing(
    feed: SocialFeed, events: EventRecorder, alice: User, bob: User, carol: User
) -> None:
    """Blocking a user already blocked writes nothing and sends no second UserBlocked."""
    feed.blocks.block(alice.id, bob.id)

    with unchanged(feed, events):
        feed.blocks.block(alice.id, bob.id)

    assert feed.blocks.is_blocking(alice.id, bob.id)
    assert len(events.of_type(UserBlocked)) == 1


def test_blocking_yourself_is_a_self_action_error(
    feed: SocialFeed, events: EventRecorder, alice: User
) -> None:
    """Blocking yourself is a SelfActionError (a ValidationError) on blocked_id; nothing changes."""
    with unchanged(feed, events), pytest.raises(SelfActionError) as info:
        feed.blocks.block(alice.id, alice.id)

    assert isinstance(info.value, ValidationError)
    assert info.value.field == "blocked_id"
    assert not feed.blocks.is_blocking(alice.id, alice.id)


@pytest.mark.parametrize("who", ["blocker", "blocked"])
def test_block_with_an_unknown_user_is_not_found(
    feed: SocialFeed, events: EventRecorder, alice: User, who: str
) -> None:
    """A block naming a user who does not exist raises NotFoundError("user"), changing nothing."""
    pair = (999_999, alice.id) if who == "blocker" else (alice.id, 999_999)

    with unchanged(feed, events), pytest.raises(NotFoundError) as info:
        feed.blocks.block(*pair)

    assert info.value.entity == "user"


# An action of ``actor`` towards ``target``, who has a public post and an active story.
Action = Callable[[SocialFeed, User, User], object]


def _like(feed: SocialFeed, actor: User, target: User) -> object:
    return feed.likes.like(actor.id, feed.posts.by_author(target.id).items[0].id)


def _comment(feed: SocialFeed, actor: User, target: User) -> object:
    return feed.comments.add(actor.id, feed.posts.by_author(target.id).items[0].id, "hey")


def _view_story(feed: SocialFeed, actor: User, target: User) -> object:
    story_id = feed.stories.active(target.id)[0].id
    feed.stories.view(actor.id, story_id)
    return None


ACTIONS: dict[str, Action] = {
    "follow": lambda feed, actor, target: feed.follows.follow(actor.id, target.id),
    "like": _like,
    "comment": _comment,
    "message": lambda feed, actor, target: feed.messages.send(actor.id, target.id, "hey"),
    "story view": _view_story,
}

# "blocked": the blocked user acts towards the blocker; "blocker": the reverse.
# The blocked user always finds the blocker (or their content) not found. The
# blocker gets BlockedError where the target is a user (follow, message) and
# NotFoundError where it is content (a post or story hidden across the block).
ACROSS_A_BLOCK: list[tuple[str, str, type[SocialFeedError], str | None]] = [
    ("follow", "blocked", NotFoundError, "user"),
    ("follow", "blocker", BlockedError, None),
    ("like", "blocked", NotFoundError, "post"),
    ("like", "blocker", NotFoundError, "post"),
    ("comment", "blocked", NotFoundError, "post"),
    ("comment", "blocker", NotFoundError, "post"),
    ("message", "blocked", NotFoundError, "user"),
    ("message", "blocker", BlockedError, None),
    ("story view", "blocked", NotFoundError, "story"),
    ("story view", "blocker", NotFoundError, "story"),
]


@pytest.mark.parametrize(("action", "direction", "error", "entity"), ACROSS_A_BLOCK)
def test_actions_across_a_block_fail_and_change_nothing(
    feed: SocialFeed,
    events: EventRecorder,
    alice: User,
    bob: User,
    action: str,
    direction: str,
    error: type[SocialFeedError],
    entity: str | None,
) -> None:
    """Across a block, follow, like, comment, message and story view fail typed, writing nothing."""
    for user in (alice, bob):
        feed.posts.create(user.id, content="mine")
        feed.stories.create(user.id, content="now")
    feed.blocks.block(alice.id, bob.id)
    actor, target = (bob, alice) if direction == "blocked" else (alice, bob)

    with unchanged(feed, events), pytest.raises(error) as info:
        ACTIONS[action](feed, actor, target)

    assert type(info.value) is error
    if entity is not None:
        assert isinstance(info.value, NotFoundError)
        assert info.value.entity == entity
    else:
        assert info.value.message == "You blocked this user"


@pytest.mark.parametrize("direction", ["blocked", "blocker"])
def test_mentions_across_a_block_notify_nobody(
    notified: SocialFeed,
    events: EventRecorder,
    alice: User,
    bob: User,
    carol: User,
    direction: str,
) -> None:
    """A mention across a block, in a post or a comment, notifies nobody; others still hear."""
    notified.blocks.block(alice.id, bob.id)
    actor, target = (bob, alice) if direction == "blocked" else (alice, bob)
    carols_post = notified.posts.create(carol.id, content="party")
    events.clear()

    notified.posts.create(actor.id, content=f"@{target.username} @carol hello")
    notified.comments.add(actor.id, carols_post.id, f"@{target.username} look")

    assert actors(notified, target) == []
    recipients = {e.recipient_id for e in events.of_type(NotificationCreated)}
    assert recipients == {carol.id}


def test_unblock_restores_nothing_and_sends_user_unblocked(
    notified: SocialFeed,
    events: EventRecorder,
    clock: ManualClock,
    alice: User,
    bob: User,
    carol: User,
) -> None:
    """Unblocking lifts the block but brings back no follow or request; a mention shows again.

    The follow notifications stay hidden: the follows they announced ended.
    """
    notified.posts.create(bob.id, content="hi @alice")
    notified.follows.follow(alice.id, bob.id)
    notified.follows.follow(bob.id, alice.id)
    notified.users.set_private(alice.id, True)
    notified.follows.unfollow(bob.id, alice.id)
    assert notified.follows.follow(bob.id, alice.id) == "requested"
    notified.blocks.block(alice.id, bob.id)
    events.clear()
    before = clock.now()

    notified.blocks.unblock(alice.id, bob.id)

    assert not notified.blocks.is_blocking(alice.id, bob.id)
    assert not notified.follows.is_following(alice.id, bob.id)
    assert not notified.follows.is_following(bob.id, alice.id)
    assert counts(notified, alice) == (0, 0)
    assert counts(notified, bob) == (0, 0)
    assert ids(notified.follow_requests.incoming(alice.id).items) == []
    assert actors(notified, alice) == [("mention", bob.id)]
    assert actors(notified, bob) == []
    event = events.only(UserUnblocked)
    assert (event.blocker_id, event.blocked_id) == (alice.id, bob.id)
    assert before < event.occurred_at < clock.now()


def test_after_unblock_the_two_can_interact_again(feed: SocialFeed, alice: User, bob: User) -> None:
    """Once the block is lifted, following and messaging work again both ways."""
    feed.blocks.block(alice.id, bob.id)
    feed.blocks.unblock(alice.id, bob.id)

    assert feed.follows.follow(bob.id, alice.id) == "following"
    assert feed.follows.follow(alice.id, bob.id) == "following"
    message = feed.messages.send(bob.id, alice.id, "sorry")
    assert feed.users.get(alice.id, viewer_id=bob.id).id == alice.id
    assert [m.id for m in feed.messages.conversation(alice.id, bob.id).items] == [message.id]


def test_unblocking_without_a_block_changes_nothing_and_sends_nothing(
    feed: SocialFeed, events: EventRecorder, alice: User, bob: User, carol: User
) -> None:
    """Lifting a block that does not exist (or one the other user made) is a silent no-op."""
    feed.blocks.block(bob.id, alice.id)
    events.clear()

    with unchanged(feed, events):
        feed.blocks.unblock(alice.id, bob.id)

    assert feed.blocks.is_blocking(bob.id, alice.id)


def test_blocks_list_newest_first_with_cursors(
    feed: SocialFeed, events: EventRecorder, alice: User, bob: User, carol: User
) -> None:
    """blocks.list gives the blocked users, latest block first, page by page through the cursor."""
    dave = feed.accounts.create_profile("dave")
    for blocked in (bob, carol, dave):
        feed.blocks.block(alice.id, blocked.id)
    feed.blocks.block(bob.id, carol.id)
    events.clear()

    first = feed.blocks.list(alice.id, limit=2)
    second = feed.blocks.list(alice.id, limit=2, cursor=first.next_cursor)

    assert ids(first.items) == [dave.id, carol.id]
    assert first.next_cursor is not None
    assert ids(second.items) == [bob.id]
    assert second.next_cursor is None
    assert ids(feed.blocks.list(bob.id).items) == [carol.id]
    assert ids(feed.blocks.list(carol.id).items) == []
    assert events.events == []


def test_blocks_list_drops_a_lifted_block(
    feed: SocialFeed, alice: User, bob: User, carol: User
) -> None:
    """A block that was lifted leaves the list; blocking again puts it back on top."""
    feed.blocks.block(alice.id, bob.id)
    feed.blocks.block(alice.id, carol.id)
    feed.blocks.unblock(alice.id, bob.id)

    assert ids(feed.blocks.list(alice.id).items) == [carol.id]
    feed.blocks.block(alice.id, bob.id)
    assert ids(feed.blocks.list(alice.id).items) == [bob.id, carol.id]


def test_blocks_list_of_an_unknown_user_is_not_found(feed: SocialFeed) -> None:
    """Listing the blocks of a user who does not exist raises NotFoundError("user")."""
    with pytest.raises(NotFoundError) as info:
        feed.blocks.list(UserId(999_999))

    assert info.value.entity == "user"


def test_is_blocking_is_directional(feed: SocialFeed, alice: User, bob: User) -> None:
    """is_blocking is true only from the blocker to the blocked, and false for impossible ids."""
    assert not feed.blocks.is_blocking(alice.id, bob.id)

    feed.blocks.block(alice.id, bob.id)

    assert feed.blocks.is_blocking(alice.id, bob.id)
    assert not feed.blocks.is_blocking(bob.id, alice.id)
    assert not feed.blocks.is_blocking(UserId(0), bob.id)
    assert not feed.blocks.is_blocking(alice.id, UserId(-1))
    assert not feed.blocks.is_blocking(alice.id, UserId(2**63))


def test_a_block_hides_each_from_the_other_on_a_third_users_content(
    feed: SocialFeed, alice: User, bob: User, carol: User
) -> None:
    """Across a block, neither sees the other's comment, like or follow on a third user's post."""
    post = feed.posts.create(carol.id, content="party")
    comments = {u.id: feed.comments.add(u.id, post.id, "yay").id for u in (alice, bob, carol)}
    for user in (alice, bob):
        feed.likes.like(user.id, post.id)
        feed.follows.follow(user.id, carol.id)
    feed.blocks.block(alice.id, bob.id)

    for viewer, other in ((alice, bob), (bob, alice)):
        shown = feed.comments.for_post(post.id, viewer_id=viewer.id).items
        assert {c.id for c in shown} == {comments[viewer.id], comments[carol.id]}
        assert ids(feed.likes.likers(post.id, viewer_id=viewer.id).items) == [viewer.id]
        assert ids(feed.users.followers(carol.id, viewer_id=viewer.id).items) == [viewer.id]
        assert other.id not in ids(feed.search.users(other.username, viewer_id=viewer.id))
    # Everyone else still sees both.
    assert len(feed.comments.for_post(post.id, viewer_id=carol.id).items) == 3
    assert ids(feed.likes.likers(post.id).items) == [bob.id, alice.id]


def test_the_blocker_no_longer_sees_the_blocked_user_among_story_viewers(
    feed: SocialFeed, alice: User, bob: User, carol: User
) -> None:
    """A story's viewers list, like every other list of profiles, leaves out the blocked user."""
    story = feed.stories.create(alice.id, content="now")
    feed.stories.view(bob.id, story.id)
    feed.stories.view(carol.id, story.id)

    feed.blocks.block(alice.id, bob.id)

    assert [v.user.id for v in feed.stories.viewers(story.id, viewer_id=alice.id).items] == [
        carol.id
    ]


def test_block_removes_likes_and_comments_both_ways_with_exact_counters(
    notified: SocialFeed, events: EventRecorder, alice: User, bob: User, carol: User
) -> None:
    """Each one's likes and comments on the other's posts go, counted off and announced."""
    alices = notified.posts.create(alice.id, content="alice's")
    bobs = notified.posts.create(bob.id, content="bob's")
    carols = notified.posts.create(carol.id, content="carol's")
    notified.likes.like(bob.id, alices.id)
    by_bob = notified.comments.add(bob.id, alices.id, "nice")
    notified.likes.like(alice.id, bobs.id)
    first = notified.comments.add(alice.id, bobs.id, "one")
    second = notified.comments.add(alice.id, bobs.id, "two")
    notified.likes.like(carol.id, alices.id)
    kept = notified.comments.add(carol.id, alices.id, "stays")
    for user in (alice, bob):
        notified.likes.like(user.id, carols.id)
        notified.comments.add(user.id, carols.id, "on carol's")
    events.clear()

    notified.blocks.block(alice.id, bob.id)

    after = {p.id: notified.posts.get(p.id) for p in (alices, bobs, carols)}
    assert (after[alices.id].like_count, after[alices.id].comment_count) == (1, 1)
    assert (after[bobs.id].like_count, after[bobs.id].comment_count) == (0, 0)
    assert (after[carols.id].like_count, after[carols.id].comment_count) == (2, 2)
    assert [c.id for c in notified.comments.for_post(alices.id, viewer_id=alice.id).items] == [
        kept.id
    ]
    assert [u.id for u in notified.likes.likers(alices.id, viewer_id=alice.id).items] == [carol.id]
    assert notified.likes.liked_post_ids(bob.id, [alices.id, carols.id]) == {carols.id}
    assert notified.likes.liked_post_ids(alice.id, [bobs.id, carols.id]) == {carols.id}
    assert notified.maintenance.reconcile_counters() == 0
    assert actors(notified, alice) == [("comment", carol.id), ("like", carol.id)]
    assert isinstance(events.events[0], UserBlocked)
    unliked = {(e.user_id, e.post_id, e.post_author_id) for e in events.of_type(PostUnliked)}
    assert unliked == {(bob.id, alices.id, alice.id), (alice.id, bobs.id, bob.id)}
    deleted = {(e.comment_id, e.post_id, e.deleted_by) for e in events.of_type(CommentDeleted)}
    assert deleted == {
        (by_bob.id, alices.id, alice.id),
        (first.id, bobs.id, alice.id),
        (second.id, bobs.id, alice.id),
    }
    assert len(events.events) == 6


def test_unblock_brings_back_no_like_or_comment(
    feed: SocialFeed, events: EventRecorder, alice: User, bob: User
) -> None:
    """What a block removed stays removed after the unblock; the two can like and comment anew."""
    post = feed.posts.create(alice.id, content="hello")
    feed.likes.like(bob.id, post.id)
    feed.comments.add(bob.id, post.id, "hi")
    feed.blocks.block(alice.id, bob.id)

    feed.blocks.unblock(alice.id, bob.id)

    after = feed.posts.get(post.id)
    assert (after.like_count, after.comment_count) == (0, 0)
    assert feed.likes.like(bob.id, post.id).like_count == 1


def test_a_block_hides_the_conversation_from_both_and_its_unread_count(
    feed: SocialFeed, events: EventRecorder, alice: User, bob: User, carol: User
) -> None:
    """While a block stands, neither sees the conversation, its history or its unread messages."""
    feed.messages.send(bob.id, alice.id, "hi alice")
    feed.messages.send(alice.id, bob.id, "hi bob")
    feed.messages.send(carol.id, alice.id, "hi from carol")
    feed.messages.send(alice.id, bob.id, "still there?")
    feed.blocks.block(alice.id, bob.id)
    events.clear()

    assert feed.messages.conversation(alice.id, bob.id).items == ()
    assert [c.other_user_id for c in feed.messages.conversations(alice.id).items] == [carol.id]
    assert feed.messages.conversations(bob.id).items == ()
    assert feed.messages.unread_count(alice.id) == 1
    assert feed.messages.unread_count(bob.id) == 0
    with unchanged(feed, events):
        assert feed.messages.mark_read(alice.id, bob.id) == 0

    feed.blocks.unblock(alice.id, bob.id)

    assert len(feed.messages.conversation(bob.id, alice.id).items) == 3
    assert feed.messages.unread_count(bob.id) == 2
    assert [c.unread_count for c in feed.messages.conversations(bob.id).items] == [2]


def test_to_the_blocked_user_the_blocker_s_conversation_reads_as_not_found(
    feed: SocialFeed, events: EventRecorder, alice: User, bob: User
) -> None:
    """The blocked user reading or marking the blocker's conversation gets NotFoundError("user").

    The same answer as for a user who does not exist, so that neither call tells a block.
    """
    feed.messages.send(alice.id, bob.id, "hi bob")
    feed.blocks.block(alice.id, bob.id)
    events.clear()

    with unchanged(feed, events):
        for read in (
            lambda: feed.messages.conversation(bob.id, alice.id),
            lambda: feed.messages.mark_read(bob.id, alice.id),
            lambda: feed.messages.conversation(bob.id, UserId(999_999)),
            lambda: feed.messages.mark_read(bob.id, UserId(999_999)),
        ):
            with pytest.raises(NotFoundError) as raised:
                read()
            assert raised.value.entity == "user"
