"""Push and hybrid feeds: precomputed timelines give the pull feed's results on every backend."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import Engine, event

from socialfeed import (
    ManualClock,
    NotFoundError,
    Settings,
    SocialFeed,
    SocialFeedError,
)
from socialfeed.ids import PostId, UserId
from socialfeed.models import MAX_ID, FeedItem, Post, User
from socialfeed.services import maintenance
from socialfeed.settings import FeedStrategy
from socialfeed.storage import SQLStorage, Storage
from socialfeed.storage.base import PulledPosts, TimelineEntry
from socialfeed.timelines import TimelineStore
from tests.conftest import HASHER
from tests.support import SCALE, EventRecorder, counted_statements, dump, unchanged
from tests.test_feed import (  # noqa: F401  (run again here, on the push and hybrid feeds)
    test_cursor_pages_are_stable_when_posts_arrive_between_requests,
    test_cursor_stays_valid_after_its_post_is_deleted,
    test_feed_has_own_and_followees_posts_newest_first,
    test_feed_items_carry_author_counters_and_viewer_like,
    test_feed_of_unknown_user_raises_not_found,
    test_limit_bounds_are_accepted,
    test_offset_skips_the_newest_items,
    test_unfollowed_users_posts_leave_the_feed,
    users,
)

if TYPE_CHECKING:
    import redis

Walk = list[tuple[int, str | None, int, int, bool]]


@pytest.fixture(params=["database", "redis"])
def timeline_store(request: pytest.FixtureRequest) -> TimelineStore | None:
    """Where the timelines live: in the database (no store), or in Redis under the test's prefix."""
    if request.param == "database":
        return None
    from socialfeed.redis.timelines import RedisTimelines

    client: redis.Redis = request.getfixturevalue("redis_client")
    return RedisTimelines(client, prefix=request.getfixturevalue("redis_prefix"))


@pytest.fixture(params=["push", "hybrid"])
def feed(
    storage: Storage,
    clock: ManualClock,
    timeline_store: TimelineStore | None,
    request: pytest.FixtureRequest,
) -> SocialFeed:
    """The ``feed`` of the home feed suite, with timelines: tests/test_feed.py runs again on it.

    Hybrid with a threshold of one pulls every followed author, so that its
    merge is what those tests exercise.
    """
    strategy: FeedStrategy = request.param
    return facade(storage, clock, strategy, timeline_store, hybrid_threshold=1)


def facade(
    storage: Storage,
    clock: ManualClock,
    strategy: FeedStrategy,
    timeline_store: TimelineStore | None = None,
    **settings: Any,
) -> SocialFeed:
    """A facade with the given feed strategy and timeline store; receiver errors fail the test."""
    return SocialFeed(
        storage,
        settings=Settings(raise_receiver_errors=True, feed_strategy=strategy, **settings),
        clock=clock,
        password_hasher=HASHER,
        timeline_store=timeline_store,
    )


def walk(feed: SocialFeed, viewer_id: UserId, limit: int) -> Walk:
    """Return the whole feed of a viewer page by page, each item as the values it shows."""
    items: list[FeedItem] = []
    cursor: str | None = None
    while True:
        page = feed.feed.home(viewer_id, limit=limit, cursor=cursor)
        assert len(page.items) <= limit
        items.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return [
                (i.post.id, i.post.content, i.post.like_count, i.post.author_id, i.liked_by_viewer)
                for i in items
            ]


def ids(feed: SocialFeed, viewer: User) -> list[int]:
    """Return the post ids of the viewer's whole feed, newest first."""
    return [item[0] for item in walk(feed, viewer.id, 100)]


def timeline_size(storage: Storage) -> int:
    """Count the timeline entries of every user together."""
    tables = dump(storage)
    return len(tables["timeline_entries"])


