"""The catalogue of actions that pair races set against each other, and the workers that run them.

Each action is a module-level function ``(feed, world) -> str`` (a spawned
worker imports this module and finds it by name) that does one thing to the
world of `tests.reliability.pair_world` and returns its answer normalised: the
meaningful fields of the result, with no ids and no round prefix. `run_action`
turns an error into its class name; an error outside `socialfeed.errors` is
named ``untyped ...``, can match no serial outcome, and fails the round.

The generator (`pairs`) takes every unordered pair of actions, an action with
itself included; the tests take each pair in every variant of the world: 37
actions make 703 pairs and 2,812 (pair, variant) combinations. None is left
out by hand. The oracle (`tests.reliability.pair_oracle`) replays each
combination on memory in both orders, and a combination is left out only
when both orders leave the world exactly as it was before them: then neither
action can change anything there (both are refused, or do nothing, whoever
goes first), and a race of the two has nothing to decide. That leaves 2,234
combinations, 404 of them where the order matters.

Every facade, the oracle's included, builds its home feeds by push, and has
the notification and hashtag handlers connected in process, so that a race
also covers the timeline rows, the notifications and the hashtag index.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from multiprocessing.queues import Queue

from socialfeed import LikeState, PasswordHasher, Settings, SocialFeed, signals
from socialfeed.handlers import HashtagHandler, NotificationHandler
from socialfeed.ids import CommentId, PostId, StoryId, UserId
from socialfeed.storage import SQLStorage, Storage
from tests.reliability.pair_world import World, describe_error, prefix_of

__all__ = [
    "CATALOGUE",
    "REPAIRS",
    "SETTINGS",
    "Answer",
    "Command",
    "pairs",
    "pairs_starting_with",
    "race_feed",
    "recording_likes",
    "run_action",
    "serve_actions",
]

Action = Callable[[SocialFeed, World], str]

SETTINGS = Settings(feed_strategy="push", raise_receiver_errors=True)
"""Every facade's settings: push timelines, and a receiver's error reaches the action's caller."""

# A worker that never reaches the barrier breaks it instead of hanging the run.
BARRIER_TIMEOUT = 120.0

EDITED_CONTENT = "Edited #{p}two for @{p}a"
NEW_CONTENT = "News #{p}one"


# One handler of each kind serves every facade of the process; each facade
# connects on opening and disconnects on closing, so none outlives its facade.
NOTIFICATIONS = NotificationHandler()
HASHTAGS = HashtagHandler()


@contextmanager
def race_feed(storage: Storage) -> Iterator[SocialFeed]:
    """A facade on ``storage`` with the settings and handlers every pair race uses."""
    feed = SocialFeed(storage, settings=SETTINGS, password_hasher=PasswordHasher.minimum())
    NOTIFICATIONS.connect(feed)
    HASHTAGS.connect(feed)
    try:
        yield feed
    finally:
        NOTIFICATIONS.disconnect(feed)
        HASHTAGS.disconnect(feed)


def _liked(state: LikeState) -> str:
    return f"{'liked' if state.liked else 'unliked'} count={state.like_count}"


# --- The catalogue: one function per action, named after who does what to whom ---------------


def follow_a_b(feed: SocialFeed, w: World) -> str:
    return feed.follows.follow(UserId(w["A"]), UserId(w["B"]))


def unfollow_a_b(feed: SocialFeed, w: World) -> str:
    feed.follows.unfollow(UserId(w["A"]), UserId(w["B"]))
    return "ok"


def follow_b_a(feed: SocialFeed, w: World) -> str:
    return feed.follows.follow(UserId(w["B"]), UserId(w["A"]))


def follow_c_b(feed: SocialFeed, w: World) -> str:
    return feed.follows.follow(UserId(w["C"]), UserId(w["B"]))


def block_b_a(feed: SocialFeed, w: World) -> str:
    feed.blocks.block(UserId(w["B"]), UserId(w["A"]))
    return "ok"


def unblock_b_a(feed: SocialFeed, w: World) -> str:
    feed.blocks.unblock(UserId(w["B"]), UserId(w["A"]))
    return "ok"


def block_a_b(feed: SocialFeed, w: World) -> str:
    feed.blocks.block(UserId(w["A"]), UserId(w["B"]))
    return "ok"


def private_b(feed: SocialFeed, w: World) -> str:
    feed.users.set_private(UserId(w["B"]), True)
    return "ok"


def public_b(feed: SocialFeed, w: World) -> str:
    feed.users.set_private(UserId(w["B"]), False)
    return "ok"


