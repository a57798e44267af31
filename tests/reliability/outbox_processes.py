"""The outbox fault tests' application script, and the code they run in child processes.

The script is what an application does: twenty members, a post each, then
likes and unlikes, comments with @mentions, posts with hashtags, edits,
deletions of posts and comments, follows and unfollows, blocks and unblocks,
mutes and unmutes, and accounts made private or public, drawn from a seeded
random generator, on a clock that it moves itself. Run with the same seed it
does the same things in the same order at the same times, so a run through
the outbox, a relay and a worker can be compared, row for row, with the same
script run in one process with the handlers connected.

A spawned process imports this module afresh, so its entry points take
plain values (URLs, names, numbers) and hand back plain dicts.
"""

from __future__ import annotations

import os
import random
import threading
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from multiprocessing.queues import Queue

import redis

from socialfeed import ManualClock, PasswordHasher, Settings, SocialFeed, SocialFeedError, signals
from socialfeed.events import CommentAdded
from socialfeed.ids import CommentId, PostId, UserId
from socialfeed.outbox.relay import Relay
from socialfeed.redis import RedisStreamPublisher
from socialfeed.storage import SQLStorage
from socialfeed.storage.base import OutboxMessage

MEMBERS = 20
# Follows, blocks, mutes and private accounts stay among a few members, so that
# pairs follow, block and unblock again, and their likes and comments meet them.
CIRCLE = 6
TAGS = ("#cats", "#dogs", "#birds")
# The script's clock: it starts here and moves ten minutes before each action,
# so that a run of a hundred actions crosses midnight, the edge of the
# notification handler's quiet-period windows. Every run reads the same times.
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STEP = timedelta(minutes=10)
# The exit status of a relay that the test made die on purpose, and nothing else.
KILLED = 17
REFUSAL = "comments are refused here"
# What an action of the script may answer besides "ok": a follow of someone
# already followed or asked, an unfollow of someone not followed, and an
# action on a post or comment deleted earlier, of a blocked member, or on a
# private member's post the actor may not see.
EXPECTED_REFUSALS = frozenset(
    {"AlreadyFollowingError", "NotFollowingError", "ConflictError", "NotFoundError", "BlockedError"}
)
# How often each action comes up: likes and comments, which notify, most.
WEIGHTS = {
    "like": 20,
    "unlike": 10,
    "comment": 18,
    "follow": 12,
    "unfollow": 6,
    "post": 8,
    "edit": 3,
    "delete_post": 5,
    "delete_comment": 5,
    "block": 3,
    "unblock": 3,
    "mute": 3,
    "unmute": 3,
    "private": 3,
}


def script_clock() -> ManualClock:
    """The clock of a facade that runs the script: still, unless `Script` moves it."""
    return ManualClock(START, tick=timedelta(0))


def refusals(outcomes: Counter[str]) -> Counter[str]:
    """The outcomes that are neither ``ok`` nor an expected refusal: a mistake of the run."""
    return Counter(
        {
            outcome: n
            for outcome, n in outcomes.items()
            if outcome.split(" ", 1)[1] not in {"ok"} | EXPECTED_REFUSALS
        }
    )