class World:
    """A seeded random social graph, driven through a facade's public services."""

    def __init__(self, feed: SocialFeed, clock: ManualClock, seed: int, size: int) -> None:
        self.feed = feed
        self.clock = clock
        self.rng = random.Random(seed)
        self.users = [feed.accounts.create_profile(f"user{n}").id for n in range(size)]
        self.posts: list[int] = []
        self.done: Counter[str] = Counter()

    def step(self) -> None:
        """Take one random action; refused ones (already following, ...) must change nothing."""
        rng, feed = self.rng, self.feed
        a, b = rng.sample(self.users, 2)
        # Equal times happen: the feed's order then rests on the post id.
        self.clock.advance(timedelta(seconds=rng.choice([0, 1, 7, 60])))
        soon = self.clock.now() + timedelta(minutes=5)
        actions: dict[str, tuple[int, Callable[[], object]]] = {
            "post": (30, lambda: self.posts.append(feed.posts.create(a, content=f"{a} hi").id)),
            "follow": (25, lambda: feed.follows.follow(a, b)),
            "unfollow": (8, lambda: feed.follows.unfollow(a, *self._followee_of(a))),
            "approve": (6, lambda: feed.follow_requests.approve(a, UserId(self._requester_of(a)))),
            "block": (2, lambda: feed.blocks.block(a, b)),
            "unblock": (2, lambda: feed.blocks.unblock(a, b)),
            "mute": (3, lambda: feed.mutes.mute(a, b)),
            "mute for a while": (3, lambda: feed.mutes.mute(a, b, until=soon)),
            "unmute": (2, lambda: feed.mutes.unmute(a, b)),
            "go private": (2, lambda: feed.users.set_private(a, True)),
            "go public": (2, lambda: feed.users.set_private(a, False)),
            "like": (8, lambda: feed.likes.like(a, PostId(self._a_post()))),
            "edit": (3, lambda: feed.posts.edit(a, PostId(self._post_of(a)), "edited")),
            "delete post": (4, lambda: feed.posts.delete(a, PostId(self._post_of(a)))),
            "delete account": (1, lambda: self._delete_account(a)),
        }
        name = rng.choices(list(actions), [weight for weight, _ in actions.values()])[0]
        try:
            actions[name][1]()
        except SocialFeedError:
            return
        self.done[name] += 1

    def _a_post(self) -> int:
        return self.rng.choice(self.posts) if self.posts else MAX_ID

    def _post_of(self, user_id: UserId) -> int:
        theirs = self.feed.posts.by_author(user_id, viewer_id=user_id, limit=100).items
        return self.rng.choice(theirs).id if theirs else MAX_ID

    def _requester_of(self, user_id: UserId) -> int:
        asking = self.feed.follow_requests.incoming(user_id, limit=100).items
        return self.rng.choice(asking).id if asking else user_id

    def _followee_of(self, user_id: UserId) -> list[UserId]:
        following = self.feed.users.following(user_id, limit=100).items
        return [self.rng.choice(following).id] if following else [user_id]

    def _delete_account(self, user_id: UserId) -> None:
        if len(self.users) > 4:
            self.feed.accounts.delete(user_id)
            self.users.remove(user_id)
            self.users.append(self.feed.accounts.create_profile(f"new{user_id}").id)


def assert_same_feeds(pull: SocialFeed, other: SocialFeed, user_ids: list[UserId]) -> None:
    """Every user's feed is the same, page by page, read by pull and by the other strategy."""
    for user_id in user_ids:
        for limit in (3, 100):
            assert walk(other, UserId(user_id), limit) == walk(pull, user_id, limit), user_id
        offset_page = other.feed.home(UserId(user_id), limit=4, offset=2).items
        assert offset_page == pull.feed.home(UserId(user_id), limit=4, offset=2).items


