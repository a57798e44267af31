"""The outbox fault tests' application script, and the code they run in child processes.

The script is what an application does: twenty members, a post each, then
likes, unlikes, comments with @mentions, follows and unfollows, drawn from a
seeded random generator. Run with the same seed it does the same things in
the same order, so a run through the outbox, a relay and a worker can be
compared with the same script run in one process with the handler connected.

A spawned process imports this module afresh, so its entry points take
plain values (URLs, names, numbers) and hand back plain dicts.
"""

from __future__ import annotations

import os
import random
import threading
from collections import Counter
from collections.abc import Sequence
from multiprocessing.queues import Queue

import redis

from socialfeed import PasswordHasher, Settings, SocialFeed, SocialFeedError, signals
from socialfeed.events import CommentAdded
from socialfeed.outbox.relay import Relay
from socialfeed.redis import RedisStreamPublisher
from socialfeed.storage import SQLStorage
from socialfeed.storage.base import OutboxMessage

MEMBERS = 20
# Follows stay among a few members, so that pairs follow, unfollow and follow again.
CIRCLE = 6
# The exit status of a relay that the test made die on purpose, and nothing else.
KILLED = 17
REFUSAL = "comments are refused here"
# What an action of the script may answer besides "ok": a follow of someone
# already followed, an unfollow of someone not followed.
EXPECTED_REFUSALS = frozenset({"AlreadyFollowingError", "NotFollowingError"})


class Script:
    """The application's actions, the same for the same seed, run on any facade.

    `start` creates the members and their posts; each call of `act` then
    carries on the same sequence, so that ``act(10); act(20)`` does what
    ``act(30)`` does.
    """

    def __init__(self, feed: SocialFeed, seed: int) -> None:
        self.feed = feed
        self.rng = random.Random(seed)
        self.members: list[int] = []
        self.posts: list[int] = []
        self.comments = 0
        # Who mentioned whom under which post: a second such mention would
        # notify no one, and which comment did notify would depend on the
        # order the worker handles them in, which at-least-once does not fix.
        self.mentions: set[tuple[int, int, int]] = set()

    def start(self) -> None:
        """Create the members, each with one post."""
        for number in range(MEMBERS):
            member = self.feed.accounts.create_profile(f"member{number}")
            self.members.append(member.id)
            self.posts.append(self.feed.posts.create(member.id, content=f"post {number}").id)

    def act(self, count: int) -> Counter[str]:
        """Do ``count`` more actions; count their outcomes, ``ok`` or the typed error's name."""
        outcomes: Counter[str] = Counter()
        for _ in range(count):
            try:
                self._one_action()
            except SocialFeedError as error:
                outcomes[type(error).__name__] += 1
            else:
                outcomes["ok"] += 1
        return outcomes

    def _one_action(self) -> None:
        roll = self.rng.random()
        actor = self.rng.randrange(MEMBERS)
        post = self.rng.randrange(MEMBERS)
        # Never oneself: an actor and a distinct other member.
        other = (actor + self.rng.randrange(1, MEMBERS)) % MEMBERS
        if roll < 0.4:
            change = self.feed.likes.like if self.rng.random() < 0.6 else self.feed.likes.unlike
            change(self.members[actor], self.posts[post])
        elif roll < 0.65:
            self._comment(actor, post, other)
        else:
            self._follow_or_unfollow()

    def _follow_or_unfollow(self) -> None:
        follower = self.rng.randrange(CIRCLE)
        followee = (follower + self.rng.randrange(1, CIRCLE)) % CIRCLE
        change = self.feed.follows.follow if self.rng.random() < 0.6 else self.feed.follows.unfollow
        change(self.members[follower], self.members[followee])

    def _comment(self, actor: int, post: int, other: int) -> None:
        self.comments += 1
        content = f"comment {self.comments}"
        mention = (actor, other, post)
        if self.rng.random() < 0.5 and mention not in self.mentions:
            self.mentions.add(mention)
            content += f" for @member{other}"
        self.feed.comments.add(self.posts[post], self.members[actor], content)


def open_app(url: str) -> SocialFeed:
    """The application's facade: every event goes to the outbox, no receiver is connected."""
    return SocialFeed(
        SQLStorage.from_url(url),
        settings=Settings(outbox=True),
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