def approve_b_a(feed: SocialFeed, w: World) -> str:
    feed.follow_requests.approve(UserId(w["B"]), UserId(w["A"]))
    return "ok"


def reject_b_a(feed: SocialFeed, w: World) -> str:
    feed.follow_requests.reject(UserId(w["B"]), UserId(w["A"]))
    return "ok"


def withdraw_a_b(feed: SocialFeed, w: World) -> str:
    feed.follow_requests.withdraw(UserId(w["A"]), UserId(w["B"]))
    return "ok"


def delete_a(feed: SocialFeed, w: World) -> str:
    feed.accounts.delete(UserId(w["A"]))
    return "ok"


def delete_b(feed: SocialFeed, w: World) -> str:
    feed.accounts.delete(UserId(w["B"]))
    return "ok"


def deactivate_b(feed: SocialFeed, w: World) -> str:
    feed.accounts.deactivate(UserId(w["B"]))
    return "ok"


def edit_profile_b(feed: SocialFeed, w: World) -> str:
    # The profile row also holds B's counters, which the other actions move.
    feed.users.update_profile(UserId(w["B"]), {"bio": "edited bio"})
    return "ok"


def like_a_p(feed: SocialFeed, w: World) -> str:
    return _liked(feed.likes.like(UserId(w["A"]), PostId(w["P"])))


def unlike_a_p(feed: SocialFeed, w: World) -> str:
    return _liked(feed.likes.unlike(UserId(w["A"]), PostId(w["P"])))


def toggle_a_p(feed: SocialFeed, w: World) -> str:
    return _liked(feed.likes.toggle(UserId(w["A"]), PostId(w["P"])))


def like_c_p(feed: SocialFeed, w: World) -> str:
    return _liked(feed.likes.like(UserId(w["C"]), PostId(w["P"])))


def delete_p(feed: SocialFeed, w: World) -> str:
    feed.posts.delete(UserId(w["B"]), PostId(w["P"]))
    return "ok"


def edit_p(feed: SocialFeed, w: World) -> str:
    # New hashtag and new mention: the handlers re-index P and notify A.
    prefix = prefix_of(w)
    post = feed.posts.edit(UserId(w["B"]), PostId(w["P"]), EDITED_CONTENT.format(p=prefix))
    return (post.content or "").replace(prefix, "")


def reindex_p(feed: SocialFeed, w: World) -> str:
    tags = feed.hashtags.index_post(PostId(w["P"]))
    return "tags " + ",".join(tag.replace(prefix_of(w), "") for tag in tags)


def comment_a_p(feed: SocialFeed, w: World) -> str:
    feed.comments.add(UserId(w["A"]), PostId(w["P"]), "a new comment")
    return "commented"


def delete_comment_a(feed: SocialFeed, w: World) -> str:
    feed.comments.delete(UserId(w["A"]), CommentId(w["comment"]))
    return "ok"


def moderate_comment_b(feed: SocialFeed, w: World) -> str:
    feed.comments.delete(UserId(w["B"]), CommentId(w["comment"]))
    return "ok"


def view_s_a(feed: SocialFeed, w: World) -> str:
    feed.stories.view(UserId(w["A"]), StoryId(w["S"]))
    return "ok"


def delete_s(feed: SocialFeed, w: World) -> str:
    feed.stories.delete(UserId(w["B"]), StoryId(w["S"]))
    return "ok"


def message_a_b(feed: SocialFeed, w: World) -> str:
    feed.messages.send(UserId(w["A"]), UserId(w["B"]), "hello from a")
    return "sent"


def message_b_a(feed: SocialFeed, w: World) -> str:
    feed.messages.send(UserId(w["B"]), UserId(w["A"]), "hello from b")
    return "sent"


def read_messages_b(feed: SocialFeed, w: World) -> str:
    return f"read {feed.messages.mark_read(UserId(w['B']), UserId(w['A']))}"


def read_notifications_b(feed: SocialFeed, w: World) -> str:
    return f"read {feed.notifications.mark_all_read(UserId(w['B']))}"


def mute_b_a(feed: SocialFeed, w: World) -> str:
    feed.mutes.mute(UserId(w["B"]), UserId(w["A"]))
    return "ok"


def unmute_b_a(feed: SocialFeed, w: World) -> str:
    feed.mutes.unmute(UserId(w["B"]), UserId(w["A"]))
    return "ok"


def mute_a_b(feed: SocialFeed, w: World) -> str:
    # Takes B's posts out of A's home feed, which the push strategy keeps in rows.
    feed.mutes.mute(UserId(w["A"]), UserId(w["B"]))
    return "ok"


