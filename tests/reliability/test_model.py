"""Model-based testing: random sequences of actions against a reference model, on every backend.

A Hypothesis state machine registers users, posts, edits, comments, likes,
follows (private accounts and their requests too), blocks, mutes, posts
stories, sends messages, reads notifications, deletes accounts and moves the
clock. Each action is first judged by the model in ``model.py``: refused
actions must raise the typed error the model names and change nothing;
accepted ones are applied to the model too. After every step the invariants
compare the library with the model: every counter, every row count, the
home feed, notifications and unread counts of every user, and, for one viewer
per step in turn (anonymous included), every list and lookup the visibility
rule governs.

Each example also picks a feed strategy (pull, push or hybrid, which promise
the same home feed) and a clock that either ticks on every call or stands
still between the machine's clock moves, so that many rows tie in time.

``SOCIALFEED_TEST_NIGHTLY=1`` runs ten times the examples and ten times the
steps; with ``-s`` the test prints how many ran and what each action gave.
"""

from __future__ import annotations

import gc
import weakref
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from attrs import Factory, define
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from socialfeed import (
    AlreadyFollowingError,
    BlockedError,
    ConflictError,
    HashtagHandler,
    ManualClock,
    NotFollowingError,
    NotFoundError,
    NotificationHandler,
    PermissionDeniedError,
    SelfActionError,
    Settings,
    SocialFeed,
    SocialFeedError,
    ValidationError,
)
from socialfeed.events import (
    AllNotificationsRead,
    CommentAdded,
    CommentDeleted,
    Event,
    FollowRequestApproved,
    FollowRequested,
    FollowRequestRejected,
    FollowRequestWithdrawn,
    MessageSent,
    MessagesRead,
    NotificationRead,
    PostCreated,
    PostDeleted,
    PostEdited,
    PostLiked,
    PostUnliked,
    ProfileUpdated,
    StoryCreated,
    StoryDeleted,
    StoryViewed,
    UserBlocked,
    UserDeleted,
    UserFollowed,
    UserMuted,
    UserRegistered,
    UserUnblocked,
    UserUnfollowed,
    UserUnmuted,
    VisibilityChanged,
)
from socialfeed.ids import CommentId, PostId, StoryId, UserId
from socialfeed.models import Page
from socialfeed.models import Post as PostModel
from socialfeed.pagination import MAX_LIMIT
from socialfeed.settings import FeedStrategy
from socialfeed.signals import ALL_SIGNALS
from socialfeed.storage import MemoryStorage, SQLStorage, Storage
from socialfeed.storage.sql.schema import metadata
from tests.conftest import BACKENDS, HASHER, make_storage
from tests.reliability.model import (
    START,
    STORY_LIFETIME,
    Account,
    Comment,
    Message,
    Model,
    Post,
    Story,
    Text,
    writable,
)
from tests.support import NIGHTLY, SCALE, EventRecorder, dump, unchanged

# Examples per backend and steps per example. SQL backends run every query
# for real, so they get fewer examples in the same time.
EXAMPLES = {"memory": 200, "sqlite": 40, "postgresql": 30}
# Nightly runs take ten times the examples but only twice the steps: the
# work grows with their product, and Hypothesis's bookkeeping with the steps.
STEPS = 100 if NIGHTLY else 50
RECONCILE_EVERY = 5
PAGE = 2  # the page size for walking lists by cursor
TRENDING_WINDOW = timedelta(hours=6)

NAMES = ("ann", "ben", "cat", "dan", "eve")
TEXTS = (
    Text("hello #sun", tags=("sun",)),
    Text("#sun and #rain again", tags=("sun", "rain")),
    Text("look, @ben", mention="ben"),
    Text("@Ann see #rain", tags=("rain",), mention="ann"),
    Text("just words"),
    Text("   "),  # blank: refused as a post body, a comment and a message
    Text("  padded #sun\n", tags=("sun",)),  # stored trimmed
    Text("m" * 1001),  # too long for a message only
    Text("\ufdfa" * 56),  # 1,008 characters once NFKC spells it out: too long for a message only
    Text("two\tcolumns\nand lines"),  # tabs and line breaks are welcome in what users write
    Text("bell \x07 rings"),  # other control characters are refused everywhere
    Text("\u202eevil"),  # so are bidi overrides, which make text read otherwise
    Text("nul \x00 byte"),  # PostgreSQL cannot store it: refused everywhere
    Text("lone \ud800 surrogate"),  # no database can encode it: refused everywhere
)
POST_LENGTH = 2200
MESSAGE_LENGTH = 1000
NAME_LENGTH = QUERY_LENGTH = 100
FULL_NAMES = (None, "Anne Marie", "Bo Nash", "Zed", "Bo\tNash", "\ufdfa" * 6)
ANSWERS = ("approve", "approve", "reject", "withdraw")
PROFILE = ("full_name", "full_name", "username")  # a username cannot be changed there
TAGS = ("sun", "rain")
QUERIES = ("a", "e", "n", "z", "_", "a\u200b")  # an invisible character: refused
# A mix of steps whose sums land exactly on the one-day quiet period and story lifetime.
CLOCK_STEPS = (timedelta(minutes=30), timedelta(hours=6), timedelta(hours=23), timedelta(hours=25))
MUTE_SPANS = (None, timedelta(hours=1), timedelta(hours=24))