@pytest.mark.parametrize("strategy", ["push", "hybrid"])
def test_every_strategy_gives_the_pull_feed_on_generated_data(
    storage: Storage,
    clock: ManualClock,
    strategy: FeedStrategy,
    timeline_store: TimelineStore | None,
) -> None:
    """On a random history of posts, follows, requests, blocks, mutes and deletions, feeds agree."""
    writer = facade(storage, clock, strategy, timeline_store, hybrid_threshold=3)
    pull = facade(storage, clock, "pull")
    world = World(writer, clock, seed=7, size=10)
    for _checkpoint in range(4 * SCALE):
        for _ in range(60):
            world.step()
        assert_same_feeds(pull, writer, world.users)
    # Every kind of action happened at least once.
    assert len(world.done) == 15, world.done
    if strategy == "hybrid":
        # Both kinds of authors occurred: pushed ones and pulled ones.
        counts = {writer.users.get(u).follower_count >= 3 for u in world.users}
        assert counts == {True, False}
    # A running mute ends later without touching any timeline.
    clock.advance(timedelta(minutes=10))
    assert_same_feeds(pull, writer, world.users)
    if timeline_store is not None:
        # A store replaces the database's timelines: not one row was written.
        assert timeline_size(storage) == 0


@pytest.mark.parametrize("strategy", ["push", "hybrid"])
def test_rebuild_gives_the_timeline_that_actions_built(
    storage: Storage,
    clock: ManualClock,
    strategy: FeedStrategy,
    timeline_store: TimelineStore | None,
) -> None:
    """Regenerating every timeline from the posts changes no feed that the hooks kept."""
    writer = facade(storage, clock, strategy, timeline_store, hybrid_threshold=3)
    world = World(writer, clock, seed=11, size=8)
    for _ in range(150):
        world.step()
    before = {user_id: walk(writer, user_id, 100) for user_id in world.users}
    for user_id in world.users:
        writer.feed.rebuild_timeline(user_id)
    assert {user_id: walk(writer, user_id, 100) for user_id in world.users} == before


def test_rebuild_fills_a_timeline_written_under_pull(storage: Storage, clock: ManualClock) -> None:
    """After switching from pull to push, a rebuild gives each timeline the newest posts."""
    pull = facade(storage, clock, "pull")
    alice, bob, carol = (pull.accounts.create_profile(n) for n in ("alice", "bob", "carol"))
    pull.follows.follow(alice.id, bob.id)
    pull.follows.follow(alice.id, carol.id)
    for n in range(4):
        clock.advance(timedelta(seconds=1))
        for author in (alice, bob, carol):
            pull.posts.create(author.id, content=f"{author.username} {n}")
    push = facade(storage, clock, "push", timeline_backfill=3)
    assert ids(push, alice) == []

    assert push.feed.rebuild_timeline(alice.id) == 9
    # The three newest of each of the three authors.
    assert ids(push, alice) == ids(pull, alice)[:9]


