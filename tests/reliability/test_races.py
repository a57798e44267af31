"""Threads and separate processes racing on the same rows of one SQLite file or PostgreSQL.

Each race runs twice: in threads sharing one facade, and in spawned processes
that each build their own facade on the same database. The end state must be
exact, and every call must return or raise one of the library's typed errors.
tests/test_concurrency.py covers the single-phase thread races; these add the
interleavings (like with unlike, follow with unfollow, add with delete) and
separate processes.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import ColumnElement, Select, func, select

from socialfeed import ManualClock, SocialFeed
from socialfeed.ids import UserId
from socialfeed.storage import SQLStorage, Storage
from socialfeed.storage.sql.schema import comments, follows, likes, notifications, stories, users
from tests.conftest import HASHER
from tests.reliability import workers
from tests.reliability.workers import COMMENTS_EACH, NOTIFYING_ROUNDS, Ids

THREADS = 8
PROCESSES = 4
# Spawned interpreters import SQLAlchemy afresh; on a loaded CI machine that is slow.
PROCESS_TIMEOUT = 240.0


@pytest.fixture
def feed(sql_storage: Storage, clock: ManualClock) -> SocialFeed:
    """The facade that sets each race up and checks its end, without handlers."""
    return SocialFeed(sql_storage, clock=clock, password_hasher=HASHER)


@pytest.fixture(params=["threads", "processes"])
def runner(request: pytest.FixtureRequest) -> str:
    """Race in threads of one process, or in separate spawned processes."""
    return str(request.param)


def url_of(feed: SocialFeed) -> str:
    """The URL a worker connects to: the same SQLite file or PostgreSQL database."""
    assert isinstance(feed.storage, SQLStorage)
    return feed.storage.engine.url.render_as_string(hide_password=False)


def race(feed: SocialFeed, runner: str, scenario: str, ids: Ids) -> list[list[str]]:
    """Run a scenario of `workers` in every worker at once; return each worker's outcomes."""
    if runner == "threads":
        return in_threads(url_of(feed), scenario, ids)
    return in_processes(url_of(feed), scenario, ids)


