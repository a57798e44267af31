"""The catalogue of actions that pair races set against each other, and their serial oracle.

Each action is a module-level function ``(feed, world) -> str`` (a spawned
worker imports this module and finds it by name) that does one thing to the
world of `tests.reliability.pair_world` and returns its answer normalised: the
meaningful fields of the result, with no ids and no round prefix. `run_action`
turns an error into its class name (and entity or field); an error outside
`socialfeed.errors` is named ``untyped ...`` and can match no serial outcome.

The generator (`pairs`) takes every unordered pair of actions, an action with
itself included, in every variant: 37 actions make 703 pairs, 2,812 (pair,
variant) combinations. None is left out by hand. `serial_outcomes` replays the
world and the pair on a fresh `MemoryStorage` in both orders, and a
combination is left out only when both orders leave the world exactly as it
was before them (`Oracle.inert`): then neither action can change anything
there (both are refused, or do nothing, whoever goes first), and a race of
the two has nothing to get wrong.

Every facade, the oracle's included, builds its home feeds by push, and has
the notification and hashtag handlers connected in process, so that a race
also covers the timeline rows, the notifications and the hashtag index.
"""

from __future__ import annotations

import functools
import itertools
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from multiprocessing.queues import Queue

from attrs import frozen

from socialfeed import LikeState, PasswordHasher, Settings, SocialFeed, signals
from socialfeed.events import Event
from socialfeed.handlers import HashtagHandler, NotificationHandler
from socialfeed.storage import MemoryStorage, SQLStorage, Storage
from tests.reliability.pair_world import (
    VARIANTS,
    Observation,
    World,
    build_world,
    describe_error,
    observe,
    prefix_of,
    reads_for,
)