def test_rebuilding_every_timeline_switches_a_pull_storage(
    storage: Storage,
    clock: ManualClock,
    timeline_store: TimelineStore | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After a history written under pull, rebuilding all timelines gives everyone the pull feed."""
    monkeypatch.setattr(maintenance, "_REBUILD_BATCH", 3)  # several batches, one partial
    pull = facade(storage, clock, "pull")
    world = World(pull, clock, seed=3, size=8)
    for _ in range(120):
        world.step()
    assert timeline_size(storage) == 0
    for strategy in ("push", "hybrid"):
        switched = facade(storage, clock, strategy, timeline_store, hybrid_threshold=3)
        rebuilt = switched.maintenance.rebuild_timelines()
        # A store rebuilds only the timelines it holds: none before the first reads.
        assert rebuilt == (0 if timeline_store is not None and strategy == "push" else 8)
        assert_same_feeds(pull, switched, world.users)


def test_rebuild_of_an_unknown_user_is_not_found_and_changes_nothing(
    storage: Storage, clock: ManualClock, timeline_store: TimelineStore | None
) -> None:
    """Rebuilding the timeline of a user that does not exist (or cannot) is NotFoundError."""
    push = facade(storage, clock, "push", timeline_store)
    alice = push.accounts.create_profile("alice")
    push.posts.create(alice.id, content="hello")
    recorder = EventRecorder(push)
    recorder.connect()
    try:
        for user_id in (alice.id + 1, 0, -1, MAX_ID + 1):
            with unchanged(push, recorder), pytest.raises(NotFoundError):
                push.feed.rebuild_timeline(UserId(user_id))
    finally:
        recorder.disconnect()


def test_follow_backfills_only_the_newest_posts(
    storage: Storage, clock: ManualClock, timeline_store: TimelineStore | None
) -> None:
    """A follow copies the followee's newest posts, up to the backfill setting, and no more."""
    push = facade(storage, clock, "push", timeline_store, timeline_backfill=3)
    alice, bob = (push.accounts.create_profile(n) for n in ("alice", "bob"))
    # Alice reads her feed: a store builds her timeline now, not after the follow.
    assert ids(push, alice) == []
    bobs = []
    for n in range(5):
        clock.advance(timedelta(seconds=1))
        bobs.append(push.posts.create(bob.id, content=f"bob {n}").id)
    push.follows.follow(alice.id, bob.id)
    later = push.posts.create(bob.id, content="after the follow").id

    assert ids(push, alice) == [later, *bobs[:1:-1]]


def test_unfollow_and_block_take_posts_out_of_timelines(
    storage: Storage, clock: ManualClock
) -> None:
    """An unfollow purges one direction, a block both, and the rows really go."""
    push = facade(storage, clock, "push")
    alice, bob, carol = (push.accounts.create_profile(n) for n in ("alice", "bob", "carol"))
    push.follows.follow(alice.id, bob.id)
    push.follows.follow(bob.id, alice.id)
    push.follows.follow(carol.id, bob.id)
    mine = {user.id: push.posts.create(user.id, content="hi").id for user in (alice, bob, carol)}
    assert timeline_size(storage) == 3 + 3

    push.follows.unfollow(carol.id, bob.id)
    assert ids(push, carol) == [mine[carol.id]]
    assert timeline_size(storage) == 3 + 2

    push.blocks.block(alice.id, bob.id)
    assert ids(push, alice) == [mine[alice.id]]
    assert ids(push, bob) == [mine[bob.id]]
    assert timeline_size(storage) == 3


def test_deleted_posts_and_accounts_leave_no_entries(storage: Storage, clock: ManualClock) -> None:
    """Deleting a post or an account removes its timeline entries with it."""
    push = facade(storage, clock, "push")
    alice, bob, carol = (push.accounts.create_profile(n) for n in ("alice", "bob", "carol"))
    push.follows.follow(alice.id, bob.id)
    push.follows.follow(bob.id, carol.id)
    post = push.posts.create(bob.id, content="soon gone")
    kept = push.posts.create(bob.id, content="kept")
    push.posts.create(carol.id, content="carol's")
    assert timeline_size(storage) == 2 + 2 + 2

    push.posts.delete(bob.id, post.id)
    assert ids(push, alice) == [kept.id]
    assert timeline_size(storage) == 2 + 2

    push.accounts.delete(bob.id)
    assert ids(push, alice) == []
    # Only carol's own entry is left: bob's timeline and bob's posts went with him.
    assert timeline_size(storage) == 1


def test_approved_requests_backfill(
    storage: Storage, clock: ManualClock, timeline_store: TimelineStore | None
) -> None:
    """Approving a request, or going public, copies the owner's posts to the new follower."""
    push = facade(storage, clock, "push", timeline_store)
    owner, asker, other = (push.accounts.create_profile(n) for n in ("owner", "asker", "other"))
    push.users.set_private(owner.id, True)
    post = push.posts.create(owner.id, content="for followers")
    assert push.follows.follow(asker.id, owner.id) == "requested"
    assert push.follows.follow(other.id, owner.id) == "requested"
    assert ids(push, asker) == []
    assert ids(push, other) == []

    push.follow_requests.approve(owner.id, asker.id)
    assert ids(push, asker) == [post.id]
    push.users.set_private(owner.id, False)
    assert ids(push, other) == [post.id]


def test_mutes_apply_when_the_timeline_is_read(
    storage: Storage, clock: ManualClock, timeline_store: TimelineStore | None
) -> None:
    """A muted author leaves a push feed at once and comes back when the mute ends."""
    push = facade(storage, clock, "push", timeline_store)
    alice, bob = (push.accounts.create_profile(n) for n in ("alice", "bob"))
    push.follows.follow(alice.id, bob.id)
    post = push.posts.create(bob.id, content="hello")
    push.mutes.mute(alice.id, bob.id, until=clock.now() + timedelta(hours=1))
    assert ids(push, alice) == []
    clock.advance(timedelta(hours=2))
    assert ids(push, alice) == [post.id]


def test_hybrid_pulls_popular_authors_and_pushes_them_again_below_the_threshold(
    storage: Storage, clock: ManualClock
) -> None:
    """Crossing the threshold either way, an author's followers keep seeing every post once."""
    hybrid = facade(storage, clock, "hybrid", hybrid_threshold=2)
    star, fan, other = (hybrid.accounts.create_profile(n) for n in ("star", "fan", "other"))
    hybrid.follows.follow(fan.id, star.id)
    pushed = hybrid.posts.create(star.id, content="to one follower")
    assert timeline_size(storage) == 2  # star's own and fan's
    hybrid.follows.follow(other.id, star.id)
    pulled = hybrid.posts.create(star.id, content="to two followers")
    assert timeline_size(storage) == 3  # only star's own entry was added
    assert ids(hybrid, fan) == [pulled.id, pushed.id]
    assert ids(hybrid, other) == [pulled.id, pushed.id]
    assert ids(hybrid, star) == [pulled.id, pushed.id]

    hybrid.follows.unfollow(other.id, star.id)
    assert ids(hybrid, fan) == [pulled.id, pushed.id]
    assert ids(hybrid, other) == []
    assert timeline_size(storage) == 4  # fan got the post made while star was pulled


def test_hybrid_deleting_a_follower_pushes_the_author_again(
    storage: Storage, clock: ManualClock
) -> None:
    """A deleted account that takes an author below the threshold leaves no post unseen."""
    hybrid = facade(storage, clock, "hybrid", hybrid_threshold=2)
    star, fan, leaver = (hybrid.accounts.create_profile(n) for n in ("star", "fan", "leaver"))
    hybrid.follows.follow(fan.id, star.id)
    hybrid.follows.follow(leaver.id, star.id)
    pulled = hybrid.posts.create(star.id, content="pulled")
    hybrid.accounts.delete(leaver.id)
    assert hybrid.users.get(star.id).follower_count == 1
    # Read as pull would, without the pull branch: the entry must be in fan's timeline now.
    assert ids(hybrid, fan) == [pulled.id]
    assert timeline_size(storage) == 2


@pytest.mark.parametrize("strategy", ["push", "hybrid"])
def test_refused_actions_change_no_timeline(
    storage: Storage, clock: ManualClock, strategy: FeedStrategy
) -> None:
    """A follow, unfollow or post that fails leaves every timeline as it was."""
    feed = facade(storage, clock, strategy, hybrid_threshold=1)
    alice, bob = (feed.accounts.create_profile(n) for n in ("alice", "bob"))
    feed.follows.follow(alice.id, bob.id)
    feed.posts.create(bob.id, content="hello")
    recorder = EventRecorder(feed)
    recorder.connect()
    try:
        with unchanged(feed, recorder), pytest.raises(SocialFeedError):
            feed.follows.follow(alice.id, bob.id)
        with unchanged(feed, recorder), pytest.raises(SocialFeedError):
            feed.follows.unfollow(bob.id, alice.id)
        with unchanged(feed, recorder), pytest.raises(SocialFeedError):
            feed.posts.create(bob.id, content="x" * 3000)
        with unchanged(feed, recorder), pytest.raises(SocialFeedError):
            feed.posts.create(UserId(MAX_ID + 1), content="nobody")
    finally:
        recorder.disconnect()


@pytest.mark.parametrize("strategy", ["push", "hybrid"])
def test_the_largest_offset_reads_past_the_end(
    storage: Storage,
    clock: ManualClock,
    strategy: FeedStrategy,
    timeline_store: TimelineStore | None,
) -> None:
    """An offset as large as the largest id gives an empty page instead of an overflow."""
    feed = facade(storage, clock, strategy, timeline_store, hybrid_threshold=1)
    alice, bob = (feed.accounts.create_profile(n) for n in ("alice", "bob"))
    feed.follows.follow(alice.id, bob.id)
    feed.posts.create(alice.id, content="mine")
    feed.posts.create(bob.id, content="pulled in hybrid")

    page = feed.feed.home(alice.id, limit=100, offset=MAX_ID)

    assert page.items == ()
    assert page.next_cursor is None


def test_the_reads_of_a_timeline_store_on_every_backend(
    storage: Storage, clock: ManualClock
) -> None:
    """The entries, follower ids and feed items a store reads match the posts and follows."""
    pull = facade(storage, clock, "pull")
    me, bob, carol, dave = (pull.accounts.create_profile(n) for n in ("me", "bob", "carol", "d"))
    for followee in (bob, carol):
        pull.follows.follow(me.id, followee.id)
    pull.follows.follow(dave.id, bob.id)
    posts: dict[int, list[Post]] = {user.id: [] for user in (me, bob, carol, dave)}
    for n in range(12):
        author = (bob, carol, me, dave)[n % 4] if n < 8 else bob
        clock.advance(timedelta(seconds=n % 3))
        posts[author.id].insert(0, pull.posts.create(author.id, content=f"{n}"))
    pull.mutes.mute(me.id, carol.id)

    def entries(chosen: list[Post]) -> list[TimelineEntry]:
        ordered = sorted(chosen, key=lambda post: (post.created_at, post.id), reverse=True)
        return [TimelineEntry(post.id, post.author_id, post.created_at) for post in ordered]

    with storage.transaction(write=False) as uow:
        assert uow.timeline_sources.follower_ids(bob.id) == sorted([me.id, dave.id])
        assert uow.timeline_sources.newest_entries(bob.id, 3) == entries(posts[bob.id][:3])
        mine = [*posts[me.id], *posts[bob.id], *posts[carol.id]]
        # The whole, then capped per author (two of each), then cut to the newest three.
        assert uow.timeline_sources.rebuild_entries(me.id, 100, 50) == entries(mine)
        capped = [*posts[me.id][:2], *posts[bob.id][:2], *posts[carol.id][:2]]
        assert uow.timeline_sources.rebuild_entries(me.id, 2, 50) == entries(capped)
        assert uow.timeline_sources.rebuild_entries(me.id, 2, 3) == entries(capped)[:3]
        # Items: dave is not followed, carol is muted, and an unknown id is skipped.
        every = [post.id for chosen in posts.values() for post in chosen]
        items = uow.timeline_sources.feed_items(me.id, [*every, MAX_ID], clock.now(), None)
        assert [item.post.id for item in items] == ids(pull, me)
        # Hybrid: bob is pulled (by his count, then by name), his ids left out, his newest read.
        for pulled in (PulledPosts(2, (), None, 2), PulledPosts(100, (bob.id,), None, 2)):
            items = uow.timeline_sources.feed_items(me.id, every, clock.now(), pulled)
            expected = entries([*posts[me.id], *posts[bob.id][:2]])
            assert [item.post.id for item in items] == [entry.post_id for entry in expected]


def test_settings_refuse_an_unknown_strategy() -> None:
    """Only pull, push and hybrid are strategies, and the numbers must be positive."""
    with pytest.raises(ValueError, match="feed_strategy"):
        Settings(feed_strategy="fanout")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="hybrid_threshold"):
        Settings(hybrid_threshold=0)
    with pytest.raises(ValueError, match="timeline_backfill"):
        Settings(timeline_backfill=0)


