"""Timelines in Redis: capped sorted sets, rebuilt when lost, checked against the database.

The comparison with the pull feed on random histories runs in
tests/test_timelines.py; these tests look at what Redis holds.
"""

from __future__ import annotations

import random
import socket
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from socialfeed import BrokerError, ManualClock, Settings, SocialFeed
from socialfeed.events import Event, PostCreated
from socialfeed.ids import PostId, UserId
from socialfeed.models import FeedItem
from socialfeed.pagination import PageRequest
from socialfeed.redis._timeline_scripts import ScriptName, register_scripts, script_source
from socialfeed.redis.timelines import RedisTimelines
from socialfeed.settings import FeedStrategy
from socialfeed.storage import Storage
from socialfeed.storage.base import UnitOfWork
from socialfeed.timelines import TimelineStore
from tests.conftest import HASHER, REDIS_URL
from tests.support import EventRecorder, counted_statements
from tests.test_timelines import World, assert_same_feeds, ids, timeline_size, walk


@pytest.fixture
def store(redis_client: redis.Redis, redis_prefix: str) -> RedisTimelines:
    """A Redis timeline store under the test's own prefix."""
    return RedisTimelines(redis_client, prefix=redis_prefix)


@pytest.fixture
def text_client(redis_prefix: str) -> Iterator[redis.Redis]:
    """A client of the test Redis server that decodes every reply to str."""
    assert REDIS_URL is not None
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    yield client
    client.close()


def facade(
    storage: Storage,
    clock: ManualClock,
    store: TimelineStore | None,
    strategy: FeedStrategy = "push",
    **settings: Any,
) -> SocialFeed:
    """A facade whose timelines live in ``store``; receiver errors fail the test."""
    return SocialFeed(
        storage,
        settings=Settings(raise_receiver_errors=True, feed_strategy=strategy, **settings),
        clock=clock,
        password_hasher=HASHER,
        timeline_store=store,
    )


def texts(reply: object) -> list[str]:
    """Return the members of a reply as text, whether the client decodes replies or not."""
    members = cast("list[bytes | str]", reply)
    return [member.decode() if isinstance(member, bytes) else member for member in members]


def held(store: RedisTimelines, user_id: UserId) -> list[int]:
    """Return the post ids the user's timeline holds in Redis, newest first."""
    members = store.client.zrevrangebyscore(store.timeline_key(user_id), "(+inf", "-inf")
    return [int(member.split(":")[0]) for member in texts(members)]


def markers(store: RedisTimelines, user_id: UserId) -> set[str]:
    """Return the markers of the user's timeline (built, pending, floor)."""
    return set(texts(store.client.zrangebyscore(store.timeline_key(user_id), "+inf", "+inf")))


def pulled(store: RedisTimelines) -> set[int]:
    """Return the authors the hybrid store marked as pulled."""
    members = texts(store.client.zrange(f"{store.prefix}pulled", 0, -1))
    return {int(member) for member in members if member != "marks"}


def redis_state(store: RedisTimelines) -> dict[str, Any]:
    """Return every timeline under the store's prefix with its members and scores."""
    client = store.client
    keys = sorted(client.scan_iter(match=f"{store.prefix}timeline:*"))
    state: dict[str, Any] = {key: client.zrange(key, 0, -1, withscores=True) for key in keys}
    state["pulled"] = pulled(store)
    return state


def forget_everything(store: RedisTimelines) -> None:
    """Delete every key under the store's prefix, as a Redis restarted without its data would."""
    keys = list(store.client.scan_iter(match=f"{store.prefix}*"))
    if keys:
        store.client.delete(*keys)