__all__ = [
    "CATALOGUE",
    "REPAIRS",
    "SETTINGS",
    "Answer",
    "Command",
    "Oracle",
    "deferred_outcomes",
    "footprint",
    "outcome_of",
    "pairs",
    "pairs_starting_with",
    "race_feed",
    "recording_likes",
    "run_action",
    "serial_outcomes",
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
    return feed.follows.follow(w["A"], w["B"])


def unfollow_a_b(feed: SocialFeed, w: World) -> str:
    feed.follows.unfollow(w["A"], w["B"])
    return "ok"


def follow_b_a(feed: SocialFeed, w: World) -> str:
    return feed.follows.follow(w["B"], w["A"])


def follow_c_b(feed: SocialFeed, w: World) -> str:
    return feed.follows.follow(w["C"], w["B"])


def block_b_a(feed: SocialFeed, w: World) -> str:
    feed.blocks.block(w["B"], w["A"])
    return "ok"


def unblock_b_a(feed: SocialFeed, w: World) -> str:
    feed.blocks.unblock(w["B"], w["A"])
    return "ok"


def block_a_b(feed: SocialFeed, w: World) -> str:
    feed.blocks.block(w["A"], w["B"])
    return "ok"


def private_b(feed: SocialFeed, w: World) -> str:
    feed.users.set_private(w["B"], True)
    return "ok"


def public_b(feed: SocialFeed, w: World) -> str:
    feed.users.set_private(w["B"], False)
    return "ok"


def approve_b_a(feed: SocialFeed, w: World) -> str:
    feed.follow_requests.approve(w["B"], w["A"])
    return "ok"


def reject_b_a(feed: SocialFeed, w: World) -> str:
    feed.follow_requests.reject(w["B"], w["A"])
    return "ok"


def withdraw_a_b(feed: SocialFeed, w: World) -> str:
    feed.follow_requests.withdraw(w["A"], w["B"])
    return "ok"


def delete_a(feed: SocialFeed, w: World) -> str:
    feed.accounts.delete(w["A"])
    return "ok"


def delete_b(feed: SocialFeed, w: World) -> str:
    feed.accounts.delete(w["B"])
    return "ok"


def deactivate_b(feed: SocialFeed, w: World) -> str:
    feed.accounts.deactivate(w["B"])
    return "ok"


def edit_profile_b(feed: SocialFeed, w: World) -> str:
    # The profile row also holds B's counters, which the other actions move.
    feed.users.update_profile(w["B"], {"bio": "edited bio"})
    return "ok"


def like_a_p(feed: SocialFeed, w: World) -> str:
    return _liked(feed.likes.like(w["A"], w["P"]))


def unlike_a_p(feed: SocialFeed, w: World) -> str:
    return _liked(feed.likes.unlike(w["A"], w["P"]))


def toggle_a_p(feed: SocialFeed, w: World) -> str:
    return _liked(feed.likes.toggle(w["A"], w["P"]))


def like_c_p(feed: SocialFeed, w: World) -> str:
    return _liked(feed.likes.like(w["C"], w["P"]))


def delete_p(feed: SocialFeed, w: World) -> str:
    feed.posts.delete(w["P"], w["B"])
    return "ok"


def edit_p(feed: SocialFeed, w: World) -> str:
    # New hashtag and new mention: the handlers re-index P and notify A.
    prefix = prefix_of(w)
    post = feed.posts.edit(w["P"], w["B"], EDITED_CONTENT.format(p=prefix))
    return (post.content or "").replace(prefix, "")


def reindex_p(feed: SocialFeed, w: World) -> str:
    tags = feed.hashtags.index_post(w["P"])
    return "tags " + ",".join(tag.replace(prefix_of(w), "") for tag in tags)


def comment_a_p(feed: SocialFeed, w: World) -> str:
    feed.comments.add(w["P"], w["A"], "a new comment")
    return "commented"


def delete_comment_a(feed: SocialFeed, w: World) -> str:
    feed.comments.delete(w["comment"], w["A"])
    return "ok"


def moderate_comment_b(feed: SocialFeed, w: World) -> str:
    feed.comments.delete(w["comment"], w["B"])
    return "ok"


def view_s_a(feed: SocialFeed, w: World) -> str:
    feed.stories.view(w["S"], w["A"])
    return "ok"


def delete_s(feed: SocialFeed, w: World) -> str:
    feed.stories.delete(w["S"], w["B"])
    return "ok"


def message_a_b(feed: SocialFeed, w: World) -> str:
    feed.messages.send(w["A"], w["B"], "hello from a")
    return "sent"


def message_b_a(feed: SocialFeed, w: World) -> str:
    feed.messages.send(w["B"], w["A"], "hello from b")
    return "sent"


def read_messages_b(feed: SocialFeed, w: World) -> str:
    return f"read {feed.messages.mark_read(w['B'], w['A'])}"


def read_notifications_b(feed: SocialFeed, w: World) -> str:
    return f"read {feed.notifications.mark_all_read(w['B'])}"


def mute_b_a(feed: SocialFeed, w: World) -> str:
    feed.mutes.mute(w["B"], w["A"])
    return "ok"


def unmute_b_a(feed: SocialFeed, w: World) -> str:
    feed.mutes.unmute(w["B"], w["A"])
    return "ok"


def mute_a_b(feed: SocialFeed, w: World) -> str:
    # Takes B's posts out of A's home feed, which the push strategy keeps in rows.
    feed.mutes.mute(w["A"], w["B"])
    return "ok"


def post_b(feed: SocialFeed, w: World) -> str:
    # Pushed into the timelines of B's followers, and indexed under B's hashtag.
    feed.posts.create(w["B"], content=NEW_CONTENT.format(p=prefix_of(w)))
    return "posted"


def rebuild_a(feed: SocialFeed, w: World) -> str:
    return f"rebuilt {feed.feed.rebuild_timeline(w['A'])}"


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


# --- The oracle ------------------------------------------------------------------------------


@frozen
class Oracle:
    """What the two serial orders of a pair leave, the world before either, and what to read.

    An outcome is the observation plus the two answers, under ``answer 1``
    (the pair's first action) and ``answer 2``, whichever ran first.
    ``aspects`` are the parts of the world a race of the pair is read for
    and compared on (see `serial_outcomes`).
    """

    in_order: Observation
    reversed: Observation
    before: Observation
    aspects: frozenset[str]

    @property
    def outcomes(self) -> tuple[Observation, Observation]:
        """The two serial outcomes, on the aspects a race is compared on."""
        return self.in_order_read, self.reversed_read

    @property
    def in_order_read(self) -> Observation:
        return self._read(self.in_order)

    @property
    def reversed_read(self) -> Observation:
        return self._read(self.reversed)

    @property
    def order_matters(self) -> bool:
        """Whether the two orders end differently, in answers or in the world."""
        return self.in_order != self.reversed

    @property
    def inert(self) -> bool:
        """Whether both orders leave the world as it was: the race has nothing to decide."""
        return all(_without_answers(o) == self.before for o in (self.in_order, self.reversed))

    def _read(self, outcome: Observation) -> Observation:
        return {k: v for k, v in outcome.items() if k.startswith("answer") or k in self.aspects}


def _without_answers(outcome: Observation) -> Observation:
    return {key: value for key, value in outcome.items() if not key.startswith("answer")}


def outcome_of(
    feed: SocialFeed,
    world: World,
    answers: tuple[str, str],
    aspects: frozenset[str] | None = None,
) -> Observation:
    """The answers of the pair's first and second action, and the world after both."""
    return {"answer 1": answers[0], "answer 2": answers[1], **observe(feed, world, aspects)}


def _changed(before: Observation, *after: Observation) -> set[str]:
    return {
        key
        for outcome in after
        for key in set(before) | set(outcome)
        if not key.startswith("answer") and outcome.get(key) != before.get(key)
    }


@functools.cache
def footprint(name: str) -> frozenset[str]:
    """The aspects an action changes when it runs alone, in any variant."""
    changed: set[str] = set()
    for variant in VARIANTS:
        with race_feed(MemoryStorage()) as feed:
            world = build_world(feed, variant, 0)
            before = observe(feed, world)
            run_action(feed, name, world)
            changed |= _changed(before, observe(feed, world))
    return frozenset(changed)


def _serial(pair: tuple[str, str], variant: str, reverse: bool) -> tuple[Observation, Observation]:
    with race_feed(MemoryStorage()) as feed:
        world = build_world(feed, variant, 0)
        before = observe(feed, world)
        answers = {}
        for slot in (1, 0) if reverse else (0, 1):
            answers[slot] = run_action(feed, pair[slot], world)
        return outcome_of(feed, world, (answers[0], answers[1])), before


# Memory is deterministic and every observation is id- and time-free, so the
# two replays of one combination serve every round of it.
@functools.cache
def serial_outcomes(pair: tuple[str, str], variant: str) -> Oracle:
    """Replay the variant's world and the pair on fresh memory storages, in both orders.

    A race of the pair is read for what either action changes alone in any
    variant, what either order of the two changes here, and the profiles
    (`reads_for`): everything the two can affect. Reading the whole world
    every round would cost four times as long, for aspects that neither
    action ever touches.
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}")
    in_order, before = _serial(pair, variant, reverse=False)
    reversed_order, _ = _serial(pair, variant, reverse=True)
    touched = footprint(pair[0]) | footprint(pair[1]) | _changed(before, in_order, reversed_order)
    return Oracle(
        in_order=in_order, reversed=reversed_order, before=before, aspects=reads_for(touched)
    )


Step = tuple[str, int]
"""One step of a history: ``("act", i)`` commits action i, ``("react", i)`` runs its handlers."""

DEFERRED_HISTORIES: tuple[tuple[Step, ...], ...] = (
    (("act", 0), ("act", 1), ("react", 0), ("react", 1)),
    (("act", 0), ("act", 1), ("react", 1), ("react", 0)),
    (("act", 1), ("act", 0), ("react", 0), ("react", 1)),
    (("act", 1), ("act", 0), ("react", 1), ("react", 0)),
)
"""The serial histories in which a handler runs after the other action committed.

The handlers run after their action committed, in transactions of their own
(see the handlers page of the docs), so when two actions race, the second
can commit between the first and its handlers: a comment, then a block, then
the comment's notification, which the block now stops. Such a history is
as serial as the two plain orders; these are the four besides them.
"""


@functools.cache
def deferred_outcomes(pair: tuple[str, str], variant: str) -> tuple[Observation, ...]:
    """The outcomes of `DEFERRED_HISTORIES`, replayed on memory, on the pair's aspects.

    Worked out only for a race that matched neither plain order, which is rare.
    """
    aspects = serial_outcomes(pair, variant).aspects
    return tuple(_history(pair, variant, steps, aspects) for steps in DEFERRED_HISTORIES)


def _history(
    pair: tuple[str, str], variant: str, steps: tuple[Step, ...], aspects: frozenset[str]
) -> Observation:
    storage = MemoryStorage()
    # Two facades on one storage: the actions run on the bare one, whose
    # events are held back, and the held events go to the handlers of the
    # other when the history says so.
    bare = SocialFeed(storage, settings=SETTINGS, password_hasher=PasswordHasher.minimum())
    with race_feed(storage) as handled:
        world = build_world(handled, variant, 0)
        held: dict[int, list[Event]] = {0: [], 1: []}
        answers: dict[int, str] = {}
        for kind, slot in steps:
            if kind == "act":
                with holding_events(bare, held[slot]):
                    answers[slot] = run_action(bare, pair[slot], world)
            else:
                for event in held[slot]:
                    signals.signal_for(type(event)).send(handled, event=event)
        return outcome_of(handled, world, (answers[0], answers[1]), aspects)


@contextmanager
def holding_events(feed: SocialFeed, held: list[Event]) -> Iterator[None]:
    """Append every event ``feed`` sends meanwhile to ``held``."""

    def hold(_: object, *, event: Event) -> None:
        held.append(event)

    for signal in signals.ALL_SIGNALS:
        signal.connect(hold, sender=feed)
    try:
        yield
    finally:
        for signal in signals.ALL_SIGNALS:
            signal.disconnect(hold, sender=feed)


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
                    feed.follows.is_following(world["A"], world["B"])
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
