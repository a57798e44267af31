"""A bounded load run on PostgreSQL: worker processes, mixed actions, handlers connected.

Each worker acts only as the users it owns, so what they end up liking,
following, commenting and sending is known exactly and compared with the
database row for row. The run prints one summary line (and records it as
test properties) so that CI output shows the throughput.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from socialfeed import ManualClock, SocialFeed
from socialfeed.storage import SQLStorage
from socialfeed.storage.sql.schema import comments, follows, likes, messages, notifications, posts
from tests.conftest import HASHER, POSTGRESQL_URL, make_storage
from tests.reliability import workers
from tests.support import SCALE

pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.skipif(not POSTGRESQL_URL, reason="needs SOCIALFEED_TEST_POSTGRESQL_URL"),
]

WORKERS = 8
SECONDS = 60.0 * SCALE
USERS = 48
POSTS = 48


def scalar(feed: SocialFeed, query: Any) -> int:
    """Run a one-number query straight on the database."""
    assert isinstance(feed.storage, SQLStorage)
    with feed.storage.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def pairs(feed: SocialFeed, *columns: Any) -> set[tuple[int, int]]:
    """Return the rows of two columns, straight from the database."""
    assert isinstance(feed.storage, SQLStorage)
    with feed.storage.engine.connect() as conn:
        return {(row[0], row[1]) for row in conn.execute(select(*columns))}


def test_eight_workers_of_mixed_actions_lose_nothing(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    record_property: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Eight processes of mixed actions for a minute: no error, every row and counter exact."""
    storage = make_storage("postgresql", request, tmp_path)
    feed = SocialFeed(storage, clock=ManualClock(), password_hasher=HASHER)
    user_ids = [feed.accounts.create_profile(f"member{n}").id for n in range(USERS)]
    post_ids = [
        feed.posts.create(user_ids[n % USERS], content=f"seed {n} #seed").id for n in range(POSTS)
    ]
    ids = {"users": user_ids, "posts": post_ids}
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue[dict[str, Any]] = context.Queue()
    assert isinstance(storage, SQLStorage)
    url = storage.engine.url.render_as_string(hide_password=False)
    processes = [
        context.Process(
            target=workers.run_load_process, args=(url, index, WORKERS, ids, SECONDS, results)
        )
        for index in range(WORKERS)
    ]

    started = time.monotonic()
    for process in processes:
        process.start()
    summaries = [results.get(timeout=SECONDS + 180) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    elapsed = time.monotonic() - started

    assert [s.get("crashed") for s in summaries] == [None] * WORKERS
    assert [process.exitcode for process in processes] == [0] * WORKERS
    operations: Counter[str] = Counter()
    for summary in summaries:
        operations.update(summary["operations"])
    errors = [error for s in summaries for error in s["errors"]]
    mismatches = [m for s in summaries for m in s["mismatches"]]
    total = operations.total()
    throughput = total / elapsed
    record_property("load_workers", WORKERS)
    record_property("load_operations", total)
    record_property("load_errors", len(errors))
    record_property("load_operations_per_second", round(throughput, 1))
    with capsys.disabled():
        print(
            f"\nload: {WORKERS} workers, {elapsed:.1f} s, {total} operations,"
            f" {throughput:.0f} operations/s, {len(errors)} errors, {len(mismatches)} mismatches;"
            f" {dict(sorted(operations.items()))}"
        )

    assert errors == []
    assert mismatches == []
    assert min(operations.values()) > 0, operations
    assert pairs(feed, likes.c.user_id, likes.c.post_id) == {
        tuple(pair) for s in summaries for pair in s["liked"]
    }
    assert pairs(feed, follows.c.follower_id, follows.c.followee_id) == {
        tuple(pair) for s in summaries for pair in s["follows"]
    }
    created = sum(s["created_posts"] for s in summaries)
    assert scalar(feed, select(func.count()).select_from(posts)) == POSTS + created
    assert scalar(feed, select(func.count()).select_from(comments)) == sum(
        s["comments"] for s in summaries
    )
    assert scalar(feed, select(func.count()).select_from(messages)) == sum(
        s["messages"] for s in summaries
    )
    # Only a user's own worker marks their notifications read, so each
    # notification was either counted read once or is still unread.
    stored = scalar(feed, select(func.count()).select_from(notifications))
    unread = scalar(
        feed, select(func.count()).select_from(notifications).where(~notifications.c.is_read)
    )
    assert stored > 0
    assert sum(s["notifications_read"] for s in summaries) + unread == stored
    assert feed.maintenance.reconcile_counters() == 0