def closed_port() -> int:
    """Return a local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def unreachable(prefix: str) -> RedisTimelines:
    """A store whose client points at a closed port, and gives up at once."""
    client = redis.Redis(host="127.0.0.1", port=closed_port(), retry=Retry(NoBackoff(), 0))
    return RedisTimelines(client, prefix=prefix)


class Deferred:
    """A timeline store that keeps the events for the test to deliver, and reads through another."""

    def __init__(self, store: RedisTimelines) -> None:
        self.store = store
        self.events: list[Event] = []

    def apply(self, storage: Storage, settings: Settings, events: Sequence[Event]) -> None:
        self.events.extend(events)

    def home_feed(
        self,
        uow: UnitOfWork,
        settings: Settings,
        viewer_id: int,
        page: PageRequest,
        now: datetime,
    ) -> list[FeedItem]:
        return self.store.home_feed(uow, settings, viewer_id, page, now)

    def rebuild(self, storage: Storage, settings: Settings, owner_id: int) -> int:
        return self.store.rebuild(storage, settings, owner_id)

    def rebuild_all(self, storage: Storage, settings: Settings) -> int:
        return self.store.rebuild_all(storage, settings)


@contextmanager
def counted_round_trips(client: redis.Redis) -> Iterator[list[str]]:
    """Collect the round trips to Redis made through ``client`` inside the block.

    A command is one round trip, and so is a pipeline, whatever it holds.
    """
    trips: list[str] = []
    command: Callable[..., Any] = client.execute_command
    execute: Callable[..., Any] = redis.client.Pipeline.execute

    def counted_command(*args: Any, **options: Any) -> Any:
        trips.append(str(args[0]))
        return command(*args, **options)

    def counted_execute(pipe: redis.client.Pipeline, *args: Any, **options: Any) -> Any:
        if pipe.connection_pool is client.connection_pool and pipe.command_stack:
            trips.append(f"pipeline of {len(pipe.command_stack)}")
        return execute(pipe, *args, **options)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(client, "execute_command", counted_command)
        patch.setattr(redis.client.Pipeline, "execute", counted_execute)
        yield trips


def test_every_write_trims_the_timeline_to_its_capacity(
    storage: Storage, clock: ManualClock, redis_client: redis.Redis, redis_prefix: str
) -> None:
    """A timeline keeps its newest ``capacity`` entries, and marks where it cut."""
    store = RedisTimelines(redis_client, prefix=redis_prefix, capacity=3)
    push = facade(storage, clock, store)
    alice, bob = (push.accounts.create_profile(n) for n in ("alice", "bob"))
    push.follows.follow(alice.id, bob.id)
    assert ids(push, alice) == []  # builds alice's timeline
    posts = []
    for n in range(6):
        clock.advance(timedelta(seconds=1))
        posts.append(push.posts.create(bob.id, content=f"bob {n}").id)
        assert held(store, alice.id) == posts[::-1][:3]

    floors = {marker for marker in markers(store, alice.id) if marker.startswith("floor:")}
    assert len(floors) == 1
    assert floors.pop().endswith(f":{posts[2]:020d}")


def test_a_missing_timeline_is_rebuilt_when_read_and_only_then(
    storage: Storage, clock: ManualClock, store: RedisTimelines
) -> None:
    """No key: the read rebuilds it from the database; an empty timeline is not rebuilt again."""
    push = facade(storage, clock, store)
    pull = facade(storage, clock, None, "pull")
    alice, bob, carol = (push.accounts.create_profile(n) for n in ("alice", "bob", "carol"))
    push.follows.follow(alice.id, bob.id)
    mine = [push.posts.create(user.id, content="hi").id for user in (alice, bob, carol)]
    # Nobody read yet: no event wrote a timeline nobody built.
    assert held(store, alice.id) == held(store, bob.id) == []

    assert ids(push, alice) == ids(pull, alice) == [mine[1], mine[0]]
    assert held(store, alice.id) == [mine[1], mine[0]]
    store.client.delete(store.timeline_key(alice.id))
    assert ids(push, alice) == ids(pull, alice)
    assert "built" in markers(store, alice.id)

    lonely = push.accounts.create_profile("lonely")
    assert ids(push, lonely) == []
    key = store.timeline_key(lonely.id)
    # A rebuild replaces the key, which drops its expiry: an expiry that
    # survives the next reads shows that they did not rebuild.
    store.client.expire(key, 1000)
    assert ids(push, lonely) == []
    assert ids(push, lonely) == []
    assert store.client.ttl(key) > 0


@pytest.mark.parametrize("strategy", ["push", "hybrid"])
def test_losing_every_key_loses_no_post(
    storage: Storage, clock: ManualClock, store: RedisTimelines, strategy: FeedStrategy
) -> None:
    """After every key of the prefix is gone (Redis restarted empty), each feed is rebuilt whole."""
    feed = facade(storage, clock, store, strategy, hybrid_threshold=2)
    pull = facade(storage, clock, None, "pull")
    star, fan, other = (feed.accounts.create_profile(n) for n in ("star", "fan", "other"))
    for user in (star, fan, other):
        ids(feed, user)
    feed.follows.follow(fan.id, star.id)
    feed.follows.follow(other.id, star.id)
    # Hybrid: star is pulled, so this post reaches no follower's timeline...
    made_while_pulled = feed.posts.create(star.id, content="to two followers")
    # ...and stays readable once star drops below the threshold.
    feed.follows.unfollow(other.id, star.id)
    assert ids(feed, fan) == ids(pull, fan) == [made_while_pulled.id]

    forget_everything(store)
    assert store.client.exists(store.timeline_key(fan.id)) == 0
    assert_same_feeds(pull, feed, [star.id, fan.id, other.id])
    assert held(store, fan.id) == [made_while_pulled.id]


def test_pages_past_a_trimmed_timeline_come_from_the_database(
    storage: Storage, redis_client: redis.Redis, redis_prefix: str
) -> None:
    """Paging past the oldest entry a full timeline kept gives the pull feed's older posts."""
    clock = ManualClock(tick=timedelta(0))
    store = RedisTimelines(redis_client, prefix=redis_prefix, capacity=4)
    push = facade(storage, clock, store)
    pull = facade(storage, clock, None, "pull")
    alice, bob, carol = (push.accounts.create_profile(n) for n in ("alice", "bob", "carol"))
    push.follows.follow(alice.id, bob.id)
    push.follows.follow(alice.id, carol.id)
    ids(push, alice)
    for n in range(12):
        clock.advance(timedelta(seconds=n % 2))  # pairs of posts share a time
        push.posts.create([bob, carol][n % 3 == 0].id, content=f"{n}")

    assert len(held(store, alice.id)) == 4
    assert_same_feeds(pull, push, [alice.id])
    assert len(ids(push, alice)) == 12
    # A deletion makes room, yet what was trimmed before is still read from the database.
    push.posts.delete(bob.id, PostId(held(store, alice.id)[0]))
    assert len(held(store, alice.id)) == 3
    assert_same_feeds(pull, push, [alice.id])