def post_b(feed: SocialFeed, w: World) -> str:
    # Pushed into the timelines of B's followers, and indexed under B's hashtag.
    feed.posts.create(UserId(w["B"]), content=NEW_CONTENT.format(p=prefix_of(w)))
    return "posted"


def rebuild_a(feed: SocialFeed, w: World) -> str:
    return f"rebuilt {feed.feed.rebuild_timeline(UserId(w['A']))}"


CATALOGUE: dict[str, Action] = {
    action.__name__: action
    for action in (
        follow_a_b,
        unfollow_a_b,
        follow_b_a,
        follow_c_b,
        block_b_a,
        unblock_b_a,
        block_a_b,
        private_b,
        public_b,
        approve_b_a,
        reject_b_a,
        withdraw_a_b,
        delete_a,
        delete_b,
        deactivate_b,
        edit_profile_b,
        like_a_p,
        unlike_a_p,
        toggle_a_p,
        like_c_p,
        delete_p,
        edit_p,
        reindex_p,
        comment_a_p,
        delete_comment_a,
        moderate_comment_b,
        view_s_a,
        delete_s,
        message_a_b,
        message_b_a,
        read_messages_b,
        read_notifications_b,
        mute_b_a,
        unmute_b_a,
        mute_a_b,
        post_b,
        rebuild_a,
    )
}
"""Every action, by name, in the order the generator pairs them."""

REPAIRS = frozenset({"unmute_b_a", "reindex_p", "rebuild_a"})
"""The actions that change nothing in any starting world, since there is nothing to undo yet.

They count raced against an action that changes what they redo or undo: a
re-index against an edit, a timeline rebuild against a follow or a post.
"""


def run_action(feed: SocialFeed, name: str, world: World) -> str:
    """Run one catalogue action and return its normalised answer, an error included."""
    try:
        return CATALOGUE[name](feed, world)
    except Exception as error:
        return describe_error(error)


def pairs() -> list[tuple[str, str]]:
    """Every unordered pair of catalogue actions, an action with itself included."""
    return list(itertools.combinations_with_replacement(CATALOGUE, 2))


def pairs_starting_with(name: str) -> list[tuple[str, str]]:
    """The pairs whose first action (in catalogue order) is ``name``: one test's share."""
    return [pair for pair in pairs() if pair[0] == name]


# --- Spawned workers -------------------------------------------------------------------------


Command = tuple[str, str, World]
"""What a worker is asked to do: (database URL, catalogue action name, world)."""

Answer = tuple[int, str, tuple[str, ...]]
"""What a worker answers: its index, the action's answer, and the like signals it sent."""


def serve_actions(
    index: int,
    commands: Queue[Command | None],
    answers: Queue[Answer],
    barrier: threading.Barrier,
) -> None:
    """Entry point of a long-lived worker: run one action per command, all workers at once.

    ``None`` ends the worker. It keeps a facade on the last URL it was given
    (each SQLite test has a file of its own), and reads once when it opens
    one, so that connecting does not delay its side of the first race.
    """
    with ExitStack() as stack:
        feed: SocialFeed | None = None
        url = ""
        while (command := commands.get()) is not None:
            command_url, name, world = command
            sent: list[str] = []
            try:
                if feed is None or command_url != url:
                    stack.close()
                    storage = SQLStorage.from_url(command_url)
                    stack.callback(storage.close)
                    feed, url = stack.enter_context(race_feed(storage)), command_url
                    feed.follows.is_following(UserId(world["A"]), UserId(world["B"]))
                with recording_likes(feed, sent):
                    barrier.wait(timeout=BARRIER_TIMEOUT)
                    answer = run_action(feed, name, world)
            except BaseException as error:
                barrier.abort()
                answer = f"crashed {type(error).__name__}: {error}"
            answers.put((index, answer, tuple(sent)))


@contextmanager
def recording_likes(feed: SocialFeed, sent: list[str]) -> Iterator[None]:
    """Append the name of every like and unlike signal ``feed`` sends meanwhile to ``sent``."""

    def liked(_: object, **__: object) -> None:
        sent.append("post_liked")

    def unliked(_: object, **__: object) -> None:
        sent.append("post_unliked")

    signals.post_liked.connect(liked, sender=feed)
    signals.post_unliked.connect(unliked, sender=feed)
    try:
        yield
    finally:
        signals.post_liked.disconnect(liked, sender=feed)
        signals.post_unliked.disconnect(unliked, sender=feed)