T = TypeVar("T")
E = TypeVar("E", bound=SocialFeedError)
pick = st.integers(min_value=0, max_value=63)
# (strategy, hybrid threshold): a threshold of 1 or 2 followers makes hybrid
# authors cross it, both ways, within a few steps.
FEED_STRATEGIES: tuple[tuple[FeedStrategy, int], ...] = (
    ("pull", 1),
    ("push", 1),
    ("hybrid", 1),
    ("hybrid", 2),
)


@define
class Statistics:
    """How many examples and steps ran, per backend, printed with ``-s``."""

    examples: int = 0
    steps: int = 0
    outcomes: Counter[str] = Factory(Counter)


STATS = Statistics()


def choose(live: list[int], ever: list[int], index: int) -> int:
    """Pick an id, mostly among those that exist, sometimes among deleted ones too."""
    if index % 4 != 3 and live:
        return live[(index // 4) % len(live)]
    return ever[index % len(ever)]


class SocialFeedMachine(RuleBasedStateMachine):
    """Drives one facade and one model with the same actions and compares them."""

    def __init__(self, storage: Storage, release: Callable[[], None]) -> None:
        super().__init__()
        self.release = release
        self.model = Model()
        # Until an example asks for a ticking clock, time moves only when a rule moves it,
        # so that many rows share one time and lists must break the ties by id.
        self.clock = ManualClock(START, tick=timedelta(0))
        self.storage = storage
        self.connect(Settings(raise_receiver_errors=True))
        self.ever: dict[str, list[int]] = {"users": [], "posts": [], "comments": [], "stories": []}
        self.steps = 0
        STATS.examples += 1

    def connect(self, feed_settings: Settings) -> None:
        """Build the facade with these settings, its handlers and an event recorder."""
        self.feed = SocialFeed(
            self.storage, settings=feed_settings, clock=self.clock, password_hasher=HASHER
        )
        self.handlers = (NotificationHandler(), HashtagHandler())
        for handler in self.handlers:
            handler.connect(self.feed)
        self.recorder = EventRecorder(self.feed)
        self.recorder.connect()

    def disconnect(self) -> None:
        """Detach the handlers and the recorder from the facade."""
        self.recorder.disconnect()
        for signal in ALL_SIGNALS:
            # Disconnecting from one sender leaves a strongly held receiver in
            # blinker's registry; the recorder holds the facade and its storage.
            signal.disconnect(self.recorder)
        for handler in self.handlers:
            handler.disconnect(self.feed)

    def teardown(self) -> None:
        self.disconnect()
        self.release()

    # Picking ids.

    def user(self, index: int) -> UserId:
        return UserId(choose(sorted(self.model.users), self.ever["users"], index))

    def post(self, index: int) -> PostId:
        return PostId(choose(sorted(self.model.posts), self.ever["posts"], index))

    def comment(self, index: int) -> CommentId:
        return CommentId(choose(sorted(self.model.comments), self.ever["comments"], index))

    def story(self, index: int) -> StoryId:
        return StoryId(choose(sorted(self.model.stories), self.ever["stories"], index))

    def pair(self, first: int, second: int) -> tuple[UserId, UserId]:
        """Pick two users: mostly two different live ones, now and then the same one twice."""
        a = self.user(first)
        others = [u for u in sorted(self.model.users) if u != a]
        if second % 8 == 0 or not others:
            return a, a
        if second % 8 == 7:
            return a, UserId(self.ever["users"][second % len(self.ever["users"])])
        return a, UserId(others[second % len(others)])

    def existing(self, pairs: Iterable[tuple[int, int]], index: int) -> tuple[int, int] | None:
        """Mostly pick one of ``pairs`` (follows, requests), so that undoing one is likely."""
        ordered = sorted(pairs)
        return ordered[index % len(ordered)] if ordered and index % 4 != 3 else None

    # Running actions.

    def refused(self, error: type[E], action: Callable[[], object]) -> E:
        """Check that the action raises exactly ``error`` and changes nothing; return the error."""
        with unchanged(self.feed, self.recorder), pytest.raises(SocialFeedError) as caught:
            action()
        raised = caught.value
        assert type(raised) is error, f"expected {error.__name__}, got {raised!r}"
        if isinstance(raised, SelfActionError):
            # A sentence for the person who did it: no parameter name in it.
            assert raised.field not in raised.message
        STATS.outcomes[f"refused: {error.__name__}"] += 1
        return raised

    def accepted(self, event_type: type[Event] | None, action: Callable[[], Any]) -> Any:
        """Run the action; it must send one ``event_type`` event, or none when ``None``."""
        sent = len(self.recorder.events)
        result = action()
        kinds = [type(event) for event in self.recorder.events[sent:]]
        if event_type is None:
            assert kinds == [], f"a no-op sent {kinds}"
        else:
            assert kinds.count(event_type) == 1, f"expected one {event_type.__name__}, got {kinds}"
        STATS.outcomes[event_type.__name__ if event_type else "no-op"] += 1
        return result

    def not_yours(self, post_id: PostId, user_id: UserId) -> type[SocialFeedError]:
        """The error for changing what is not yours: not found for who may not see the post."""
        visible = self.model.post_visible(post_id, user_id)
        return PermissionDeniedError if visible else NotFoundError

    # Rules.

    @initialize(
        strategy=st.sampled_from(FEED_STRATEGIES),
        ticking=st.booleans(),
        private=st.lists(st.booleans(), min_size=2, max_size=4),
    )
    def create_users(
        self, strategy: tuple[FeedStrategy, int], ticking: bool, private: list[bool]
    ) -> None:
        """Pick the feed strategy and the clock, then start with a few users, some private."""
        # Every strategy promises the same home feed, so one model checks them all.
        kind, threshold = strategy
        self.disconnect()
        if ticking:
            # Every call of now() moves on a microsecond: no two actions share a time.
            self.clock = ManualClock(START)
            self.model.ticking = True
        self.connect(
            Settings(raise_receiver_errors=True, feed_strategy=kind, hybrid_threshold=threshold)
        )
        STATS.outcomes[f"strategy {kind}/{threshold}"] += 1
        STATS.outcomes["clock ticking" if ticking else "clock still"] += 1
        for name, is_private in zip(NAMES, private, strict=False):
            user = self.feed.accounts.create_profile(name)
            self.model.users[user.id] = Account(user.id, name, None)
            self.ever["users"].append(user.id)
            if is_private:
                self.feed.users.set_private(user.id, True)
                self.model.users[user.id].private = True

    @rule(name=st.sampled_from(NAMES), loud=st.booleans(), password=st.booleans())
    def register(self, name: str, loud: bool, password: bool) -> None:
        spelled = name.upper() if loud else name
        email = f"{name}@example.com" if password else None
        taken = {u.key for u in self.model.users.values()}
        emails = {u.email for u in self.model.users.values()}

        def act() -> Any:
            if email is None:
                return self.feed.accounts.create_profile(spelled)
            return self.feed.accounts.register(spelled, email, "correct horse battery")

        email_taken = email is not None and email in emails
        if email_taken or name in taken:
            conflict = self.refused(ConflictError, act)
            assert conflict.field == ("email" if email_taken else "username")
            return
        user = self.accepted(UserRegistered, act)
        assert user.username == spelled
        self.model.users[user.id] = Account(user.id, spelled, email)
        self.ever["users"].append(user.id)

    @precondition(lambda self: self.ever["users"])
    @rule(author=pick, text=st.sampled_from(TEXTS))
    def create_post(self, author: int, text: Text) -> None:
        author_id = self.user(author)

        def act() -> Any:
            return self.feed.posts.create(author_id, content=text.body)

        if not text.fits(POST_LENGTH):
            self.refused(ValidationError, act)
        elif author_id not in self.model.users:
            self.refused(NotFoundError, act)
        else:
            post = self.accepted(PostCreated, act)
            assert (post.author_id, post.content, post.like_count) == (author_id, text.stored, 0)
            self.model.add_post(Post(post.id, author_id, text, self.model.now))
            self.ever["posts"].append(post.id)

    @precondition(lambda self: self.ever["posts"])
    @rule(editor=pick, post=pick, text=st.sampled_from(TEXTS))
    def edit_post(self, editor: int, post: int, text: Text) -> None:
        editor_id, post_id = self.user(editor), self.post(post)

        def act() -> Any:
            return self.feed.posts.edit(editor_id, post_id, text.body)

        if post_id not in self.model.posts:
            self.refused(NotFoundError, act)
        elif self.model.posts[post_id].author != editor_id:
            self.refused(self.not_yours(post_id, editor_id), act)
        elif not text.fits(POST_LENGTH):
            self.refused(ValidationError, act)
        else:
            edited = self.accepted(PostEdited, act)
            assert edited.content == text.stored
            self.model.edit_post(post_id, text)

    @precondition(lambda self: self.ever["posts"])
    @rule(user=pick, post=pick)
    def delete_post(self, user: int, post: int) -> None:
        user_id, post_id = self.user(user), self.post(post)

        def act() -> Any:
            return self.feed.posts.delete(user_id, post_id)

        if post_id not in self.model.posts:
            self.refused(NotFoundError, act)
        elif self.model.posts[post_id].author != user_id:
            self.refused(self.not_yours(post_id, user_id), act)
        else:
            self.accepted(PostDeleted, act)
            self.model.delete_post(post_id)

    # Hypothesis tries the rules with the fewest arguments first and draws the
    # first of them most often: commenting and liking, which feed the
    # notifications and counters, take their choices as one tuple to lead.
    @precondition(lambda self: self.ever["posts"])
    @rule(choice=st.tuples(pick, pick, st.sampled_from(TEXTS)))
    def comment_on_post(self, choice: tuple[int, int, Text]) -> None:
        author, post, text = choice
        author_id, post_id = self.user(author), self.post(post)

        def act() -> Any:
            return self.feed.comments.add(author_id, post_id, text.body)

        if not text.fits(POST_LENGTH):
            self.refused(ValidationError, act)
        elif author_id not in self.model.users or not self.model.post_visible(post_id, author_id):
            self.refused(NotFoundError, act)
        else:
            comment = self.accepted(CommentAdded, act)
            self.model.add_comment(Comment(comment.id, post_id, author_id, self.model.now), text)
            self.ever["comments"].append(comment.id)

    @precondition(lambda self: self.ever["comments"])
    @rule(user=pick, comment=pick)
    def delete_comment(self, user: int, comment: int) -> None:
        user_id, comment_id = self.user(user), self.comment(comment)

        def act() -> Any:
            return self.feed.comments.delete(user_id, comment_id)

        found = self.model.comments.get(comment_id)
        if found is None:
            self.refused(NotFoundError, act)
        elif user_id not in (found.author, self.model.posts[found.post].author):
            self.refused(self.not_yours(PostId(found.post), user_id), act)
        else:
            self.accepted(CommentDeleted, act)
            self.model.delete_comment(comment_id)

    @precondition(lambda self: self.ever["posts"])
    @rule(choice=st.tuples(pick, pick, st.booleans()))
    def like_or_unlike(self, choice: tuple[int, int, bool]) -> None:
        user, post, like = choice
        user_id, post_id = self.user(user), self.post(post)
        change = self.feed.likes.like if like else self.feed.likes.unlike

        def act() -> Any:
            return change(user_id, post_id)

        if user_id not in self.model.users or not self.model.post_visible(post_id, user_id):
            self.refused(NotFoundError, act)
            return
        liked = (user_id, post_id) in self.model.likes
        if liked == like:
            state = self.accepted(None, act)
        elif like:
            state = self.accepted(PostLiked, act)
            self.model.like(user_id, post_id)
        else:
            state = self.accepted(PostUnliked, act)
            del self.model.likes[(user_id, post_id)]
        count = sum(1 for _, p in self.model.likes if p == post_id)
        assert (state.liked, state.like_count) == (like, count)

    @precondition(lambda self: self.ever["users"])
    @rule(follower=pick, followee=pick)
    def follow(self, follower: int, followee: int) -> None:
        a, b = self.pair(follower, followee)
        model = self.model

        def act() -> Any:
            return self.feed.follows.follow(a, b)

        if a == b:
            self.refused(SelfActionError, act)
        elif a not in model.users or model.hides_profile(b, a):
            self.refused(NotFoundError, act)
        elif (a, b) in model.blocks:
            self.refused(BlockedError, act)
        elif (a, b) in model.follows:
            self.refused(AlreadyFollowingError, act)
        elif model.users[b].private and (a, b) in model.requests:
            self.refused(ConflictError, act)
        elif model.users[b].private:
            assert self.accepted(FollowRequested, act) == "requested"
            model.requests[(a, b)] = model.stamp()
        else:
            assert self.accepted(UserFollowed, act) == "following"
            model.follow(a, b)

    @precondition(lambda self: self.ever["users"])
    @rule(follower=pick, followee=pick)
    def unfollow(self, follower: int, followee: int) -> None:
        a, b = self.existing(self.model.follows, follower) or self.pair(follower, followee)

        def act() -> Any:
            return self.feed.follows.unfollow(UserId(a), UserId(b))

        if a == b:
            self.refused(SelfActionError, act)
        elif a not in self.model.users or b not in self.model.users:
            self.refused(NotFoundError, act)
        elif (a, b) not in self.model.follows:
            self.refused(NotFollowingError, act)
        else:
            self.accepted(UserUnfollowed, act)
            del self.model.follows[(a, b)]

    @precondition(lambda self: self.ever["users"])
    @rule(owner=pick, requester=pick, answer=st.sampled_from(ANSWERS))
    def answer_request(self, owner: int, requester: int, answer: str) -> None:
        r, o = self.existing(self.model.requests, owner) or self.pair(requester, owner)
        requests = self.feed.follow_requests

        def act() -> Any:
            if answer == "withdraw":
                return requests.withdraw(UserId(r), UserId(o))
            return (
                requests.approve(UserId(o), UserId(r))
                if answer == "approve"
                else requests.reject(UserId(o), UserId(r))
            )

        if (r, o) not in self.model.requests:
            self.refused(NotFoundError, act)
        elif answer == "approve":
            self.accepted(FollowRequestApproved, act)
            self.model.approve(r, o)
        else:
            event = FollowRequestWithdrawn if answer == "withdraw" else FollowRequestRejected
            self.accepted(event, act)
            del self.model.requests[(r, o)]

    @precondition(lambda self: self.ever["users"])
    @rule(user=pick, full_name=st.sampled_from(FULL_NAMES), field=st.sampled_from(PROFILE))
    def update_profile(self, user: int, full_name: str | None, field: str) -> None:
        user_id = self.user(user)

        def act() -> Any:
            return self.feed.users.update_profile(user_id, {field: full_name})

        if field != "full_name" or not writable(full_name or "", NAME_LENGTH, multiline=False):
            self.refused(ValidationError, act)
        elif user_id not in self.model.users:
            self.refused(NotFoundError, act)
        else:
            assert self.accepted(ProfileUpdated, act).full_name == full_name
            self.model.users[user_id].full_name = full_name

    @precondition(lambda self: self.ever["users"])
    @rule(user=pick, private=st.booleans())
    def set_private(self, user: int, private: bool) -> None:
        user_id = self.user(user)

        def act() -> Any:
            return self.feed.users.set_private(user_id, private)

        if user_id not in self.model.users:
            self.refused(NotFoundError, act)
        elif self.model.users[user_id].private == private:
            self.accepted(None, act)
        else:
            self.accepted(VisibilityChanged, act)
            if private:
                self.model.users[user_id].private = True
            else:
                self.model.go_public(user_id)

    @precondition(lambda self: self.ever["users"])
    @rule(blocker=pick, blocked=pick, lift=st.booleans())
    def block_or_unblock(self, blocker: int, blocked: int, lift: bool) -> None:
        # Blocks mostly fall between two who liked or commented on each other's posts,
        # so that the block has likes and comments to remove.
        crossed = set() if lift else self.model.interactions()
        a, b = self.existing(crossed, blocker) or self.pair(blocker, blocked)
        change = self.feed.blocks.unblock if lift else self.feed.blocks.block

        def act() -> Any:
            return change(UserId(a), UserId(b))

        if lift:
            if a not in self.model.users:
                self.refused(NotFoundError, act)
            elif (a, b) in self.model.blocks:
                self.accepted(UserUnblocked, act)
                self.model.blocks.remove((a, b))
            else:
                self.accepted(None, act)
        elif a == b:
            self.refused(SelfActionError, act)
        elif a not in self.model.users or b not in self.model.users:
            self.refused(NotFoundError, act)
        elif (a, b) in self.model.blocks:
            self.accepted(None, act)
        else:
            sent = len(self.recorder.events)
            self.accepted(UserBlocked, act)
            likes, comments = self.model.block(a, b)
            # Then one event per like and comment between the two that went, by the blocker.
            events = self.recorder.events[sent:]
            assert isinstance(events[0], UserBlocked)
            assert sorted(
                (e.user_id, e.post_id) for e in events if isinstance(e, PostUnliked)
            ) == sorted(likes)
            assert sorted(
                (e.comment_id, e.deleted_by) for e in events if isinstance(e, CommentDeleted)
            ) == sorted((comment, a) for comment in comments)
            assert len(events) == 1 + len(likes) + len(comments)
            if likes or comments:
                STATS.outcomes["block removing likes or comments"] += 1

    @precondition(lambda self: self.ever["users"])
    @rule(muter=pick, muted=pick, span=st.sampled_from(MUTE_SPANS), lift=st.booleans())
    def mute_or_unmute(self, muter: int, muted: int, span: timedelta | None, lift: bool) -> None:
        a, b = self.pair(muter, muted)
        until = None if span is None else self.model.now + span

        def act() -> Any:
            if lift:
                return self.feed.mutes.unmute(a, b)
            return self.feed.mutes.mute(a, b, until=until)

        if lift:
            if a not in self.model.users:
                self.refused(NotFoundError, act)
            elif (a, b) in self.model.mutes:
                self.accepted(UserUnmuted, act)
                del self.model.mutes[(a, b)]
            else:
                self.accepted(None, act)
        elif a == b:
            self.refused(SelfActionError, act)
        elif a not in self.model.users or b not in self.model.users:
            self.refused(NotFoundError, act)
        else:
            self.accepted(UserMuted, act)
            self.model.mutes[(a, b)] = until

    @precondition(lambda self: self.ever["users"])
    @rule(author=pick, text=st.sampled_from(TEXTS))
    def create_story(self, author: int, text: Text) -> None:
        author_id = self.user(author)

        def act() -> Any:
            return self.feed.stories.create(author_id, content=text.body)

        if not text.fits(POST_LENGTH):
            self.refused(ValidationError, act)
            return
        if author_id not in self.model.users:
            self.refused(NotFoundError, act)
            return
        story = self.accepted(StoryCreated, act)
        now = self.model.now
        # A ticking clock has moved on by a few microseconds since the model's time.
        assert timedelta(0) <= story.expires_at - (now + STORY_LIFETIME) < timedelta(seconds=1)
        self.model.stories[story.id] = Story(story.id, author_id, now, now + STORY_LIFETIME)
        self.ever["stories"].append(story.id)

    @precondition(lambda self: self.ever["stories"])
    @rule(viewer=pick, story=pick)
    def view_story(self, viewer: int, story: int) -> None:
        viewer_id, story_id = self.user(viewer), self.story(story)

        def act() -> Any:
            return self.feed.stories.view(viewer_id, story_id)

        if viewer_id not in self.model.users or not self.model.story_visible(story_id, viewer_id):
            self.refused(NotFoundError, act)
        elif (
            self.model.stories[story_id].author == viewer_id
            or (story_id, viewer_id) in self.model.story_views
        ):
            self.accepted(None, act)
        else:
            self.accepted(StoryViewed, act)
            self.model.story_views.add((story_id, viewer_id))

    @precondition(lambda self: self.ever["stories"])
    @rule(user=pick, story=pick)
    def delete_story(self, user: int, story: int) -> None:
        user_id, story_id = self.user(user), self.story(story)

        def act() -> Any:
            return self.feed.stories.delete(user_id, story_id)

        if not self.model.story_visible(story_id, user_id):
            self.refused(NotFoundError, act)
        elif self.model.stories[story_id].author != user_id:
            self.refused(PermissionDeniedError, act)
        else:
            self.accepted(StoryDeleted, act)
            del self.model.stories[story_id]
            self.model.story_views = {v for v in self.model.story_views if v[0] != story_id}

    @precondition(lambda self: self.ever["users"])
    @rule(sender=pick, receiver=pick, text=st.sampled_from(TEXTS))
    def send_message(self, sender: int, receiver: int, text: Text) -> None:
        a, b = self.pair(sender, receiver)
        model = self.model

        def act() -> Any:
            return self.feed.messages.send(a, b, text.body)

        if a == b:
            self.refused(SelfActionError, act)
        elif not text.fits(MESSAGE_LENGTH):
            self.refused(ValidationError, act)
        elif a not in model.users or model.hides_profile(b, a):
            self.refused(NotFoundError, act)
        elif (a, b) in model.blocks:
            self.refused(BlockedError, act)
        else:
            message = self.accepted(MessageSent, act)
            model.messages[message.id] = Message(message.id, a, b)

    @precondition(lambda self: self.ever["users"])
    @rule(reader=pick, sender=pick)
    def read_messages(self, reader: int, sender: int) -> None:
        inbox = {(m.receiver, m.sender) for m in self.model.messages.values()}
        r, s = self.existing(inbox, reader) or self.pair(reader, sender)

        def act() -> Any:
            return self.feed.messages.mark_read(UserId(r), UserId(s))

        if r == s:
            assert self.refused(SelfActionError, act).field == "sender_id"
            return
        if r not in self.model.users or self.model.hides_profile(s, r):
            self.refused(NotFoundError, act)  # a blocker reads as a user who does not exist
            return
        # Across the reader's own block the conversation is hidden: reading it marks nothing.
        unread = self.model.unread_from(r, s)
        count = self.accepted(MessagesRead if unread else None, act)
        assert count == len(unread)
        for message in unread:
            message.read = True

    @precondition(lambda self: self.model.notifications)
    @rule(index=pick, as_other=st.booleans())
    def read_notification(self, index: int, as_other: bool) -> None:
        notification = self.model.notifications[index % len(self.model.notifications)]
        recipient = notification.recipient
        mine = self.model.notifications_of(recipient)
        if notification not in mine:
            # Hidden from its recipient now: a block, a mute, a post they may not see, a cause gone.
            return
        listed = self.feed.notifications.list(UserId(recipient), limit=MAX_LIMIT).items
        position = mine.index(notification)
        target = listed[position]
        reader = self.user(index) if as_other else recipient

        def act() -> Any:
            return self.feed.notifications.mark_read(UserId(reader), target.id)

        if reader != recipient:
            self.refused(NotFoundError, act)
        elif notification.read:
            self.accepted(None, act)
        else:
            self.accepted(NotificationRead, act)
            notification.read = True

    @precondition(lambda self: self.ever["users"])
    @rule(user=pick)
    def read_all_notifications(self, user: int) -> None:
        user_id = self.user(user)

        def act() -> Any:
            return self.feed.notifications.mark_all_read(user_id)

        if user_id not in self.model.users:
            self.refused(NotFoundError, act)
            return
        # Only those the user may see: hidden ones show again, unread, once what hides them ends.
        unread = [n for n in self.model.notifications_of(user_id) if not n.read]
        assert self.accepted(AllNotificationsRead if unread else None, act) == len(unread)
        for notification in unread:
            notification.read = True

    @rule(step=st.sampled_from(CLOCK_STEPS))
    def move_clock(self, step: timedelta) -> None:
        self.clock.advance(step)
        self.model.now += step

    # Keep a few users alive, or the rest of the example only meets NotFoundError.
    @precondition(lambda self: len(self.model.users) > 2)
    @rule(user=pick)
    def delete_account(self, user: int) -> None:
        user_id = self.user(user)

        def act() -> Any:
            return self.feed.accounts.delete(user_id)

        if user_id not in self.model.users:
            self.refused(NotFoundError, act)
            return
        self.accepted(UserDeleted, act)
        self.model.delete_user(user_id)

    # Invariants.

    @invariant()
    def count_steps(self) -> None:
        """Count the steps for the report printed with ``-s``; it runs once before the first."""
        self.steps += 1
        STATS.steps += 1

    @invariant()
    def rows_and_counters_match(self) -> None:
        """Every table holds the rows the model holds, and every counter counts them."""
        expected = self.model.row_counts()
        assert row_counts(self.feed.storage, expected) == expected
        # Counters are compared one by one below every step; the whole-storage
        # recount reads every row, so it runs every few steps.
        if self.steps % RECONCILE_EVERY == 0:
            assert self.feed.maintenance.reconcile_counters() == 0
        for user_id, account in self.model.users.items():
            user = self.feed.users.get(UserId(user_id))
            assert (user.username, user.is_private, user.full_name) == (
                account.username,
                account.private,
                account.full_name,
            )
            assert (user.post_count, user.follower_count, user.following_count) == (
                len(self.model.by_author(user_id)),
                len(self.model.followers(user_id, None)),
                len(self.model.following(user_id, None)),
            )

    @invariant()
    def relations_are_sound(self) -> None:
        """No self-follow, no follow across a block; blocks, requests and mutes as modelled."""
        model = self.model
        blocks = {
            (user_id, blocked.id)
            for user_id in model.users
            for blocked in self.feed.blocks.list(UserId(user_id), limit=MAX_LIMIT).items
        }
        assert blocks == model.blocks
        for user_id in model.users:
            following = self.feed.users.following(
                UserId(user_id), viewer_id=UserId(user_id), limit=MAX_LIMIT
            )
            ids = [user.id for user in following.items]
            assert user_id not in ids, "a user follows themselves"
            assert not any(model.blocked_between(user_id, other) for other in ids)
            assert ids == model.following(user_id, user_id)
            requests = self.feed.follow_requests.incoming(UserId(user_id), limit=MAX_LIMIT).items
            assert {u.id for u in requests} == {r for (r, o) in model.requests if o == user_id}
            asked = self.feed.follow_requests.outgoing(UserId(user_id), limit=MAX_LIMIT).items
            assert {u.id for u in asked} == {o for (r, o) in model.requests if r == user_id}
            mutes = self.feed.mutes.list(UserId(user_id), limit=MAX_LIMIT).items
            assert {(m.user.id, m.until) for m in mutes} == {
                (b, until)
                for (a, b), until in model.mutes.items()
                if a == user_id and model.muting(a, b)
            }

    @invariant()
    def feeds_match(self) -> None:
        """Each user's home feed and story feed are the model's, in order, counters included."""
        model = self.model
        for user_id in model.users:
            home = self.feed.feed.home(UserId(user_id), limit=MAX_LIMIT).items
            assert [(item.post.id, item.liked_by_viewer) for item in home] == model.home_feed(
                user_id
            )
            for item in home:
                post = item.post
                assert post.author_username == model.users[post.author_id].username
                assert (post.like_count, post.comment_count) == (
                    sum(1 for _, p in model.likes if p == post.id),
                    sum(1 for c in model.comments.values() if c.post == post.id),
                )
                assert post.content == model.posts[post.id].text.stored
            groups = self.feed.stories.feed(UserId(user_id))
            assert [
                (g.author_id, [(i.story.id, i.seen) for i in g.items]) for g in groups
            ] == model.story_feed(user_id)

    @invariant()
    def inboxes_match(self) -> None:
        """Each user's notifications, conversations and unread counts are the model's."""
        model = self.model
        for user_id in model.users:
            listed = self.feed.notifications.list(UserId(user_id), limit=MAX_LIMIT).items
            expected = model.notifications_of(user_id)
            assert [(n.actor_id, n.kind, n.post_id, n.comment_id, n.is_read) for n in listed] == [
                n.key() for n in expected
            ]
            unread = self.feed.notifications.unread_count(UserId(user_id))
            assert unread == sum(1 for n in listed if not n.is_read)
            assert self.feed.messages.unread_count(UserId(user_id)) == model.unread_messages(
                user_id
            )
            conversations = self.feed.messages.conversations(UserId(user_id), limit=MAX_LIMIT).items
            assert {c.other_user_id: c.unread_count for c in conversations} == (
                model.conversations(user_id)
            )
            for c in conversations:
                assert c.last_message.id == model.last_message(user_id, c.other_user_id)
            # Every conversation ever had, those hidden by a block included.
            others = {m.sender for m in model.messages.values() if m.receiver == user_id} | {
                m.receiver for m in model.messages.values() if m.sender == user_id
            }
            for other in sorted(others):
                if model.hides_profile(other, user_id):
                    with pytest.raises(NotFoundError):
                        self.feed.messages.conversation(UserId(user_id), UserId(other))
                    continue
                between = self.feed.messages.conversation(
                    UserId(user_id), UserId(other), limit=MAX_LIMIT
                ).items
                assert [m.id for m in between] == model.conversation(user_id, other)

    @invariant()
    def viewer_sees_what_the_rules_allow(self) -> None:
        """For one viewer per step in turn, every list and lookup of every owner and post."""
        model = self.model
        viewers: list[UserId | None] = [*map(UserId, sorted(model.users)), None]
        viewer = viewers[self.steps % len(viewers)]
        for owner in sorted(model.users):
            self.check_owner(owner, viewer)
        for post_id in sorted(model.posts):
            self.check_post(PostId(post_id), viewer)
        for tag in TAGS:
            tagged = self.feed.hashtags.posts(tag, viewer_id=viewer, limit=MAX_LIMIT)
            assert [p.id for p in tagged.items] == model.tagged(tag, viewer)
            hashtag = self.feed.hashtags.get(tag)
            assert (hashtag.post_count if hashtag else 0) == model.tag_count(tag)
        trending = self.feed.hashtags.trending(within=TRENDING_WINDOW)
        assert [(t.hashtag.name, t.recent_posts) for t in trending] == model.trending(
            TRENDING_WINDOW
        )
        query = QUERIES[self.steps % len(QUERIES)]
        if writable(query, QUERY_LENGTH, multiline=False):
            found = self.feed.search.users(query, viewer_id=viewer, limit=MAX_LIMIT)
            assert [u.id for u in found] == model.search(query, viewer)
        else:
            with pytest.raises(ValidationError):
                self.feed.search.users(query, viewer_id=viewer)
        if viewer is not None:
            self.check_pages(viewer)

    def check_pages(self, viewer: int) -> None:
        """Small pages walked by cursor add up to the whole list, though many rows tie in time."""
        model = self.model
        home = walk(lambda cursor: self.feed.feed.home(UserId(viewer), limit=PAGE, cursor=cursor))
        assert [(i.post.id, i.liked_by_viewer) for i in home] == model.home_feed(viewer)
        # A cursor pages only the list it was made for: not another list, nor another user's.
        cursor = self.feed.feed.home(UserId(viewer), limit=1).next_cursor
        if cursor is not None:
            other = UserId(min(set(model.users) - {viewer}))
            for misused in (
                lambda: self.feed.notifications.list(UserId(viewer), cursor=cursor),
                lambda: self.feed.feed.home(other, cursor=cursor),
            ):
                with pytest.raises(ValidationError) as refused:
                    misused()
                assert refused.value.field == "cursor"
        inbox = walk(
            lambda cursor: self.feed.notifications.list(UserId(viewer), limit=PAGE, cursor=cursor)
        )
        assert [(n.actor_id, n.kind, n.post_id, n.comment_id, n.is_read) for n in inbox] == [
            n.key() for n in model.notifications_of(viewer)
        ]
        for tag in TAGS:

            def tagged_page(cursor: str | None, tag: str = tag) -> Page[PostModel]:
                return self.feed.hashtags.posts(
                    tag, viewer_id=UserId(viewer), limit=PAGE, cursor=cursor
                )

            assert [p.id for p in walk(tagged_page)] == model.tagged(tag, viewer)
        groups = self.feed.notifications.grouped(UserId(viewer), limit=MAX_LIMIT).items
        assert [
            (g.kind, g.post_id, g.actors, g.total, g.unread) for g in groups
        ] == model.notification_groups(viewer)
        for story_id in model.active_stories(viewer):
            seen_by = self.feed.stories.viewers(
                StoryId(story_id), viewer_id=UserId(viewer), limit=MAX_LIMIT
            ).items
            assert {v.user.id for v in seen_by} == {
                v for (s, v) in model.story_views if s == story_id and model.unblocked(viewer, v)
            }

    def check_owner(self, owner: int, viewer: UserId | None) -> None:
        model = self.model
        users = self.feed.users
        lists: list[tuple[Callable[[], list[int]], list[int]]] = [
            (
                lambda: [
                    p.id
                    for p in self.feed.posts.by_author(
                        UserId(owner), viewer_id=viewer, limit=MAX_LIMIT
                    ).items
                ],
                model.by_author(owner),
            ),
            (
                lambda: [
                    u.id
                    for u in users.followers(UserId(owner), viewer_id=viewer, limit=MAX_LIMIT).items
                ],
                model.followers(owner, viewer),
            ),
            (
                lambda: [
                    u.id
                    for u in users.following(UserId(owner), viewer_id=viewer, limit=MAX_LIMIT).items
                ],
                model.following(owner, viewer),
            ),
            (
                lambda: [s.id for s in self.feed.stories.active(UserId(owner), viewer_id=viewer)],
                model.active_stories(owner),
            ),
        ]
        for read, expected in lists:
            if model.can_see(viewer, owner):
                assert read() == expected
            else:
                with pytest.raises(NotFoundError):
                    read()
        if model.hides_profile(owner, viewer):
            with pytest.raises(NotFoundError):
                users.get(UserId(owner), viewer_id=viewer)
        else:
            assert users.get(UserId(owner), viewer_id=viewer).id == owner

    def check_post(self, post_id: PostId, viewer: UserId | None) -> None:
        model = self.model
        if not model.post_visible(post_id, viewer):
            for read in (
                lambda: self.feed.posts.get(post_id, viewer_id=viewer),
                lambda: self.feed.comments.for_post(post_id, viewer_id=viewer),
                lambda: self.feed.likes.likers(post_id, viewer_id=viewer),
            ):
                with pytest.raises(NotFoundError):
                    read()
            return
        assert self.feed.posts.get(post_id, viewer_id=viewer).id == post_id
        comments = self.feed.comments.for_post(post_id, viewer_id=viewer, limit=MAX_LIMIT)
        assert [c.id for c in comments.items] == model.comments_for(post_id, viewer)
        likers = self.feed.likes.likers(post_id, viewer_id=viewer, limit=MAX_LIMIT)
        assert [u.id for u in likers.items] == model.likers(post_id, viewer)


def walk(fetch: Callable[[str | None], Page[T]]) -> list[T]:
    """Read every page of a list, following the cursors, and return all the items."""
    items: list[T] = []
    cursor = None
    while True:
        page = fetch(cursor)
        items.extend(page.items)
        if page.next_cursor is None:
            return items
        cursor = page.next_cursor


def row_counts(storage: Storage, names: Collection[str]) -> dict[str, int]:
    """Count the rows of the named tables, in one query on a SQL storage."""
    if isinstance(storage, MemoryStorage):
        return {name: len(table) for name, table in dump(storage).items() if name in names}
    assert isinstance(storage, SQLStorage)
    counts = [
        select(func.count()).select_from(metadata.tables[f"socialfeed_{name}"]).scalar_subquery()
        for name in names
    ]
    with storage.engine.connect() as conn:
        row = conn.execute(select(*counts)).one()
    return dict(zip(names, row, strict=True))


def _keep() -> None:
    """Release nothing: the storage's engine belongs to the whole test session."""


@pytest.mark.parametrize("backend", BACKENDS)
def test_library_agrees_with_the_model(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Random action sequences leave every backend exactly as the reference model predicts."""
    STATS.examples = STATS.steps = 0
    STATS.outcomes.clear()

    class OnBackend(SocialFeedMachine):
        def __init__(self) -> None:
            # A fresh storage per example: a new SQLite file, an emptied PostgreSQL database.
            folder = tmp_path / str(STATS.examples)
            folder.mkdir()
            storage = make_storage(backend, request, folder)
            # The PostgreSQL engine is the session's and outlives the example.
            super().__init__(storage, storage.close if backend == "sqlite" else _keep)

    run_state_machine_as_test(
        OnBackend,
        settings=settings(
            max_examples=EXAMPLES[backend] * SCALE,
            stateful_step_count=STEPS,
            deadline=None,
            # Long examples are large by design.
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example],
        ),
    )
    print(f"\n{backend}: {STATS.examples} examples, {STATS.steps} steps")
    print(", ".join(f"{name} {count}" for name, count in sorted(STATS.outcomes.items())))


@pytest.mark.parametrize("handler_type", [NotificationHandler, HashtagHandler])
def test_disconnected_handler_is_released(
    handler_type: type[NotificationHandler] | type[HashtagHandler],
) -> None:
    """A handler disconnected from its last facade is no longer held by the signals."""
    feed = SocialFeed(MemoryStorage())
    handler = handler_type()
    handler.connect(feed)
    handler.disconnect(feed)
    released = weakref.ref(handler)
    del handler
    gc.collect()
    assert released() is None