@pytest.mark.parametrize("strategy", ["push", "hybrid"])
def test_a_tiny_capacity_gives_the_pull_feed_on_generated_data(
    storage: Storage, redis_client: redis.Redis, redis_prefix: str, strategy: FeedStrategy
) -> None:
    """With timelines trimmed to four entries, random histories still read as the pull feed."""
    clock = ManualClock(tick=timedelta(0))  # many posts share a time: ties order by id
    store = RedisTimelines(redis_client, prefix=redis_prefix, capacity=4)
    writer = facade(storage, clock, store, strategy, hybrid_threshold=3)
    pull = facade(storage, clock, None, "pull")
    world = World(writer, clock, seed=5, size=8)
    for _checkpoint in range(3):
        for _ in range(60):
            world.step()
        assert_same_feeds(pull, writer, world.users)
    assert max(len(held(store, user_id)) for user_id in world.users) == 4


@pytest.mark.parametrize("strategy", ["push", "hybrid"])
def test_a_page_is_one_query_after_one_round_trip(
    sql_storage: Storage, clock: ManualClock, store: RedisTimelines, strategy: FeedStrategy
) -> None:
    """Reading a page of 5 or of 50 from a built timeline is one Redis round trip and one query."""
    feed = facade(sql_storage, clock, store, strategy, hybrid_threshold=3)
    me = feed.accounts.create_profile("me")
    ids(feed, me)
    for n in range(30):
        author = feed.accounts.create_profile(f"author{n}")
        feed.follows.follow(me.id, author.id)
        if n < 3:
            for fan in range(3):
                fan_id = feed.accounts.create_profile(f"fan{n}_{fan}").id
                feed.follows.follow(fan_id, author.id)  # pulled in hybrid
        feed.posts.create(author.id, content="a")
        feed.posts.create(author.id, content="b")
    for limit in (5, 50):
        with (
            counted_statements(sql_storage) as statements,
            counted_round_trips(store.client) as trips,
        ):
            page = feed.feed.home(me.id, limit=limit)
        assert len(page.items) == limit
        assert len(statements) == 1, statements
        assert len(trips) == 1, trips