# --- SQL: statements and plans -------------------------------------------------------------


@pytest.mark.parametrize("strategy", ["push", "hybrid"])
def test_a_timeline_page_is_a_fixed_number_of_statements(
    sql_storage: Storage, clock: ManualClock, strategy: FeedStrategy
) -> None:
    """Reading a page of 5 or of 50 runs one statement: the page itself."""
    feed = facade(sql_storage, clock, strategy, hybrid_threshold=3)
    me = feed.accounts.create_profile("me")
    for n in range(30):
        author = feed.accounts.create_profile(f"author{n}")
        feed.follows.follow(me.id, author.id)
        if n < 3:
            for fan in range(3):
                fan_id = feed.accounts.create_profile(f"fan{n}_{fan}").id
                feed.follows.follow(fan_id, author.id)  # pulled in hybrid
        feed.posts.create(author.id, content="a")
        feed.posts.create(author.id, content="b")
    counts = set()
    for limit in (5, 50):
        with counted_statements(sql_storage) as statements:
            page = feed.feed.home(me.id, limit=limit)
        assert len(page.items) == limit
        counts.add(len(statements))
    assert counts == {1}


def test_fan_out_is_one_statement_whatever_the_followers(
    sql_storage: Storage, clock: ManualClock
) -> None:
    """Posting under push runs one statement more than under pull, for 5 or 50 followers."""
    push = facade(sql_storage, clock, "push")
    pull = facade(sql_storage, clock, "pull")
    extra = set()
    for followers in (5, 50):
        author = push.accounts.create_profile(f"author{followers}")
        for n in range(followers):
            fan = push.accounts.create_profile(f"fan{followers}_{n}")
            push.follows.follow(fan.id, author.id)
        with counted_statements(sql_storage) as pushed:
            push.posts.create(author.id, content="hi")
        with counted_statements(sql_storage) as pulled:
            pull.posts.create(author.id, content="hi")
        extra.add(len(pushed) - len(pulled))
    assert extra == {1}
    assert timeline_size(sql_storage) == (5 + 1) + (50 + 1)


