"""Different actions racing each other must leave the same state as some order of them.

Every pair of catalogue actions (`tests.reliability.pair_races`), in every
starting variant of the world (`tests.reliability.pair_world`) where some
serial order of the two changes anything, is raced on SQLite and on
PostgreSQL: a fresh world per round, the two actions released at once, then
the world observed for what the pair can affect. After every round:

- the answers and the observation equal those of one of the two serial
  orders, replayed on memory (`tests.reliability.pair_oracle`). Handlers
  run after their action's commit, so the other action can commit between
  them; what the handlers leave does not depend on that, so no third
  history is accepted;
- ``reconcile_counters`` finds nothing to repair;
- no follow and no pending follow request stands between two users with a
  block between them, read straight from the tables.

Each test races the pairs whose first action is one catalogue action, so
that pytest-xdist can share them out, and reports every violation it found,
at once, with both serial outcomes' differences from the raced one.

Two runners. In threads: two threads sharing one facade, released by a
`threading.Barrier`. In processes: two long-lived spawned workers, each with a
facade of its own on the same database, released by a multiprocessing
barrier; they are started once per module and serve every test and backend.
To keep the module within its time, the processes race only the
combinations where the two orders end differently (404 of 2,234), where a
race has a winner to decide. Independent pairs can still interfere (two
edits of one post notify its mention twice), and the threads race them: their
transactions overlap on the database just as the processes' do.

`ROUNDS` per (pair, variant): 1 in threads and 1 in processes, which races
2,234 combinations in threads and 404 in processes on each backend.
``SOCIALFEED_RACE_ROUNDS`` sets both, ``SOCIALFEED_RACE_ROUNDS_THREADS`` and
``SOCIALFEED_RACE_ROUNDS_PROCESSES`` one each. Measured with two pytest-xdist
workers (``-n 2``) on a two-core machine that other work shared: the whole
module took 177 to 239 s over six runs, PostgreSQL alone 135 to 174 s and
SQLite alone about 62 s. On an otherwise idle machine a round costs about
75 ms on PostgreSQL and 30 ms on SQLite: building the world is half of it.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import and_, literal, or_, select, union_all
from sqlalchemy.orm import aliased

from socialfeed import SocialFeed
from socialfeed.ids import PostId, UserId
from socialfeed.storage import MemoryStorage, SQLStorage, Storage
from socialfeed.storage.sql.schema import blocks, follow_requests, follows, users
from tests.reliability import pair_races
from tests.reliability.pair_oracle import (
    Oracle,
    outcome_of,
    serial_outcomes,
)
from tests.reliability.pair_races import (
    CATALOGUE,
    REPAIRS,
    Answer,
    Command,
    pairs_starting_with,
    race_feed,
    recording_likes,
    run_action,
)
from tests.reliability.pair_world import VARIANTS, Observation, World, build_world, observe


def _rounds(runner: str, default: int) -> int:
    value = os.environ.get(f"SOCIALFEED_RACE_ROUNDS_{runner.upper()}") or os.environ.get(
        "SOCIALFEED_RACE_ROUNDS"
    )
    return int(value) if value else default


ROUNDS = {"threads": _rounds("threads", 1), "processes": _rounds("processes", 1)}
"""Rounds of each (pair, variant) per runner."""

TOGGLES = 10
TOGGLE_ROUNDS = {runner: 5 * rounds for runner, rounds in ROUNDS.items()}
"""Rounds of the ten simultaneous toggles per runner: cheap, so five times as many."""

# Spawned interpreters import SQLAlchemy afresh; on a loaded machine that is slow.
PROCESS_TIMEOUT = 240.0

# Every world of the run gets a number of its own, so its names are new to the database.
ROUND_NUMBERS = itertools.count(1)

Racer = Callable[[list[str], World], tuple[list[str], list[str]]]
"""Runs the named actions at once on a world; returns their answers and the like signals sent."""


class WorkerPool:
    """Long-lived spawned workers, each with its own facade, that run actions at one barrier."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.processes: list[multiprocessing.process.BaseProcess] = []

    def start(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.barrier = context.Barrier(self.size)
        self.answers: multiprocessing.Queue[Answer] = context.Queue()
        self.commands: list[multiprocessing.Queue[Command | None]] = [
            context.Queue() for _ in range(self.size)
        ]
        self.processes = [
            context.Process(
                target=pair_races.serve_actions,
                args=(index, self.commands[index], self.answers, self.barrier),
                daemon=True,
            )
            for index in range(self.size)
        ]
        for process in self.processes:
            process.start()

    def race(self, url: str, names: list[str], world: World) -> tuple[list[str], list[str]]:
        """Have worker ``i`` run ``names[i]`` on ``world``, all at once."""
        assert len(names) == self.size
        if not self.processes:
            self.start()
        for index, name in enumerate(names):
            self.commands[index].put((url, name, world))
        got = {}
        for _ in names:
            index, answer, sent = self.answers.get(timeout=PROCESS_TIMEOUT)
            got[index] = (answer, sent)
        if any(answer.startswith("crashed") for answer, _ in got.values()):
            self.barrier.reset()  # a crashed worker broke it for the next round
        answers = [got[index][0] for index in range(self.size)]
        return answers, [signal for index in range(self.size) for signal in got[index][1]]

    def close(self) -> None:
        for queue in self.commands if self.processes else []:
            queue.put(None)
        for process in self.processes:
            process.join(timeout=PROCESS_TIMEOUT)
            if process.is_alive():
                process.kill()


@pytest.fixture(scope="module")
def pair_workers() -> Iterator[WorkerPool]:
    """Two workers for the whole module, started by the first race that needs them."""
    pool = WorkerPool(2)
    yield pool
    pool.close()


@pytest.fixture(scope="module")
def toggle_workers() -> Iterator[WorkerPool]:
    """Ten workers for the toggle races, started by the first one."""
    pool = WorkerPool(TOGGLES)
    yield pool
    pool.close()


def race_in_threads(
    feed: SocialFeed, names: list[str], world: World
) -> tuple[list[str], list[str]]:
    """Run ``names`` in as many threads sharing ``feed``, released at once."""
    barrier = threading.Barrier(len(names))
    answers: dict[int, str] = {}
    sent: list[str] = []

    def run(index: int, name: str) -> None:
        try:
            barrier.wait(timeout=pair_races.BARRIER_TIMEOUT)
            answers[index] = run_action(feed, name, world)
        except BaseException as error:
            barrier.abort()
            answers[index] = f"crashed {type(error).__name__}: {error}"

    threads = [threading.Thread(target=run, args=item) for item in enumerate(names)]
    with recording_likes(feed, sent):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return [answers[index] for index in range(len(names))], sent


def url_of(storage: Storage) -> str:
    """The URL a worker connects to: the same SQLite file or PostgreSQL database."""
    assert isinstance(storage, SQLStorage)
    return storage.engine.url.render_as_string(hide_password=False)


@pytest.fixture
def feed(sql_storage: Storage) -> Iterator[SocialFeed]:
    """The facade that builds and observes each world; the threads race on it too."""
    with race_feed(sql_storage) as feed:
        yield feed


@pytest.fixture(params=["threads", "processes"])
def runner(request: pytest.FixtureRequest) -> str:
    """Race in threads of one process, or in separate spawned processes."""
    return str(request.param)


def racer_for(runner: str, feed: SocialFeed, pool: WorkerPool) -> Racer:
    """Race on ``feed`` in threads, or in ``pool``'s workers on the same database."""
    if runner == "threads":
        return lambda names, world: race_in_threads(feed, names, world)
    url = url_of(feed.storage)
    return lambda names, world: pool.race(url, names, world)


# --- Invariants --------------------------------------------------------------------------------


def differences(serial: Observation, found: Observation) -> list[str]:
    """One line per aspect where the raced outcome differs from a serial one."""
    return [
        f"    {key}: serial {serial.get(key)!r}, raced {found.get(key)!r}"
        for key in sorted(set(serial) | set(found))
        if serial.get(key) != found.get(key)
    ]


def mismatch(pair: tuple[str, str], oracle: Oracle, found: Observation) -> list[str]:
    """Why an outcome is neither serial order's, against each of them."""
    first, second = pair
    return [
        f"  differs from {first} then {second}:",
        *differences(oracle.in_order_read, found),
        f"  differs from {second} then {first}:",
        *differences(oracle.reversed_read, found),
    ]


def across_blocks(storage: Storage) -> set[str]:
    """Every follow and pending follow request between two users with a block between them."""
    assert isinstance(storage, SQLStorage)
    edges = union_all(
        select(follows.c.follower_id, follows.c.followee_id, literal("follows")),
        select(
            follow_requests.c.requester_id, follow_requests.c.owner_id, literal("asks to follow")
        ),
    ).subquery()
    one, other, kind = edges.c
    between = or_(
        and_(blocks.c.blocker_id == one, blocks.c.blocked_id == other),
        and_(blocks.c.blocker_id == other, blocks.c.blocked_id == one),
    )
    a, b = aliased(users), aliased(users)
    query = (
        select(a.c.username, kind, b.c.username)
        .select_from(edges)
        .join(blocks, between)
        .join(a, a.c.id == one)
        .join(b, b.c.id == other)
    )
    with storage.engine.connect() as conn:
        return {f"{x} {verb} {y} across a block" for x, verb, y in conn.execute(query)}


# --- The pair races --------------------------------------------------------------------------


def database_problems(feed: SocialFeed, seen_across: set[str]) -> list[str]:
    """The whole database's invariants: no counter to repair, nothing new across a block."""
    problems = []
    repaired = feed.maintenance.reconcile_counters()
    if repaired:
        problems.append(f"  reconcile_counters repaired {repaired} counter(s)")
    across = across_blocks(feed.storage) - seen_across
    seen_across |= across
    return problems + [f"  {edge}" for edge in sorted(across)]


@pytest.mark.parametrize("first", list(CATALOGUE))
def test_pair_races_end_as_one_serial_order(
    feed: SocialFeed, runner: str, first: str, pair_workers: WorkerPool
) -> None:
    """Racing ``first`` against each later catalogue action ends as one of their serial orders."""
    race = racer_for(runner, feed, pair_workers)
    violations: list[str] = []
    seen_across: set[str] = set()
    for pair in pairs_starting_with(first):
        for variant in VARIANTS:
            oracle = serial_outcomes(pair, variant)
            # In processes, only the pairs whose order matters: see the module docstring.
            if oracle.inert or (runner == "processes" and not oracle.order_matters):
                continue
            for round_index in range(ROUNDS[runner]):
                world = build_world(feed, variant, next(ROUND_NUMBERS))
                answers, _ = race(list(pair), world)
                found = outcome_of(feed, world, (answers[0], answers[1]), oracle.aspects)
                serial = found in oracle.outcomes
                # Checked every round, though it costs a tenth of one on PostgreSQL,
                # so that a drift is pinned on the round that made it.
                problems = [] if serial else mismatch(pair, oracle, found)
                problems += [f"  {a}" for a in answers if a.startswith(("untyped", "crashed"))]
                problems += database_problems(feed, seen_across)
                if problems:
                    label = f"{pair[0]} x {pair[1]} [{variant}] round {round_index + 1}:"
                    violations.append("\n".join([label, *problems]))
    assert not violations, f"{len(violations)} violation(s):\n" + "\n".join(violations)


# --- Ten toggles at once -----------------------------------------------------------------------


@pytest.fixture
def toggle_racer(feed: SocialFeed, runner: str, toggle_workers: WorkerPool) -> Racer:
    """The runner's way of running ten toggles at once."""
    return racer_for(runner, feed, toggle_workers)


def test_ten_simultaneous_toggles_answer_states_that_existed(
    feed: SocialFeed, runner: str, toggle_racer: Racer
) -> None:
    """Ten toggles of one like at once answer liked and unliked in turn, one signal each."""
    liked, unliked = math.ceil(TOGGLES / 2), TOGGLES // 2
    violations = []
    for round_index in range(TOGGLE_ROUNDS[runner]):
        world = build_world(feed, "strangers", next(ROUND_NUMBERS))
        answers, sent = toggle_racer(["toggle_a_p"] * TOGGLES, world)
        post = feed.posts.get(PostId(world["P"]))
        found = {
            "answers": Counter(answers),
            "signals": Counter(sent),
            "liked in the end": bool(feed.likes.liked_post_ids(UserId(world["A"]), [post.id])),
            "like count": post.like_count,
            "counters repaired": feed.maintenance.reconcile_counters(),
        }
        wanted = {
            "answers": Counter({"liked count=1": liked, "unliked count=0": unliked}),
            "signals": Counter({"post_liked": liked, "post_unliked": unliked}),
            "liked in the end": TOGGLES % 2 == 1,
            "like count": TOGGLES % 2,
            "counters repaired": 0,
        }
        if found != wanted:
            violations.append(f"round {round_index + 1}: {found}")
    assert not violations, "\n".join(violations)


# --- The oracle itself ---------------------------------------------------------------------------


def test_the_oracle_tells_apart_orders_that_matter() -> None:
    """Serial orders of a follow and a block differ, and an independent pair's do not."""
    follow_and_block = serial_outcomes(("follow_a_b", "block_b_a"), "strangers")
    message_and_like = serial_outcomes(("like_a_p", "message_a_b"), "strangers")
    unblock_twice = serial_outcomes(("unblock_b_a", "unblock_b_a"), "strangers")

    assert follow_and_block.in_order["B.followers"] == []
    assert follow_and_block.in_order["answer 1"] == "following"
    assert follow_and_block.reversed["answer 1"] == "NotFoundError"
    assert message_and_like.in_order == message_and_like.reversed
    assert not message_and_like.inert
    assert unblock_twice.inert


@pytest.mark.parametrize("name", list(CATALOGUE))
def test_every_action_but_the_repairs_changes_some_variant(name: str) -> None:
    """Each action but the repairs changes its world alone in some variant; its errors are typed."""
    changed = []
    for variant in VARIANTS:
        with race_feed(MemoryStorage()) as feed:
            world = build_world(feed, variant, 1)
            before = observe(feed, world)
            answer = run_action(feed, name, world)
            assert not answer.startswith("untyped"), (variant, answer)
            if observe(feed, world) != before:
                changed.append(variant)
    assert bool(changed) != (name in REPAIRS), changed