def in_threads(url: str, scenario: str, ids: Ids) -> list[list[str]]:
    """Run the scenario in THREADS threads sharing one facade with handlers connected."""
    shared = workers.open_feed(url, handlers=True)
    barrier = threading.Barrier(THREADS)
    outcomes: dict[int, list[str]] = {}

    def run(index: int) -> None:
        try:
            outcomes[index] = workers.SCENARIOS[scenario](shared, index, ids, barrier)
        except BaseException as error:
            barrier.abort()
            outcomes[index] = [f"crashed {type(error).__name__}: {error}"]

    threads = [threading.Thread(target=run, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    shared.close()
    return [outcomes[index] for index in range(THREADS)]


def in_processes(url: str, scenario: str, ids: Ids) -> list[list[str]]:
    """Run the scenario in PROCESSES spawned processes, each with its own facade."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    results: multiprocessing.Queue[tuple[int, list[str]]] = context.Queue()
    processes = [
        context.Process(
            target=workers.run_scenario_process,
            args=(url, scenario, index, ids, barrier, results),
        )
        for index in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    try:
        outcomes = dict(results.get(timeout=PROCESS_TIMEOUT) for _ in processes)
    finally:
        for process in processes:
            process.join(timeout=PROCESS_TIMEOUT)
            if process.is_alive():
                process.kill()
    assert [process.exitcode for process in processes] == [0] * PROCESSES
    return [outcomes[index] for index in range(PROCESSES)]


def count(feed: SocialFeed, query: Select[Any]) -> int:
    """Run a count query straight on the database, past every service."""
    assert isinstance(feed.storage, SQLStorage)
    with feed.storage.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def rows(feed: SocialFeed, *columns: ColumnElement[int]) -> set[tuple[int, ...]]:
    """Return the distinct rows of the given columns, straight from the database."""
    assert isinstance(feed.storage, SQLStorage)
    with feed.storage.engine.connect() as conn:
        return {tuple(row) for row in conn.execute(select(*columns))}


def profiles(feed: SocialFeed, prefix: str, number: int) -> list[int]:
    """Create ``number`` users and return their ids."""
    return [feed.accounts.create_profile(f"{prefix}{index}").id for index in range(number)]


def test_likes_and_unlikes_interleaved_end_exact(feed: SocialFeed, runner: str) -> None:
    """Random likes, unlikes and toggles, then a final set at once, leave exactly that set."""
    author = feed.accounts.create_profile("author")
    fans = profiles(feed, "fan", 8)
    post = feed.posts.create(author.id, content="contested").id

    outcomes = race(feed, runner, "like_and_unlike", {"users": fans, "post": [post]})

    assert Counter(o for worker in outcomes for o in worker) == {"ok": len(outcomes) * 32}
    assert rows(feed, likes.c.user_id, likes.c.post_id) == {(fan, post) for fan in fans[:4]}
    assert feed.posts.get(post).like_count == 4
    assert feed.maintenance.reconcile_counters() == 0


def test_follows_and_unfollows_interleaved_end_exact(feed: SocialFeed, runner: str) -> None:
    """Random follows and unfollows, then a final set at once, leave that set and exact counts."""
    people = profiles(feed, "user", 5)

    outcomes = race(feed, runner, "follow_and_unfollow", {"users": people})

    answers = Counter(o for worker in outcomes for o in worker)
    assert set(answers) <= {"ok", "AlreadyFollowingError", "NotFollowingError"}, answers
    assert answers.total() == len(outcomes) * (24 + 20)
    wanted = {
        (people[a], people[b])
        for a in range(5)
        for b in range(5)
        if a != b and workers.wanted_follow(a, b)
    }
    assert rows(feed, follows.c.follower_id, follows.c.followee_id) == wanted
    for user in people:
        profile = feed.users.get(UserId(user))
        assert profile.following_count == sum(1 for a, _ in wanted if a == user)
        assert profile.follower_count == sum(1 for _, b in wanted if b == user)
    assert feed.maintenance.reconcile_counters() == 0


def test_one_username_and_one_email_registered_at_once_make_one_account_each(
    feed: SocialFeed, runner: str
) -> None:
    """A username (in any case) and an email raced by every worker each go to exactly one."""
    outcomes = race(feed, runner, "register_taken_names", {})

    by_name = Counter(worker[0] for worker in outcomes)
    by_email = Counter(worker[1] for worker in outcomes)
    assert by_name == {"ok": 1, "ConflictError:username": len(outcomes) - 1}
    assert by_email == {"ok": 1, "ConflictError:email": len(outcomes) - 1}
    assert count(feed, select(func.count()).select_from(users)) == 2
    assert feed.users.get_by_username("taken").email is not None


def test_comments_added_and_deleted_at_once_are_counted_exactly(
    feed: SocialFeed, runner: str
) -> None:
    """Comments added and deleted at once, then swept by every worker, are each deleted once."""
    author = feed.accounts.create_profile("author")
    commenters = profiles(feed, "commenter", 4)
    post = feed.posts.create(author.id, content="discuss").id
    ids: Ids = {"author": [author.id], "post": [post], "users": commenters}

    outcomes = race(feed, runner, "add_and_delete_comments", ids)

    answers = Counter(o for worker in outcomes for o in worker)
    added = len(outcomes) * COMMENTS_EACH
    assert answers["add ok"] == added
    assert answers["own ok"] == added // 2
    # Two workers deleting one comment: one deletes it, the other finds it gone.
    assert answers["sweep ok"] == added - added // 2
    assert set(answers) <= {"add ok", "own ok", "sweep ok", "sweep NotFoundError:comment"}
    assert count(feed, select(func.count()).select_from(comments)) == 0
    assert feed.posts.get(post).comment_count == 0
    assert feed.maintenance.reconcile_counters() == 0


def test_one_post_deleted_by_every_worker_at_once_is_deleted_once(
    feed: SocialFeed, runner: str
) -> None:
    """Deleting the same posts at once deletes each once; the other deletes find it gone."""
    author = feed.accounts.create_profile("author")
    fan = feed.accounts.create_profile("fan")
    post_ids = [feed.posts.create(author.id, content=f"#gone {n}").id for n in range(4)]
    for post in post_ids:
        feed.likes.like(fan.id, post)
        feed.comments.add(fan.id, post, "before the end")
    feed.hashtags.index_post(post_ids[0])

    outcomes = race(
        feed, runner, "delete_the_same_posts", {"author": [author.id], "posts": [*post_ids]}
    )

    answers = Counter(o for worker in outcomes for o in worker)
    assert answers == {"ok": 4, "NotFoundError:post": 4 * (len(outcomes) - 1)}
    assert feed.users.get(author.id).post_count == 0
    assert count(feed, select(func.count()).select_from(likes)) == 0
    assert feed.maintenance.reconcile_counters() == 0


def test_one_story_deleted_by_every_worker_at_once_is_deleted_once(
    feed: SocialFeed, runner: str
) -> None:
    """Deleting the same stories at once succeeds once per story (one StoryDeleted each)."""
    author = feed.accounts.create_profile("author")
    viewer = feed.accounts.create_profile("viewer")
    story_ids = [feed.stories.create(author.id, content=f"story {n}").id for n in range(4)]
    for story in story_ids:
        feed.stories.view(viewer.id, story)

    outcomes = race(
        feed, runner, "delete_the_same_stories", {"author": [author.id], "stories": [*story_ids]}
    )

    answers = Counter(o for worker in outcomes for o in worker)
    assert answers == {"ok": 4, "NotFoundError:story": 4 * (len(outcomes) - 1)}
    assert count(feed, select(func.count()).select_from(stories)) == 0


def test_read_all_while_notifications_arrive_reads_each_once(feed: SocialFeed, runner: str) -> None:
    """Every notification is marked read by exactly one mark_all_read, or is still unread."""
    author = feed.accounts.create_profile("author")
    fans = profiles(feed, "fan", 8)
    post = feed.posts.create(author.id, content="notify me").id
    ids: Ids = {"author": [author.id], "post": [post], "users": fans}

    outcomes = race(feed, runner, "read_all_while_notified", ids)

    answers = [o for worker in outcomes for o in worker]
    reads = [int(o.removeprefix("read ")) for o in answers if o.startswith("read ")]
    assert len(reads) == len(outcomes) * NOTIFYING_ROUNDS
    assert Counter(o for o in answers if not o.startswith("read ")) == {
        "ok": len(outcomes) * (1 + NOTIFYING_ROUNDS)
    }
    stored = count(
        feed,
        select(func.count())
        .select_from(notifications)
        .where(notifications.c.recipient_id == author.id),
    )
    assert stored == len(outcomes) * (1 + NOTIFYING_ROUNDS)
    assert sum(reads) + feed.notifications.unread_count(author.id) == stored