class Script:
    """The application's actions, the same for the same seed, run on any facade.

    `start` creates the members and their posts; each call of `act` then
    carries on the same sequence, so that ``act(10); act(20)`` does what
    ``act(30)`` does. The facade's clock must be `script_clock`: the script
    moves it one `STEP` before each action, so that two runs date every
    event, and so every notification, alike.
    """

    def __init__(self, feed: SocialFeed, seed: int) -> None:
        assert isinstance(feed.clock, ManualClock), "the script runs on script_clock()"
        self.feed = feed
        self.clock = feed.clock
        self.rng = random.Random(seed)
        self.members: list[int] = []
        # Every post and comment made, deleted or not, with its author's id.
        self.posts: list[tuple[int, int]] = []
        self.comments: list[tuple[int, int]] = []
        # The follows the script made and did not undo, for unfollows to undo
        # some: drawn at random, unfollows would all find no follow.
        self.follows: set[tuple[int, int]] = set()
        self.actions = {
            "like": self._like,
            "unlike": self._unlike,
            "comment": self._comment,
            "follow": self._follow,
            "unfollow": self._unfollow,
            "post": self._post,
            "edit": self._edit,
            "delete_post": self._delete_post,
            "delete_comment": self._delete_comment,
            "block": self._block,
            "unblock": self._unblock,
            "mute": self._mute,
            "unmute": self._unmute,
            "private": self._private,
        }

    def start(self) -> None:
        """Create the members, each with one post carrying a hashtag."""
        for number in range(MEMBERS):
            self.clock.advance(STEP)
            member = self.feed.accounts.create_profile(f"member{number}")
            self.members.append(member.id)
            self.clock.advance(STEP)
            content = f"post {number} {TAGS[number % len(TAGS)]}"
            self.posts.append((self.feed.posts.create(member.id, content=content).id, member.id))

    def act(self, count: int) -> Counter[str]:
        """Do ``count`` more actions; count outcomes as ``"like ok"`` or ``"like BlockedError"``."""
        outcomes: Counter[str] = Counter()
        names, weights = list(WEIGHTS), list(WEIGHTS.values())
        for _ in range(count):
            self.clock.advance(STEP)
            [name] = self.rng.choices(names, weights)
            try:
                self.actions[name]()
            except SocialFeedError as error:
                outcomes[f"{name} {type(error).__name__}"] += 1
            else:
                outcomes[f"{name} ok"] += 1
        return outcomes

    def _member(self) -> int:
        return self.members[self.rng.randrange(MEMBERS)]

    def _pair(self, among: int) -> tuple[UserId, UserId]:
        """Two distinct members among the first ``among``."""
        first = self.rng.randrange(among)
        second = (first + self.rng.randrange(1, among)) % among
        return UserId(self.members[first]), UserId(self.members[second])

    def _text(self, kind: str) -> str:
        """Content with a hashtag and, half the time, an @mention of a member."""
        content = f"{kind} {self.rng.choice(TAGS)}"
        if self.rng.random() < 0.5:
            content += f" for @member{self.rng.randrange(MEMBERS)}"
        return content

    def _like(self) -> None:
        self.feed.likes.like(UserId(self._member()), PostId(self.rng.choice(self.posts)[0]))

    def _unlike(self) -> None:
        self.feed.likes.unlike(UserId(self._member()), PostId(self.rng.choice(self.posts)[0]))

    def _comment(self) -> None:
        author = self._member()
        post, _ = self.rng.choice(self.posts)
        comment = self.feed.comments.add(UserId(author), PostId(post), self._text("comment"))
        self.comments.append((comment.id, author))

    def _follow(self) -> None:
        follower, followee = self._pair(CIRCLE)
        self.feed.follows.follow(UserId(follower), UserId(followee))
        self.follows.add((follower, followee))

    def _unfollow(self) -> None:
        made = sorted(self.follows)
        follower, followee = self.rng.choice(made) if made else self._pair(CIRCLE)
        self.follows.discard((follower, followee))
        self.feed.follows.unfollow(UserId(follower), UserId(followee))

    def _post(self) -> None:
        author = self._member()
        self.posts.append(
            (self.feed.posts.create(UserId(author), content=self._text("post")).id, author)
        )

    def _edit(self) -> None:
        post, author = self.rng.choice(self.posts)
        self.feed.posts.edit(UserId(author), PostId(post), self._text("edited"))

    def _delete_post(self) -> None:
        post, author = self.rng.choice(self.posts)
        self.feed.posts.delete(UserId(author), PostId(post))

    def _delete_comment(self) -> None:
        if self.comments:
            comment, author = self.rng.choice(self.comments)
            self.feed.comments.delete(UserId(author), CommentId(comment))

    def _block(self) -> None:
        blocker, blocked = self._pair(CIRCLE)
        self.feed.blocks.block(UserId(blocker), UserId(blocked))
        self.follows -= {(blocker, blocked), (blocked, blocker)}  # a block ends both

    def _unblock(self) -> None:
        self.feed.blocks.unblock(*self._pair(CIRCLE))

    def _mute(self) -> None:
        self.feed.mutes.mute(*self._pair(CIRCLE))

    def _unmute(self) -> None:
        self.feed.mutes.unmute(*self._pair(CIRCLE))

    def _private(self) -> None:
        member = self.members[self.rng.randrange(CIRCLE)]
        self.feed.users.set_private(UserId(member), self.rng.random() < 0.5)


