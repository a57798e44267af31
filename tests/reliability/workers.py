"""Work for the reliability tests, run in threads or in spawned processes.

A spawned process imports this module afresh and builds its own facade on the
same database URL, so everything a worker needs lives at module level and
what it hands back (outcome strings, plain dicts) pickles.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from multiprocessing.queues import Queue
from typing import Any

from socialfeed import PasswordHasher, Settings, SocialFeed, SocialFeedError
from socialfeed.handlers import HashtagHandler, NotificationHandler
from socialfeed.ids import PostId, UserId
from socialfeed.storage import SQLStorage
from tests.support import PASSWORD

Ids = dict[str, list[int]]
Scenario = Callable[[SocialFeed, int, Ids, threading.Barrier], list[str]]

# Long enough for a slow spawn on a busy machine; a worker that never arrives
# breaks the barrier instead of hanging the run.
BARRIER_TIMEOUT = 120.0


def open_feed(url: str, *, handlers: bool = False) -> SocialFeed:
    """Build a facade on an existing schema, with the optional handlers if asked."""
    feed = SocialFeed(
        SQLStorage.from_url(url),
        settings=Settings(raise_receiver_errors=True),
        password_hasher=PasswordHasher.minimum(),
    )
    if handlers:
        NotificationHandler().connect(feed)
        HashtagHandler().connect(feed)
    return feed


def attempt(call: Callable[..., object], *args: object) -> str:
    """Call ``call(*args)`` and name its outcome: ``ok`` or what `name_error` says."""
    try:
        call(*args)
    except Exception as error:
        return name_error(error)
    return "ok"


def name_error(error: Exception) -> str:
    """Name a typed error with its field or entity; anything else starts with ``untyped``."""
    if isinstance(error, SocialFeedError):
        detail = getattr(error, "field", None) or getattr(error, "entity", None)
        return type(error).__name__ + (f":{detail}" if detail else "")
    return f"untyped {type(error).__module__}.{type(error).__name__}: {error}"


def meet(barrier: threading.Barrier) -> None:
    """Wait until every worker got here, so that the next phase starts at once."""
    barrier.wait(timeout=BARRIER_TIMEOUT)


def like_and_unlike(
    feed: SocialFeed, index: int, ids: Ids, barrier: threading.Barrier
) -> list[str]:
    """Random likes, unlikes and toggles on one post, then the first half liked, the rest not."""
    users, [post] = ids["users"], ids["post"]
    rng = random.Random(index)
    actions = (feed.likes.like, feed.likes.unlike, feed.likes.toggle)
    outcomes: list[str] = []
    meet(barrier)
    for _ in range(24):
        action, user = rng.choice(actions), rng.choice(users)
        outcomes.append(attempt(action, user, post))
    meet(barrier)
    half = len(users) // 2
    # Every worker walks the users from a different start, so they collide on each row.
    for position in range(len(users)):
        slot = (position + index) % len(users)
        action = feed.likes.like if slot < half else feed.likes.unlike
        outcomes.append(attempt(action, users[slot], post))
    return outcomes


def wanted_follow(follower_slot: int, followee_slot: int) -> bool:
    """Tell whether the follow race must end with this pair following."""
    return (follower_slot + 2 * followee_slot) % 3 == 0


def follow_and_unfollow(
    feed: SocialFeed, index: int, ids: Ids, barrier: threading.Barrier
) -> list[str]:
    """Random follows and unfollows among a few users, then a set of pairs made final."""
    users = ids["users"]
    pairs = [(a, b) for a in range(len(users)) for b in range(len(users)) if a != b]
    rng = random.Random(index)
    outcomes: list[str] = []
    meet(barrier)
    for _ in range(24):
        a, b = rng.choice(pairs)
        action = rng.choice((feed.follows.follow, feed.follows.unfollow))
        outcomes.append(attempt(action, users[a], users[b]))
    meet(barrier)
    for position in range(len(pairs)):
        a, b = pairs[(position + 3 * index) % len(pairs)]
        action = feed.follows.follow if wanted_follow(a, b) else feed.follows.unfollow
        outcomes.append(attempt(action, users[a], users[b]))
    return outcomes


def register_taken_names(
    feed: SocialFeed, index: int, ids: Ids, barrier: threading.Barrier
) -> list[str]:
    """Register one username (in varying case) and, separately, one email, from every worker."""
    username = "Taken" if index % 2 else "tAKEN"
    email = "Shared@Example.com" if index % 2 else "shared@example.com"
    meet(barrier)
    return [
        attempt(feed.accounts.register, username, f"mail{index}@example.com", PASSWORD),
        attempt(feed.accounts.register, f"name{index}", email, PASSWORD),
    ]


COMMENTS_EACH = 6


def add_and_delete_comments(
    feed: SocialFeed, index: int, ids: Ids, barrier: threading.Barrier
) -> list[str]:
    """Add comments, deleting every other one at once, then all workers delete what is left.

    Outcomes are prefixed with the phase (``add``, ``own``, ``sweep``) so that
    the test can count each.
    """
    [author], [post], users = ids["author"], ids["post"], ids["users"]
    commenter = users[index % len(users)]
    outcomes: list[str] = []
    meet(barrier)
    for number in range(COMMENTS_EACH):
        try:
            comment = feed.comments.add(
                UserId(commenter), PostId(post), f"comment {number} of worker {index}"
            )
        except Exception as error:
            outcomes.append("add " + name_error(error))
            continue
        outcomes.append("add ok")
        if number % 2:
            outcomes.append("own " + attempt(feed.comments.delete, commenter, comment.id))
    meet(barrier)
    left = feed.comments.for_post(PostId(post), viewer_id=UserId(author), limit=100).items
    for position in range(len(left)):
        comment_id = left[(position + index) % len(left)].id
        outcomes.append("sweep " + attempt(feed.comments.delete, author, comment_id))
    return outcomes


def delete_the_same_posts(
    feed: SocialFeed, index: int, ids: Ids, barrier: threading.Barrier
) -> list[str]:
    """Every worker deletes the same posts as their author, each starting at another post."""
    [author], posts = ids["author"], ids["posts"]
    meet(barrier)
    return [
        attempt(feed.posts.delete, author, posts[(position + index) % len(posts)])
        for position in range(len(posts))
    ]


def delete_the_same_stories(
    feed: SocialFeed, index: int, ids: Ids, barrier: threading.Barrier
) -> list[str]:
    """Every worker deletes the same stories as their author, each starting at another story."""
    [author], stories = ids["author"], ids["stories"]
    meet(barrier)
    return [
        attempt(feed.stories.delete, author, stories[(position + index) % len(stories)])
        for position in range(len(stories))
    ]


NOTIFYING_ROUNDS = 5


def read_all_while_notified(
    feed: SocialFeed, index: int, ids: Ids, barrier: threading.Barrier
) -> list[str]:
    """Like and comment on the author's post, marking all the author's notifications read between.

    A ``read N`` outcome says how many notifications one ``mark_all_read`` turned read.
    """
    [author], [post], users = ids["author"], ids["post"], ids["users"]
    fan = users[index % len(users)]
    outcomes: list[str] = []
    meet(barrier)
    outcomes.append(attempt(feed.likes.like, fan, post))
    for number in range(NOTIFYING_ROUNDS):
        outcomes.append(attempt(feed.comments.add, fan, post, f"note {number}"))
        try:
            outcomes.append(f"read {feed.notifications.mark_all_read(UserId(author))}")
        except Exception as error:
            outcomes.append(name_error(error))
    return outcomes


SCENARIOS: dict[str, Scenario] = {
    "like_and_unlike": like_and_unlike,
    "follow_and_unfollow": follow_and_unfollow,
    "register_taken_names": register_taken_names,
    "add_and_delete_comments": add_and_delete_comments,
    "read_all_while_notified": read_all_while_notified,
    "delete_the_same_posts": delete_the_same_posts,
    "delete_the_same_stories": delete_the_same_stories,
}


def run_scenario_process(
    url: str,
    scenario: str,
    index: int,
    ids: Ids,
    barrier: threading.Barrier,
    results: Queue[tuple[int, list[str]]],
) -> None:
    """Entry point of one spawned worker: its own facade, one scenario, outcomes to the queue."""
    feed = open_feed(url, handlers=True)
    try:
        outcomes = SCENARIOS[scenario](feed, index, ids, barrier)
    except BaseException as error:
        barrier.abort()
        outcomes = [f"crashed {type(error).__name__}: {error}"]
    finally:
        feed.close()
    results.put((index, outcomes))


def run_load_process(
    url: str,
    index: int,
    workers: int,
    ids: Ids,
    seconds: float,
    results: Queue[dict[str, Any]],
) -> None:
    """Entry point of one load worker: mixed actions for ``seconds``, a summary to the queue."""
    feed = open_feed(url, handlers=True)
    try:
        summary = LoadWorker(feed, index, workers, ids).run(seconds)
    except BaseException as error:
        summary = {"crashed": f"{type(error).__name__}: {error}"}
    finally:
        feed.close()
    results.put(summary)


class LoadWorker:
    """Mixed actions on behalf of the users this worker owns, tracking what must be stored.

    Only this worker acts as its users, so the likes, follows, comments and
    messages they end with are known exactly, however the workers interleave.
    """

    def __init__(self, feed: SocialFeed, index: int, workers: int, ids: Ids) -> None:
        self.feed = feed
        self.index = index
        self.rng = random.Random(1000 + index)
        self.everyone = list(ids["users"])
        self.own = self.everyone[index::workers]
        self.posts = list(ids["posts"])
        self.operations: dict[str, int] = {}
        self.errors: list[str] = []
        self.mismatches: list[str] = []
        self.liked: set[tuple[int, int]] = set()
        self.follows: set[tuple[int, int]] = set()
        # Comments are never deleted here: a deleted comment takes its
        # notifications along, and the run counts every notification.
        self.comments = 0
        self.created_posts = 0
        self.messages = 0
        self.notifications_read = 0
        self.registered = 0

    def run(self, seconds: float) -> dict[str, Any]:
        actions: list[tuple[Callable[[], None], int]] = [
            (self.post, 2),
            (self.like, 6),
            (self.unlike, 3),
            (self.comment, 3),
            (self.follow, 3),
            (self.unfollow, 2),
            (self.message, 2),
            (self.read_notifications, 2),
            (self.read_home, 2),
            (self.register, 1),
        ]
        choices = [action for action, weight in actions for _ in range(weight)]
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            action = self.rng.choice(choices)
            name = action.__name__
            try:
                action()
            except Exception as error:
                self.errors.append(f"{name}: {name_error(error)}: {error}")
            self.operations[name] = self.operations.get(name, 0) + 1
        return {
            "operations": self.operations,
            "errors": self.errors,
            "mismatches": self.mismatches,
            "liked": sorted(self.liked),
            "follows": sorted(self.follows),
            "comments": self.comments,
            "created_posts": self.created_posts,
            "messages": self.messages,
            "notifications_read": self.notifications_read,
            "registered": self.registered,
        }

    def _me(self) -> int:
        return self.rng.choice(self.own)

    def _other(self, me: int) -> int:
        return self.rng.choice([user for user in self.everyone if user != me])

    def post(self) -> None:
        me = self._me()
        post = self.feed.posts.create(UserId(me), content=f"load #load{self.rng.randrange(5)}")
        self.posts.append(post.id)
        self.created_posts += 1

    def like(self) -> None:
        me, post = self._me(), self.rng.choice(self.posts)
        if not self.feed.likes.like(UserId(me), PostId(post)).liked:
            self.mismatches.append(f"like of {post} by {me} did not stay")
        self.liked.add((me, post))

    def unlike(self) -> None:
        if not self.liked:
            return
        me, post = self.rng.choice(sorted(self.liked))
        if self.feed.likes.unlike(UserId(me), PostId(post)).liked:
            self.mismatches.append(f"unlike of {post} by {me} did not take")
        self.liked.discard((me, post))

    def comment(self) -> None:
        me = self._me()
        self.feed.comments.add(UserId(me), PostId(self.rng.choice(self.posts)), "load comment")
        self.comments += 1

    def follow(self) -> None:
        me = self._me()
        other = self._other(me)
        expected = "AlreadyFollowingError" if (me, other) in self.follows else "ok"
        self._expect("follow", expected, self.feed.follows.follow, me, other)
        self.follows.add((me, other))

    def unfollow(self) -> None:
        me = self._me()
        other = self._other(me)
        expected = "ok" if (me, other) in self.follows else "NotFollowingError"
        self._expect("unfollow", expected, self.feed.follows.unfollow, me, other)
        self.follows.discard((me, other))

    def _expect(self, name: str, expected: str, call: Callable[..., object], *args: int) -> None:
        # Only this worker acts as its users, so a follow's answer is known in advance.
        outcome = attempt(call, *args)
        if outcome.startswith("untyped") or outcome.startswith("Storage"):
            self.errors.append(f"{name}: {outcome}")
        elif outcome != expected:
            self.mismatches.append(f"{name}: expected {expected}, got {outcome}")

    def message(self) -> None:
        me = self._me()
        self.feed.messages.send(UserId(me), UserId(self._other(me)), "load message")
        self.messages += 1

    def read_notifications(self) -> None:
        me = self._me()
        self.feed.notifications.list(UserId(me), limit=20)
        self.notifications_read += self.feed.notifications.mark_all_read(UserId(me))

    def read_home(self) -> None:
        self.feed.feed.home(UserId(self._me()), limit=20)

    def register(self) -> None:
        name = f"load{self.index}x{self.registered}"
        user = self.feed.accounts.register(name, f"{name}@example.com", PASSWORD)
        self.registered += 1
        self.own.append(user.id)
        self.everyone.append(user.id)