def _timeline_read(storage: SQLStorage, feed: SocialFeed, viewer_id: UserId) -> tuple[str, Any]:
    """Capture the statement and parameters that read a page of the viewer's timeline."""
    seen: list[tuple[str, Any]] = []

    def listener(_c: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "socialfeed_timeline_entries" in statement:
            seen.append((statement, parameters))

    event.listen(storage.engine, "before_cursor_execute", listener)
    try:
        feed.feed.home(viewer_id, limit=20)
    finally:
        event.remove(storage.engine, "before_cursor_execute", listener)
    assert len(seen) == 1
    return seen[0]


def _plan(engine: Engine, statement: str, parameters: Any) -> str:
    """The query plan of a statement, as text; PostgreSQL may not scan or sort the table."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            # On a test-sized table a scan is cheapest; forbid it and the sort, so
            # that the plan shows whether the index can serve the query in order.
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            conn.exec_driver_sql("SET LOCAL enable_sort = off")
            rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters).all()
            text = "\n".join(str(row[0]) for row in rows)
        else:
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            text = "\n".join(str(row[3]) for row in rows)
        conn.rollback()
    return text


@pytest.mark.parametrize("strategy", ["push", "hybrid"])
def test_the_timeline_read_walks_its_index(
    sql_storage: Storage, clock: ManualClock, strategy: FeedStrategy
) -> None:
    """The page read walks the (owner_id, created_at, post_id) index; push sorts nothing."""
    assert isinstance(sql_storage, SQLStorage)
    feed = facade(sql_storage, clock, strategy, hybrid_threshold=2)
    me, star = (feed.accounts.create_profile(n) for n in ("me", "star"))
    feed.follows.follow(me.id, star.id)
    for n in range(40):
        author = feed.accounts.create_profile(f"author{n}")
        feed.follows.follow(me.id, author.id)
        feed.follows.follow(author.id, star.id)
        feed.posts.create(author.id, content="a")
        feed.posts.create(star.id, content="s")
    statement, parameters = _timeline_read(sql_storage, feed, me.id)
    plan = _plan(sql_storage.engine, statement, parameters)

    index = "ix_socialfeed_timeline_entries_owner_id_created_at_post_id"
    assert index in plan, plan
    if sql_storage.engine.dialect.name == "postgresql":
        assert "Seq Scan on socialfeed_timeline_entries" not in plan, plan
    else:
        assert "SCAN socialfeed_timeline_entries" not in plan, plan
    if strategy == "push":
        # The index gives the order: nothing is sorted.
        assert "Sort" not in plan, plan
        assert "TEMP B-TREE" not in plan, plan