def open_app(url: str) -> SocialFeed:
    """The application's facade: every event goes to the outbox, no receiver is connected."""
    return SocialFeed(
        SQLStorage.from_url(url),
        settings=Settings(outbox=True),
        clock=script_clock(),
        password_hasher=PasswordHasher.minimum(),
    )


def write_script(url: str, seed: int, actions: int, results: Queue[dict[str, int]]) -> None:
    """Entry point of an application process: the whole script, its outcomes to ``results``."""
    feed = open_app(url)
    try:
        script = Script(feed, seed)
        script.start()
        outcomes = dict(script.act(actions))
    except BaseException as error:
        outcomes = {f"crashed {type(error).__name__}: {error}": 1}
    finally:
        feed.close()
    results.put(outcomes)


def write_until_stopped(
    url: str, seed: int, stop: threading.Event, results: Queue[dict[str, int]]
) -> None:
    """Entry point of an application process that writes, a few actions at a time, until stopped."""
    feed = open_app(url)
    outcomes: Counter[str] = Counter()
    try:
        script = Script(feed, seed)
        script.start()
        while not stop.is_set():
            outcomes += script.act(5)
    except BaseException as error:
        outcomes[f"crashed {type(error).__name__}: {error}"] += 1
    finally:
        feed.close()
    results.put(dict(outcomes))


class DyingPublisher:
    """A publisher that crashes its process on batch number ``die_on_batch``.

    Earlier batches are published normally. Of the fatal one, the first
    ``publish_first`` messages reach the stream, and the process ends before
    the relay can mark any of them published.
    """

    def __init__(self, stream: RedisStreamPublisher, die_on_batch: int, publish_first: int) -> None:
        self.stream = stream
        self.die_on_batch = die_on_batch
        self.publish_first = publish_first
        self.batches = 0

    def publish(self, messages: Sequence[OutboxMessage]) -> None:
        self.batches += 1
        if self.batches < self.die_on_batch:
            self.stream.publish(messages)
            return
        if self.publish_first:
            self.stream.publish(messages[: self.publish_first])
        # No cleanup, no rollback, no goodbye to the database: a crash.
        os._exit(KILLED)


def relay_and_die(
    url: str, redis_url: str, stream: str, batch_size: int, die_on_batch: int, publish_first: int
) -> None:
    """Entry point of a relay that crashes between publishing a batch and marking it.

    It returns normally (exit status 0) only if the outbox ran out of rows
    before the fatal batch, which the test reports as a mistake of its own.
    """
    client = redis.Redis.from_url(redis_url)
    publisher = DyingPublisher(RedisStreamPublisher(client, stream), die_on_batch, publish_first)
    storage = SQLStorage.from_url(url)
    relay = Relay(storage, publisher, batch_size=batch_size)
    while relay.relay_once():
        pass
    storage.close()
    client.close()


def refuse_comments(feed: SocialFeed) -> None:
    """A worker's ``--handler``: a receiver that fails on every comment, and only on those."""
    signals.comment_added.connect(_refuse_comment, sender=feed, weak=False)


def _refuse_comment(sender: object, *, event: CommentAdded) -> None:
    raise RuntimeError(REFUSAL)


def hold_every_event(feed: SocialFeed) -> None:
    """A worker's ``--handler``: a receiver that never returns, so the worker holds what it read.

    Its events stay pending under the worker's consumer name until the test
    kills the process, as a worker that hangs or crashes mid-batch leaves them.
    """
    for signal in signals.ALL_SIGNALS:
        signal.connect(_never_return, sender=feed, weak=False)


def _never_return(sender: object, **_: object) -> None:
    threading.Event().wait()