def test_a_read_walks_on_past_the_entries_it_drops(
    storage: Storage, clock: ManualClock, redis_client: redis.Redis, redis_prefix: str
) -> None:
    """When a muted author fills the newest entries, the read fetches more to fill the page."""
    store = RedisTimelines(redis_client, prefix=redis_prefix, capacity=50)
    push = facade(storage, clock, store)
    pull = facade(storage, clock, None, "pull")
    alice, bob, carol = (push.accounts.create_profile(n) for n in ("alice", "bob", "carol"))
    push.follows.follow(alice.id, bob.id)
    push.follows.follow(alice.id, carol.id)
    ids(push, alice)
    carols = [push.posts.create(carol.id, content=f"carol {n}").id for n in range(3)]
    for n in range(30):
        push.posts.create(bob.id, content=f"bob {n}")
    push.mutes.mute(alice.id, bob.id)

    page = push.feed.home(alice.id, limit=2)
    assert [item.post.id for item in page.items] == carols[:0:-1]
    assert ids(push, alice) == ids(pull, alice) == carols[::-1]
    assert len(held(store, alice.id)) == 33  # the mute removed nothing


def test_posts_of_the_same_time_page_in_id_order(storage: Storage, store: RedisTimelines) -> None:
    """Posts that share a microsecond page by id, newest first, as in the pull feed."""
    clock = ManualClock(tick=timedelta(0))
    push = facade(storage, clock, store)
    pull = facade(storage, clock, None, "pull")
    alice, bob, carol = (push.accounts.create_profile(n) for n in ("alice", "bob", "carol"))
    push.follows.follow(alice.id, bob.id)
    push.follows.follow(alice.id, carol.id)
    ids(push, alice)
    for n in range(9):
        push.posts.create([bob, carol][n % 2].id, content=f"{n}")
        clock.advance(timedelta(seconds=n % 4 == 3))

    for limit in (1, 2, 3):
        assert walk(push, alice.id, limit) == walk(pull, alice.id, limit)


def test_an_entry_a_purge_missed_never_shows(
    storage: Storage, clock: ManualClock, store: RedisTimelines
) -> None:
    """Entries left behind by a lost update are checked at read time: unfollowed, blocked, gone."""
    push = facade(storage, clock, store)
    alice, bob, carol, dave = (push.accounts.create_profile(n) for n in ("a", "b", "c", "d"))
    for followee in (bob, carol):
        push.follows.follow(alice.id, followee.id)
    push.users.set_private(dave.id, True)
    ids(push, alice)
    posts = [push.posts.create(user.id, content="hi") for user in (bob, carol, dave)]
    push.follows.unfollow(alice.id, bob.id)
    push.blocks.block(carol.id, alice.id)
    assert held(store, alice.id) == []
    # Put the entries back, as a purge lost with a Redis outage would have
    # left them, with one of a private account alice never followed.
    key = store.timeline_key(alice.id)
    members = {f"{post.id:020d}:{post.author_id}": _micros(post.created_at) for post in posts}
    store.client.zadd(key, members)

    assert ids(push, alice) == []
    assert push.feed.home(alice.id, limit=1).items == ()


def test_unfollow_and_block_remove_the_entries_from_redis(
    storage: Storage, clock: ManualClock, store: RedisTimelines
) -> None:
    """An unfollow purges one direction and a block both: the members go, not only the read."""
    push = facade(storage, clock, store)
    alice, bob, carol = (push.accounts.create_profile(n) for n in ("alice", "bob", "carol"))
    for user in (alice, bob, carol):
        ids(push, user)
    push.follows.follow(alice.id, bob.id)
    push.follows.follow(bob.id, alice.id)
    push.follows.follow(carol.id, bob.id)
    mine = {user.id: push.posts.create(user.id, content="hi").id for user in (alice, bob, carol)}
    assert held(store, carol.id) == [mine[carol.id], mine[bob.id]]

    push.follows.unfollow(carol.id, bob.id)
    assert held(store, carol.id) == [mine[carol.id]]
    assert held(store, bob.id) == [mine[bob.id], mine[alice.id]]

    push.blocks.block(alice.id, bob.id)
    assert held(store, alice.id) == [mine[alice.id]]
    assert held(store, bob.id) == [mine[bob.id]]


