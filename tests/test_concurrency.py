"""Races on the SQL backends: uniqueness and counters hold when 16 threads act at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import pytest
from sqlalchemy import ColumnElement, Table, func, select

from socialfeed import (
    AlreadyFollowingError,
    ConflictError,
    LikeState,
    ManualClock,
    Settings,
    SocialFeed,
)
from socialfeed.events import PostLiked, PostUnliked, UserFollowed, UserRegistered
from socialfeed.storage import SQLStorage, Storage
from socialfeed.storage.sql.schema import likes, users
from tests.conftest import HASHER
from tests.support import EventRecorder

THREADS = 16
T = TypeVar("T")


@pytest.fixture
def feed(sql_storage: Storage, clock: ManualClock) -> SocialFeed:
    """A facade on a real SQL database: these races are decided by its constraints."""
    return SocialFeed(
        sql_storage,
        settings=Settings(raise_receiver_errors=True),
        clock=clock,
        password_hasher=HASHER,
    )


def run_together(action: Callable[[int], T]) -> list[T | Exception]:
    """Run ``action(i)`` for each thread ``i``, all released at once; return each outcome."""
    barrier = threading.Barrier(THREADS)
    outcomes: dict[int, T | Exception] = {}

    def run(index: int) -> None:
        barrier.wait()
        try:
            outcomes[index] = action(index)
        except Exception as error:
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [outcomes[index] for index in range(THREADS)]


def count_rows(feed: SocialFeed, table: Table, *conditions: ColumnElement[bool]) -> int:
    """Count the rows of a table straight from the database, past every service."""
    storage = feed.storage
    assert isinstance(storage, SQLStorage)
    query = select(func.count()).select_from(table).where(*conditions)
    with storage.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def test_same_user_liking_one_post_at_once_makes_one_like(
    feed: SocialFeed, events: EventRecorder
) -> None:
    """Sixteen simultaneous likes by one user leave one like, a count of 1 and one PostLiked."""
    author = feed.accounts.create_profile("author")
    fan = feed.accounts.create_profile("fan")
    post = feed.posts.create(author.id, content="race me")
    events.clear()

    outcomes = run_together(lambda _: feed.likes.like(fan.id, post.id))

    assert all(isinstance(outcome, LikeState) and outcome.liked for outcome in outcomes)
    assert feed.posts.get(post.id).like_count == 1
    assert count_rows(feed, likes, likes.c.post_id == post.id) == 1
    event = events.only(PostLiked)
    assert (event.user_id, event.post_id, event.post_author_id) == (fan.id, post.id, author.id)
    # A lost race answers like the ordinary "already liked" case: the current count.
    assert outcomes == [LikeState(liked=True, like_count=1)] * THREADS


def test_different_users_liking_one_post_at_once_are_all_counted(
    feed: SocialFeed, events: EventRecorder
) -> None:
    """Sixteen users liking one post at once give sixteen likes, each counted exactly once."""
    author = feed.accounts.create_profile("author")
    fans = [feed.accounts.create_profile(f"fan{index}") for index in range(THREADS)]
    post = feed.posts.create(author.id, content="popular")
    events.clear()

    outcomes = run_together(lambda index: feed.likes.like(fans[index].id, post.id))

    assert all(isinstance(outcome, LikeState) and outcome.liked for outcome in outcomes)
    counts = sorted(outcome.like_count for outcome in outcomes if isinstance(outcome, LikeState))
    assert counts == list(range(1, THREADS + 1))
    assert feed.posts.get(post.id).like_count == THREADS
    assert count_rows(feed, likes, likes.c.post_id == post.id) == THREADS
    liked = events.of_type(PostLiked)
    assert sorted(event.user_id for event in liked) == sorted(fan.id for fan in fans)


def test_toggling_likes_an_even_number_of_times_at_once_ends_at_zero(
    feed: SocialFeed, events: EventRecorder
) -> None:
    """Sixteen users each toggling a like four times at once leave no like and a count of 0."""
    author = feed.accounts.create_profile("author")
    fans = [feed.accounts.create_profile(f"fan{index}") for index in range(THREADS)]
    post = feed.posts.create(author.id, content="toggle me")
    events.clear()

    def toggle_four_times(index: int) -> list[LikeState]:
        return [feed.likes.toggle(fans[index].id, post.id) for _ in range(4)]

    outcomes = run_together(toggle_four_times)

    for outcome in outcomes:
        assert isinstance(outcome, list)
        assert [state.liked for state in outcome] == [True, False, True, False]
    assert feed.posts.get(post.id).like_count == 0
    assert count_rows(feed, likes, likes.c.post_id == post.id) == 0
    assert len(events.of_type(PostLiked)) == len(events.of_type(PostUnliked)) == 2 * THREADS


def test_same_follow_at_once_makes_one_follow(feed: SocialFeed, events: EventRecorder) -> None:
    """Sixteen simultaneous identical follows make one follow; the others are AlreadyFollowing."""
    follower = feed.accounts.create_profile("follower")
    followee = feed.accounts.create_profile("followee")
    events.clear()

    outcomes = run_together(lambda _: feed.follows.follow(follower.id, followee.id))

    assert outcomes.count("following") == 1
    losers = [outcome for outcome in outcomes if outcome != "following"]
    assert [type(outcome) for outcome in losers] == [AlreadyFollowingError] * (THREADS - 1)
    assert feed.users.get(follower.id).following_count == 1
    assert feed.users.get(followee.id).follower_count == 1
    assert feed.follows.is_following(follower.id, followee.id)
    event = events.only(UserFollowed)
    assert (event.follower_id, event.followee_id) == (follower.id, followee.id)


def test_different_followers_at_once_are_all_counted(
    feed: SocialFeed, events: EventRecorder
) -> None:
    """Sixteen users following one user at once give a follower count of 16."""
    followee = feed.accounts.create_profile("star")
    followers = [feed.accounts.create_profile(f"fan{index}") for index in range(THREADS)]
    events.clear()

    outcomes = run_together(lambda index: feed.follows.follow(followers[index].id, followee.id))

    assert outcomes == ["following"] * THREADS
    assert feed.users.get(followee.id).follower_count == THREADS
    assert [feed.users.get(f.id).following_count for f in followers] == [1] * THREADS
    assert len(feed.users.followers(followee.id, limit=100).items) == THREADS
    assert len(events.of_type(UserFollowed)) == THREADS


def test_same_username_registered_at_once_makes_one_user(
    feed: SocialFeed, events: EventRecorder
) -> None:
    """Sixteen registrations of one username at once make one user; the rest are conflicts."""
    outcomes = run_together(
        lambda index: feed.accounts.register("alice", f"alice{index}@example.com", "password1")
    )

    winners = [outcome for outcome in outcomes if not isinstance(outcome, Exception)]
    losers = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert len(winners) == 1
    assert [type(error) for error in losers] == [ConflictError] * (THREADS - 1)
    assert all(isinstance(e, ConflictError) and e.field == "username" for e in losers)
    assert feed.users.get_by_username("alice") == winners[0]
    assert count_rows(feed, users) == 1
    assert events.only(UserRegistered).user_id == winners[0].id
