"""The serial oracle of the pair races: what each pair leaves when its actions take turns.

`serial_outcomes` replays a variant's world and a pair of catalogue actions
(`tests.reliability.pair_races`) on a fresh `MemoryStorage`, in both orders,
with the same settings and handlers as the races. It also says whether the
pair can change anything there at all (`Oracle.inert`), whether the order
matters (`Oracle.order_matters`), and which aspects of the world a race of
the pair must be read for (`Oracle.aspects`).

The handlers run after their action, in transactions of their own, so a
race can commit the other action between one action and its handlers. No
extra history is needed for that: what the handlers leave does not depend
on when they run (tests/reliability/test_handler_schedules.py), so such a
history ends as one of the two plain orders.
"""

from __future__ import annotations

import functools

from attrs import frozen

from socialfeed import SocialFeed
from socialfeed.storage import MemoryStorage
from tests.reliability.pair_races import race_feed, run_action
from tests.reliability.pair_world import (
    VARIANTS,
    Observation,
    World,
    build_world,
    observe,
    reads_for,
)

__all__ = [
    "Oracle",
    "footprint",
    "outcome_of",
    "serial_outcomes",
]


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