def test_deleted_posts_and_accounts_leave_redis(
    storage: Storage, clock: ManualClock, store: RedisTimelines
) -> None:
    """A deleted post leaves every timeline that held it; a deleted account's timeline goes."""
    push = facade(storage, clock, store)
    alice, bob, carol = (push.accounts.create_profile(n) for n in ("alice", "bob", "carol"))
    for user in (alice, bob, carol):
        ids(push, user)
    push.follows.follow(alice.id, bob.id)
    push.follows.follow(carol.id, bob.id)
    gone = push.posts.create(bob.id, content="soon gone")
    kept = push.posts.create(bob.id, content="kept")

    push.posts.delete(bob.id, gone.id)
    for user in (alice, bob, carol):
        assert held(store, user.id) == [kept.id]

    push.accounts.delete(bob.id)
    assert store.client.exists(store.timeline_key(bob.id)) == 0
    assert ids(push, alice) == []


@pytest.mark.parametrize("strategy", ["push", "hybrid"])
def test_repeated_and_reordered_events_change_nothing(
    storage: Storage, store: RedisTimelines, strategy: FeedStrategy
) -> None:
    """Events delivered late, shuffled and twice leave the timelines as delivered in order."""
    clock = ManualClock(tick=timedelta(0))
    deferred = Deferred(store)
    writer = facade(storage, clock, deferred, strategy, hybrid_threshold=3)
    pull = facade(storage, clock, None, "pull")
    world = World(writer, clock, seed=13, size=8)
    for user_id in world.users:
        walk(writer, user_id, 100)  # every timeline is built before the events arrive
    for _ in range(150):
        world.step()
    events = deferred.events
    shuffled = random.Random(1).sample(events, len(events))

    for event in shuffled:
        store.apply(storage, writer.settings, [event])
    assert_same_feeds(pull, writer, world.users)
    delivered = redis_state(store)
    store.apply(storage, writer.settings, events)
    for event in reversed(events):
        store.apply(storage, writer.settings, [event])
    assert redis_state(store) == delivered
    assert_same_feeds(pull, writer, world.users)


def test_a_late_post_event_adds_nothing_once_the_post_is_gone(
    storage: Storage, clock: ManualClock, store: RedisTimelines
) -> None:
    """An event about a post deleted since it was sent leaves no entry behind."""
    push = facade(storage, clock, store)
    alice, bob = (push.accounts.create_profile(n) for n in ("alice", "bob"))
    push.follows.follow(alice.id, bob.id)
    ids(push, alice)
    post = push.posts.create(bob.id, content="short-lived")
    push.posts.delete(bob.id, post.id)

    late = PostCreated(occurred_at=clock.now(), post_id=post.id, author_id=bob.id, content=None)
    store.apply(storage, push.settings, [late])
    assert held(store, alice.id) == []


def test_hybrid_authors_stay_pulled_until_every_timeline_is_rebuilt(
    storage: Storage, clock: ManualClock, store: RedisTimelines
) -> None:
    """An author once pulled is read from the posts below the threshold too, until a rebuild."""
    hybrid = facade(storage, clock, store, "hybrid", hybrid_threshold=2)
    pull = facade(storage, clock, None, "pull")
    star, fan, other = (hybrid.accounts.create_profile(n) for n in ("star", "fan", "other"))
    for user in (star, fan, other):
        ids(hybrid, user)
    hybrid.follows.follow(fan.id, star.id)
    pushed = hybrid.posts.create(star.id, content="to one follower")
    hybrid.follows.follow(other.id, star.id)
    made_while_pulled = hybrid.posts.create(star.id, content="to two followers")
    assert held(store, fan.id) == [pushed.id]
    assert pulled(store) == {star.id}

    hybrid.follows.unfollow(other.id, star.id)
    assert ids(hybrid, fan) == ids(pull, fan) == [made_while_pulled.id, pushed.id]
    assert pulled(store) == {star.id}

    assert hybrid.maintenance.rebuild_timelines() == 3
    assert pulled(store) == set()
    assert held(store, fan.id) == [made_while_pulled.id, pushed.id]
    assert ids(hybrid, fan) == ids(pull, fan)
    # Pulled again as soon as a push is skipped for them: a follow...
    hybrid.follows.follow(other.id, star.id)
    assert pulled(store) == {star.id}
    # ...or a post, once a rebuild forgot them while they were still popular.
    hybrid.maintenance.rebuild_timelines()
    assert pulled(store) == set()
    later = hybrid.posts.create(star.id, content="to two followers again")
    assert pulled(store) == {star.id}
    hybrid.follows.unfollow(other.id, star.id)
    assert ids(hybrid, fan) == ids(pull, fan) == [later.id, made_while_pulled.id, pushed.id]


def test_a_full_rebuild_keeps_the_authors_marked_while_it_ran(
    storage: Storage, clock: ManualClock, store: RedisTimelines, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the authors marked before a rebuild of every timeline began are forgotten."""
    hybrid = facade(storage, clock, store, "hybrid", hybrid_threshold=1)
    star, early, fan = (hybrid.accounts.create_profile(n) for n in ("star", "early", "fan"))
    ids(hybrid, fan)
    hybrid.follows.follow(fan.id, early.id)
    hybrid.follows.follow(fan.id, star.id)
    assert pulled(store) == {early.id, star.id}
    find_timelines = store._timeline_owners

    def find_timelines_while_star_posts() -> set[int]:
        hybrid.posts.create(star.id, content="posted during the rebuild")
        return find_timelines()

    monkeypatch.setattr(store, "_timeline_owners", find_timelines_while_star_posts)
    assert hybrid.maintenance.rebuild_timelines() == 1
    assert pulled(store) == {star.id}


def test_forgetting_a_pulled_author_loses_no_post_of_an_unbuilt_timeline(
    storage: Storage, clock: ManualClock, store: RedisTimelines
) -> None:
    """A timeline missing in a full rebuild gets, when read, the posts its author was pulled for."""
    hybrid = facade(storage, clock, store, "hybrid", hybrid_threshold=2)
    pull = facade(storage, clock, None, "pull")
    star, fan, other = (hybrid.accounts.create_profile(n) for n in ("star", "fan", "other"))
    hybrid.follows.follow(fan.id, star.id)
    hybrid.follows.follow(other.id, star.id)
    made_while_pulled = hybrid.posts.create(star.id, content="to two followers")
    hybrid.follows.unfollow(other.id, star.id)
    assert pulled(store) == {star.id}

    assert hybrid.maintenance.rebuild_timelines() == 0  # nobody read: no timeline to rebuild
    assert pulled(store) == set()
    assert ids(hybrid, fan) == ids(pull, fan) == [made_while_pulled.id]


def test_a_full_rebuild_rebuilds_only_the_timelines_redis_holds(
    storage: Storage, clock: ManualClock, store: RedisTimelines
) -> None:
    """rebuild_timelines brings the existing timelines up to date and creates no other."""
    push = facade(storage, clock, store)
    alice, bob, carol = (push.accounts.create_profile(n) for n in ("alice", "bob", "carol"))
    push.follows.follow(alice.id, bob.id)
    push.follows.follow(carol.id, bob.id)
    assert ids(push, alice) == []
    # Without an outbox, a post Redis missed is missing until a rebuild.
    post = facade(storage, clock, unreachable(store.prefix)).posts.create(bob.id, content="hi")
    assert held(store, alice.id) == []

    assert push.maintenance.rebuild_timelines() == 1
    assert held(store, alice.id) == [post.id]
    assert "built" in markers(store, alice.id)
    assert store.client.exists(store.timeline_key(bob.id), store.timeline_key(carol.id)) == 0


def test_a_full_rebuild_under_pull_leaves_redis_alone(
    storage: Storage, clock: ManualClock, store: RedisTimelines
) -> None:
    """Under pull, rebuild_timelines with a store rebuilds nothing and writes nothing to Redis."""
    push = facade(storage, clock, store)
    pull = facade(storage, clock, store, "pull")
    alice, bob = (push.accounts.create_profile(n) for n in ("alice", "bob"))
    push.follows.follow(alice.id, bob.id)
    ids(push, alice)
    pull.posts.create(bob.id, content="not pushed under pull")
    before = redis_state(store)

    with counted_round_trips(store.client) as trips:
        assert pull.maintenance.rebuild_timelines() == 0
    assert trips == []
    assert redis_state(store) == before


def test_a_full_rebuild_finds_its_own_timelines_whatever_the_prefix(
    storage: Storage, clock: ManualClock, redis_client: redis.Redis, redis_prefix: str
) -> None:
    """A prefix with glob characters finds its own timelines, not those of a prefix it matches."""
    mine = RedisTimelines(redis_client, prefix=f"{redis_prefix}a*[")
    theirs = RedisTimelines(redis_client, prefix=f"{redis_prefix}ab[")
    push = facade(storage, clock, theirs)
    alice = push.accounts.create_profile("alice")
    ids(push, alice)
    assert redis_client.exists(theirs.timeline_key(alice.id)) == 1

    assert facade(storage, clock, mine).maintenance.rebuild_timelines() == 0
    assert redis_client.exists(mine.timeline_key(alice.id)) == 0
    assert facade(storage, clock, theirs).maintenance.rebuild_timelines() == 1


@pytest.mark.parametrize("second", ["finishes", "dies"])
def test_an_overtaken_rebuild_never_loses_a_post(
    storage: Storage, clock: ManualClock, store: RedisTimelines, second: str
) -> None:
    """A rebuild overtaken by another leaves the timeline unbuilt, so no post between them is lost.

    Rebuild A reads the database; a post lands in the pending timeline;
    rebuild B empties the timeline again (the post goes with it); A finishes
    first, with what it read. Whether B then finishes or dies, the post is
    in the feed.
    """
    push = facade(storage, clock, store)
    pull = facade(storage, clock, None, "pull")
    alice, bob = (push.accounts.create_profile(n) for n in ("alice", "bob"))
    push.follows.follow(alice.id, bob.id)
    old = push.posts.create(bob.id, content="before both rebuilds")
    key = store.timeline_key(alice.id)

    first = store._begin_rebuild(key)
    with storage.transaction(write=False) as uow:
        read_first = store._rebuild_entries(uow, push.settings, alice.id)
    post = push.posts.create(bob.id, content="between the rebuilds")
    assert held(store, alice.id) == [post.id]
    second_marker = store._begin_rebuild(key)
    store._finish_rebuild(key, first, read_first)
    assert markers(store, alice.id) == {second_marker}  # not built: a read would rebuild it

    if second == "finishes":
        with storage.transaction(write=False) as uow:
            read_second = store._rebuild_entries(uow, push.settings, alice.id)
        store._finish_rebuild(key, second_marker, read_second)
    assert ids(push, alice) == ids(pull, alice) == [post.id, old.id]
    assert held(store, alice.id) == [post.id, old.id]
    assert markers(store, alice.id) == {"built"}


@pytest.mark.parametrize("strategy", ["push", "hybrid"])
def test_a_client_that_decodes_replies_gives_the_pull_feed(
    storage: Storage, text_client: redis.Redis, redis_prefix: str, strategy: FeedStrategy
) -> None:
    """With a client built with decode_responses=True, trimmed timelines page as the pull feed."""
    clock = ManualClock(tick=timedelta(0))
    store = RedisTimelines(text_client, prefix=redis_prefix, capacity=4)
    writer = facade(storage, clock, store, strategy, hybrid_threshold=3)
    pull = facade(storage, clock, None, "pull")
    world = World(writer, clock, seed=5, size=8)
    for user_id in world.users:
        walk(writer, user_id, 100)  # built, so that the events write every timeline
    for _ in range(80):
        world.step()
    assert_same_feeds(pull, writer, world.users)
    # The replies were str, and the paths that parse them ran: floors, pulled authors.
    reply = text_client.zrange(store.timeline_key(world.users[0]), 0, -1)
    assert all(isinstance(member, str) for member in cast("list[object]", reply))
    assert any(m.startswith("floor:") for u in world.users for m in markers(store, u))
    if strategy == "hybrid":
        assert pulled(store)

    assert writer.maintenance.rebuild_timelines() == len(world.users)
    assert_same_feeds(pull, writer, world.users)


def test_actions_go_on_while_redis_is_down(
    storage: Storage, clock: ManualClock, store: RedisTimelines
) -> None:
    """With Redis unreachable actions succeed and signal, and feeds stay right, then and after."""
    down = facade(storage, clock, unreachable(store.prefix))
    up = facade(storage, clock, store)
    pull = facade(storage, clock, None, "pull")
    alice, bob = (up.accounts.create_profile(n) for n in ("alice", "bob"))
    assert ids(up, alice) == []
    recorder = EventRecorder(down)
    recorder.connect()
    try:
        down.follows.follow(alice.id, bob.id)
        post = down.posts.create(bob.id, content="written while Redis was down")
        assert [type(event).__name__ for event in recorder.events] == [
            "UserFollowed",
            "PostCreated",
        ]
    finally:
        recorder.disconnect()
    assert ids(down, alice) == ids(pull, alice) == [post.id]

    forget_everything(store)  # Redis comes back, having lost its data
    assert ids(up, alice) == [post.id]
    assert held(store, alice.id) == [post.id]
    assert timeline_size(storage) == 0


def test_scripts_a_restarted_redis_forgot_are_loaded_again(
    storage: Storage, clock: ManualClock, store: RedisTimelines, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Redis that lacks the store's scripts (restarted) gets them, and the write still lands."""
    # Scripts of their own, which this Redis has never seen: what a restart leaves.
    forgotten: tuple[ScriptName, ...] = ("write", "purge")
    fresh = {
        name: store.client.register_script(f"{script_source(name)}\n-- {uuid.uuid4().hex}")
        for name in forgotten
    }
    for name, script in fresh.items():
        monkeypatch.setitem(store._scripts, name, script)
    assert store.client.script_exists(*(script.sha for script in fresh.values())) == [0, 0]
    push = facade(storage, clock, store)
    alice, bob = (push.accounts.create_profile(n) for n in ("alice", "bob"))
    ids(push, alice)

    push.follows.follow(alice.id, bob.id)
    post = push.posts.create(bob.id, content="hello")
    assert held(store, alice.id) == [post.id]
    push.follows.unfollow(alice.id, bob.id)
    assert held(store, alice.id) == []
    assert store.client.script_exists(*(script.sha for script in fresh.values())) == [1, 1]


def test_a_rebuild_without_redis_is_a_broker_error(
    storage: Storage, clock: ManualClock, redis_prefix: str
) -> None:
    """Rebuilding a timeline, or all of them, while Redis is unreachable raises BrokerError."""
    down = facade(storage, clock, unreachable(redis_prefix))
    alice = down.accounts.create_profile("alice")
    with pytest.raises(BrokerError):
        down.feed.rebuild_timeline(alice.id)
    with pytest.raises(BrokerError):
        down.maintenance.rebuild_timelines()


def test_the_outbox_brings_a_stale_timeline_up_to_date(
    storage: Storage, clock: ManualClock, store: RedisTimelines
) -> None:
    """A timeline that missed a post while Redis was down is stale until deliver_pending runs."""
    settings: dict[str, Any] = {"outbox": True}
    down = facade(storage, clock, unreachable(store.prefix), **settings)
    up = facade(storage, clock, store, **settings)
    pull = facade(storage, clock, None, "pull")
    alice, bob = (up.accounts.create_profile(n) for n in ("alice", "bob"))
    up.follows.follow(alice.id, bob.id)
    assert ids(up, alice) == []
    post = down.posts.create(bob.id, content="missed by Redis")
    assert up.outbox.status().undelivered == 1

    clock.advance(timedelta(minutes=1))
    # Stale, however long it waits: the timeline survived, without the post.
    assert ids(up, alice) == [] != ids(pull, alice)
    assert held(store, alice.id) == []
    assert "built" in markers(store, alice.id)

    assert up.outbox.deliver_pending() == 1
    assert held(store, alice.id) == [post.id]
    assert ids(up, alice) == ids(pull, alice) == [post.id]
    assert up.outbox.status().undelivered == 0


def test_under_pull_the_store_keeps_nothing(
    storage: Storage, clock: ManualClock, store: RedisTimelines
) -> None:
    """A store on a pull facade is neither written nor read."""
    pull = facade(storage, clock, store, "pull")
    alice, bob = (pull.accounts.create_profile(n) for n in ("alice", "bob"))
    pull.follows.follow(alice.id, bob.id)
    post = pull.posts.create(bob.id, content="hello")
    assert ids(pull, alice) == [post.id]
    assert list(store.client.scan_iter(match=f"{store.prefix}*")) == []


def test_script_digests_are_the_ones_redis_computes(redis_client: redis.Redis) -> None:
    """Each script's digest, the name EVALSHA runs it by, is the one Redis gives its source."""
    for name, script in register_scripts(redis_client).items():
        assert redis_client.script_load(script_source(name)) == script.sha


def test_capacity_must_be_positive(redis_client: redis.Redis) -> None:
    """A timeline that keeps no entry is refused when the store is built."""
    with pytest.raises(ValueError, match="capacity"):
        RedisTimelines(redis_client, capacity=0)


def _micros(at: datetime) -> int:
    """A time as the score of a timeline entry: microseconds since 1970."""
    return (at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
