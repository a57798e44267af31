"""The outbox's benchmarks: what it costs a write, how fast a relay drains it, how late events land.

Three measurements per backend, on the loaded benchmark database:

- **Cost on a write.** Like, follow and create post with ``Settings.outbox`` on
  against the same call with it off, library against library, interleaved as
  in the main tables. Three pairings: receivers (the notification and hashtag
  handlers) in this process on both sides; no receivers on either side (the
  insert alone); and the outbox on without receivers against it off with
  them, which is what a request pays once its handlers run in workers.
- **Relay throughput.** N rows waiting in the outbox, drained by
  ``Relay.relay_once`` loops into a Redis stream, against raw SQL and
  redis-py doing the same batches: the same claim of the oldest rows (a
  select and the lease's ``UPDATE``) in one transaction, a pipelined
  ``XADD`` of the same payloads with none open, the same mark-published
  ``UPDATE`` in another. Library and raw take turns, each from a fresh outbox.
- **Commit-to-consumer latency.** One writer thread likes posts at a steady
  rate through a facade with the outbox on; a relay thread (``Relay.run``)
  publishes to a stream, and a worker thread (``Worker.run``) sends each
  event through its own facade's signal to a receiver that notes when it
  arrived. The latency of a like is that moment minus the moment the
  writer's call returned, i.e. after its commit.

Every Redis key lives under one prefix per run, deleted at the end.
"""

from __future__ import annotations

import itertools
import os
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import redis
from sqlalchemy import BindParameter, Connection, Engine, bindparam, text

from benchmarks.dataset import Dataset
from benchmarks.operations import Call, Operation, Raw, _free_pairs
from benchmarks.runner import StatementCounter, measure
from socialfeed import Settings, SocialFeed, signals, wire
from socialfeed.events import PostLiked
from socialfeed.handlers import HashtagHandler, NotificationHandler
from socialfeed.ids import PostId, UserId
from socialfeed.outbox.relay import Relay
from socialfeed.outbox.worker import Worker
from socialfeed.redis import RedisStreamConsumer, RedisStreamPublisher
from socialfeed.storage.sql import SQLStorage
from socialfeed.storage.sql.schema import UTCDateTime

__all__ = [
    "OUTBOX_SIZES",
    "OutboxSizes",
    "RedisRun",
    "connect_redis",
    "measure_outbox",
    "outbox_markdown",
    "outbox_settings",
]

REDIS_URL_VARIABLE = "SOCIALFEED_BENCH_REDIS_URL"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
HEADING = "## outbox and redis"
# The raw relay's advisory lock on PostgreSQL: its own key, since only one relay runs.
RAW_RELAY_LOCK = 0x0B0BFEED
# How long the consumers may take to catch up with the last like before the run fails.
DRAIN_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class OutboxSizes:
    """How much each outbox measurement does, per preset."""

    relay_events: int  # rows waiting in the outbox when a relay run starts
    relay_batch: int
    relay_runs: int  # measured runs per side, library and raw taking turns, after one warm-up
    latency_rate: int  # likes per second offered by the writer
    latency_seconds: float  # measured seconds, after `latency_warmup_s`
    latency_warmup_s: float


OUTBOX_SIZES = {
    "small": OutboxSizes(5_000, 500, 9, 200, 5.0, 1.0),
    "default": OutboxSizes(20_000, 500, 5, 200, 10.0, 1.0),
}


class RedisRun:
    """A Redis client and a key prefix of this run's own, whose keys go in `delete_keys`."""

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self.client = client
        self.prefix = prefix

    def key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def server_version(self) -> str:
        info = self.client.info("server")
        return str(info.get("redis_version", "unknown"))

    def delete_keys(self) -> None:
        keys = list(self.client.scan_iter(match=f"{self.prefix}*", count=1000))
        if keys:
            self.client.delete(*keys)

    def close(self) -> None:
        self.delete_keys()
        self.client.close()


def connect_redis() -> RedisRun:
    """Connect to the benchmark's Redis, or exit saying how to run without it."""
    url = os.environ.get(REDIS_URL_VARIABLE, DEFAULT_REDIS_URL)
    client = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.RedisError as error:
        client.close()
        raise SystemExit(
            f"Redis at {url} is not reachable ({type(error).__name__}): start it, point "
            f"{REDIS_URL_VARIABLE} at one, or pass --no-redis to skip the Redis benchmarks"
        ) from error
    return RedisRun(client, f"socialfeed-bench:{uuid.uuid4().hex}:")


def measure_outbox(
    storage: SQLStorage,
    data: Dataset,
    sizes: OutboxSizes,
    repetitions: int,
    warmup: int,
    counter: StatementCounter,
    redis_run: RedisRun | None,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """Every outbox measurement on one backend; the Redis ones only with ``redis_run``."""
    backend = storage.engine.dialect.name
    per_side = warmup + repetitions
    latency_events = round(sizes.latency_rate * (sizes.latency_warmup_s + sizes.latency_seconds))
    likes = _PairPool(storage.engine, data, "likes", 6 * per_side + latency_events)
    follows = _PairPool(storage.engine, data, "follows", 6 * per_side)
    result: dict[str, Any] = {"write_cost": {}}
    for pairing, ops in _write_cost_operations(storage, data, likes, follows, per_side).items():
        rows = result["write_cost"][pairing] = {}
        for op in ops:
            rows[op.name] = row = _on_off(measure(op, repetitions, warmup, counter))
            log(
                f"{backend} outbox cost, {pairing}, {op.name}: on {row['on_median_ms']:.3f} ms, "
                f"off {row['off_median_ms']:.3f} ms, ratio {row['ratio']:.2f}"
            )
    if redis_run is None:
        return result
    _empty_outbox(storage.engine)
    payloads = _payloads(data, sizes.relay_events)
    result["relay"] = relay = _relay_throughput(storage, redis_run, sizes, payloads)
    log(
        f"{backend} relay: library {relay['library_events_per_s']:,.0f} events/s, "
        f"raw {relay['raw_events_per_s']:,.0f} events/s, ratio {relay['ratio']:.2f}"
    )
    _empty_outbox(storage.engine)
    result["latency"] = latency = _latency(storage, redis_run, sizes, likes.take(latency_events))
    log(
        f"{backend} commit to consumer: p50 {latency['p50_ms']:.1f} ms, "
        f"p99 {latency['p99_ms']:.1f} ms, max {latency['max_ms']:.1f} ms "
        f"({latency['events']} likes at {latency['achieved_per_s']:.0f}/s, "
        f"relay {latency['relay_wakeup']})"
    )
    return result


# --- the cost on a write ---------------------------------------------------------------------


_TAKEN_PAIRS = {
    "likes": "SELECT user_id, post_id FROM socialfeed_likes",
    "follows": "SELECT follower_id, followee_id FROM socialfeed_follows",
}


class _PairPool:
    """Distinct (user, post) or (follower, followee) pairs not in the database yet."""

    def __init__(self, engine: Engine, data: Dataset, table: str, count: int) -> None:
        with engine.connect() as conn:
            taken = {(int(a), int(b)) for a, b in conn.execute(text(_TAKEN_PAIRS[table]))}
        seed = 9_001 if table == "likes" else 9_002
        self._pairs = iter(_free_pairs(data, taken, count, seed, posts=table == "likes"))

    def take(self, count: int) -> list[tuple[int, int]]:
        return [next(self._pairs) for _ in range(count)]


def _facade(storage: SQLStorage, *, outbox: bool, receivers: bool) -> SocialFeed:
    feed = SocialFeed(storage, settings=Settings(outbox=outbox))
    if receivers:
        NotificationHandler().connect(feed)
        HashtagHandler().connect(feed)
    return feed


def _write_cost_operations(
    storage: SQLStorage, data: Dataset, likes: _PairPool, follows: _PairPool, per_side: int
) -> dict[str, list[Operation]]:
    """Per pairing, the three writes: ``library`` is the outbox-on facade, the baseline off."""
    on_with = _facade(storage, outbox=True, receivers=True)
    off_with = _facade(storage, outbox=False, receivers=True)
    on_bare = _facade(storage, outbox=True, receivers=False)
    off_bare = _facade(storage, outbox=False, receivers=False)
    pairings = {
        "receivers_in_process": (on_with, off_with),
        "no_receivers": (on_bare, off_bare),
        "receivers_moved_to_workers": (on_bare, off_with),
    }
    content = "A new post " + " ".join(f"#{tag}" for tag in data.tag_names[:3])
    return {
        pairing: [
            _pair(
                "create_post_3_hashtags", _poster(on, data, content), _poster(off, data, content)
            ),
            _pair("like", _liker(on, likes.take(per_side)), _liker(off, likes.take(per_side))),
            _pair(
                "follow",
                _follower(on, follows.take(per_side)),
                _follower(off, follows.take(per_side)),
            ),
        ]
        for pairing, (on, off) in pairings.items()
    }


def _pair(name: str, on: Call, off: Call) -> Operation:
    return Operation(name, "write", on, {"outbox_off": off})


def _poster(feed: SocialFeed, data: Dataset, content: str) -> Call:
    """Posts by every 7th user in turn, as in the main table's create_post_3_hashtags."""
    authors = itertools.cycle(range(2, data.sizes.users + 1, 7))
    return lambda _: feed.posts.create(UserId(next(authors)), content=content)


def _liker(feed: SocialFeed, pairs: list[tuple[int, int]]) -> Call:
    return lambda i: feed.likes.toggle(UserId(pairs[i][0]), PostId(pairs[i][1]))


def _follower(feed: SocialFeed, pairs: list[tuple[int, int]]) -> Call:
    return lambda i: feed.follows.follow(UserId(pairs[i][0]), UserId(pairs[i][1]))


def _on_off(row: dict[str, Any]) -> dict[str, Any]:
    """`measure`'s figures named for what the two sides are here: the outbox on and off."""
    return {
        "on_median_ms": row["library_median_ms"],
        "on_p99_ms": row["library_p99_ms"],
        "off_median_ms": row["raw_median_ms"],
        "off_p99_ms": row["raw_p99_ms"],
        "added_ms": round(row["library_median_ms"] - row["raw_median_ms"], 4),
        "ratio": row["ratio"],
        "on_statements": row["library_statements"],
        "off_statements": row["raw_statements"],
    }


def _empty_outbox(engine: Engine) -> None:
    """Delete every outbox row, so that a measurement starts with nothing waiting."""
    Raw(engine).write(lambda conn: conn.exec_driver_sql("DELETE FROM socialfeed_outbox"))
    if engine.dialect.name == "postgresql":
        # The deleted row versions would otherwise stay in the partial index the relay walks.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE socialfeed_outbox")


# --- relay throughput ------------------------------------------------------------------------


def _payloads(data: Dataset, count: int) -> list[str]:
    """Wire forms of plausible likes: what an outbox of likes holds."""
    posts = data.tables["socialfeed_posts"]
    now = datetime.now(UTC)
    payloads = []
    for n in range(count):
        post_id, author_id = cast(tuple[int, int], posts[n % len(posts)][:2])
        like = PostLiked(
            occurred_at=now,
            user_id=UserId(n % data.sizes.users + 1),
            post_id=PostId(post_id),
            post_author_id=UserId(author_id),
        )
        payloads.append(wire.encode(like))
    return payloads


def _fill(storage: SQLStorage, payloads: list[str]) -> None:
    """Put ``payloads`` in the outbox as unpublished rows, through the library's own insert."""
    now = datetime.now(UTC)
    with storage.transaction() as uow:
        for start in range(0, len(payloads), 1_000):
            uow.outbox.add(payloads[start : start + 1_000], now, delivered=True)


class _RawRelay:
    """A hand-written relay, the library's steps per batch: claim, a pipelined XADD, mark.

    The claim (the oldest unpublished rows, unless a lease runs, and their
    lease) and the mark are a short transaction each; the ``XADD`` runs
    with none open.
    """

    LEASE = timedelta(seconds=10)

    def __init__(self, engine: Engine, client: redis.Redis, stream: str, batch: int) -> None:
        postgres = engine.dialect.name == "postgresql"
        unpublished = "NOT published" if postgres else "published = 0"
        ids: BindParameter[list[int]] = bindparam("ids", expanding=True)
        self._raw = Raw(engine)
        self._client = client
        self._stream = stream
        self._batch = batch
        self._lock = text("SELECT pg_advisory_xact_lock(:key)") if postgres else None
        self._select = text(
            f"SELECT id, data FROM socialfeed_outbox WHERE {unpublished} AND NOT EXISTS "
            "(SELECT 1 FROM socialfeed_outbox WHERE claimed_until > :now) ORDER BY id LIMIT :lim"
        ).bindparams(bindparam("now", type_=UTCDateTime))
        self._claim = text(
            "UPDATE socialfeed_outbox SET claimed_until = :until WHERE id IN :ids"
        ).bindparams(bindparam("until", type_=UTCDateTime), ids)
        self._mark = text(
            f"UPDATE socialfeed_outbox SET published = {'true' if postgres else '1'}, "
            "claimed_until = NULL WHERE id IN :ids"
        ).bindparams(ids)

    def relay_once(self) -> int:
        rows = cast(list[Any], self._raw.write(self._claimed))
        if rows:
            pipe = self._client.pipeline(transaction=False)
            for row_id, data in rows:
                pipe.xadd(self._stream, {"seq": row_id, "data": data})
            pipe.execute()
            marked = {"ids": [row[0] for row in rows]}
            self._raw.write(lambda conn: conn.execute(self._mark, marked))
        return len(rows)

    def _claimed(self, conn: Connection) -> list[Any]:
        if self._lock is not None:
            conn.execute(self._lock, {"key": RAW_RELAY_LOCK})
        now = datetime.now(UTC)
        rows = conn.execute(self._select, {"now": now, "lim": self._batch}).all()
        if rows:
            claim = {"ids": [row[0] for row in rows], "until": now + self.LEASE}
            conn.execute(self._claim, claim)
        return list(rows)


def _drain(relay_once: Callable[[], int]) -> tuple[float, int]:
    started = time.perf_counter()
    moved = 0
    while relayed := relay_once():
        moved += relayed
    return time.perf_counter() - started, moved


def _relay_throughput(
    storage: SQLStorage, run: RedisRun, sizes: OutboxSizes, payloads: list[str]
) -> dict[str, Any]:
    """Drain the same rows with `Relay` and with `_RawRelay`, taking turns; rates and ratio."""
    seconds: dict[str, list[float]] = {"library": [], "raw": []}
    # Run 0 warms both sides up (the first batches pay for connections and caches) and is dropped.
    for index in range(sizes.relay_runs + 1):
        for side in ("library", "raw") if index % 2 == 0 else ("raw", "library"):
            stream = run.key(f"relay:{side}:{index}")
            relay: Relay | _RawRelay
            if side == "library":
                publisher = RedisStreamPublisher(run.client, stream)
                relay = Relay(storage, publisher, batch_size=sizes.relay_batch)
            else:
                relay = _RawRelay(storage.engine, run.client, stream, sizes.relay_batch)
            _fill(storage, payloads)
            elapsed, moved = _drain(relay.relay_once)
            published = run.client.xlen(stream)
            if moved != len(payloads) or published != len(payloads):
                raise AssertionError(f"{side} relay moved {moved}, the stream holds {published}")
            if index:
                seconds[side].append(elapsed)
            run.client.delete(stream)
            _empty_outbox(storage.engine)
    library_s, raw_s = statistics.median(seconds["library"]), statistics.median(seconds["raw"])
    return {
        "events": len(payloads),
        "batch_size": sizes.relay_batch,
        "runs": sizes.relay_runs,
        "library_events_per_s": round(len(payloads) / library_s, 1),
        "raw_events_per_s": round(len(payloads) / raw_s, 1),
        "ratio": round(library_s / raw_s, 3),
        "library_seconds": [round(s, 4) for s in seconds["library"]],
        "raw_seconds": [round(s, 4) for s in seconds["raw"]],
        "payload_bytes_median": statistics.median(len(p) for p in payloads),
    }


# --- commit-to-consumer latency --------------------------------------------------------------


class _Arrivals:
    """The worker side's receiver: when each like reached it, by (user, post)."""

    def __init__(self, expected: int) -> None:
        self.at: dict[tuple[int, int], float] = {}
        self.all_in = threading.Event()
        self._expected = expected

    def __call__(self, sender: object, *, event: PostLiked) -> None:
        self.at.setdefault((event.user_id, event.post_id), time.time())
        if len(self.at) >= self._expected:
            self.all_in.set()


def _latency(
    storage: SQLStorage, run: RedisRun, sizes: OutboxSizes, pairs: list[tuple[int, int]]
) -> dict[str, Any]:
    """Like ``pairs`` at a steady rate; the time from each commit to the worker's receiver.

    Each pair is liked once in the run, so it names its event as well as the
    event id would. The writer has no receiver of its own: one would make every
    row wait for a second transaction that marks it delivered, a cost an
    application whose receivers all run in workers does not pay.
    """
    stream = run.key("latency:events")
    writer = SocialFeed(storage, settings=Settings(outbox=True))
    consumer_side = SocialFeed(storage)
    arrivals = _Arrivals(len(pairs))
    signals.post_liked.connect(arrivals, sender=consumer_side, weak=False)
    relay = Relay(storage, RedisStreamPublisher(run.client, stream))
    consumer = RedisStreamConsumer(run.client, "bench", stream=stream, consumer="bench-worker")
    worker = Worker(consumer_side, consumer)
    stop = threading.Event()
    threads = [
        threading.Thread(target=relay.run, args=(stop,), name="bench-relay"),
        threading.Thread(target=worker.run, args=(stop,), name="bench-worker"),
    ]
    for thread in threads:
        thread.start()
    try:
        committed, written_s = _write_paced(writer, pairs, sizes.latency_rate)
        if not arrivals.all_in.wait(DRAIN_TIMEOUT_S):
            missing = len(pairs) - len(arrivals.at)
            raise AssertionError(f"{missing} of {len(pairs)} likes never reached the worker")
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        consumer.close()
        signals.post_liked.disconnect(arrivals, sender=consumer_side)
    warm = round(sizes.latency_rate * sizes.latency_warmup_s)
    measured = pairs[warm:]
    latencies = sorted((arrivals.at[pair] - committed[pair]) * 1000 for pair in measured)
    if storage.engine.dialect.name == "postgresql":
        wakeup = "LISTEN/NOTIFY"
    else:
        wakeup = f"polling every {relay.poll_interval * 1000:g} ms"
    return {
        "offered_per_s": sizes.latency_rate,
        "achieved_per_s": round(len(pairs) / written_s, 1),
        "seconds": sizes.latency_seconds,
        "warmup_s": sizes.latency_warmup_s,
        "events": len(measured),
        "p50_ms": round(statistics.median(latencies), 3),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 3),
        "max_ms": round(latencies[-1], 3),
        "mean_ms": round(statistics.fmean(latencies), 3),
        "relay_wakeup": wakeup,
    }


def _write_paced(
    writer: SocialFeed, pairs: list[tuple[int, int]], rate: float
) -> tuple[dict[tuple[int, int], float], float]:
    """Like each pair at its turn of a fixed schedule; when each call returned, and the total.

    A like that starts late (the machine was busy) does not shift the ones
    after it: the schedule is fixed from the start, so the offered load holds.
    """
    committed: dict[tuple[int, int], float] = {}
    started = time.perf_counter()
    for index, pair in enumerate(pairs):
        pause = started + index / rate - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        writer.likes.like(UserId(pair[0]), PostId(pair[1]))
        committed[pair] = time.time()
    return committed, time.perf_counter() - started


# --- the report ------------------------------------------------------------------------------

PAIRINGS = {
    "receivers_in_process": "handlers in process, both sides",
    "no_receivers": "no receivers, both sides",
    "receivers_moved_to_workers": "on without receivers / off with handlers",
}


def outbox_settings(sizes: OutboxSizes, redis_run: RedisRun | None) -> dict[str, Any]:
    """What every backend's outbox figures were measured with, for the results' JSON."""
    return {
        "sizes": asdict(sizes),
        "redis": redis_run.server_version() if redis_run is not None else None,
    }


def outbox_markdown(results: dict[str, Any], backends: Iterable[str]) -> list[str]:
    """The ``## outbox and redis`` section of a preset's markdown results."""
    outbox, meta = results["outbox"], results["meta"]
    sizes, version = outbox["settings"]["sizes"], outbox["settings"]["redis"]
    measured = [backend for backend in backends if backend in outbox]
    lines = [
        HEADING,
        "",
        "### Cost of the outbox on a write",
        "",
        "The same call through a facade with `Settings.outbox` on and through one with it off, "
        f"alternating, {meta['repetitions']} repetitions after {meta['warmup']} warm-up. "
        "Pairings: the notification and hashtag handlers connected on both sides (an "
        "application that keeps its receivers in process: the outbox adds the insert and a "
        "second transaction marking the rows delivered); no receivers on either side (the "
        "insert alone); and the outbox on without receivers against it off with the handlers "
        "(what a request costs once its handlers run in stream workers).",
        "",
        "| backend | pairing | operation | outbox on median ms | on p99 ms "
        "| outbox off median ms | off p99 ms | added ms | on/off | statements on/off |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for backend in measured:
        for pairing, rows in outbox[backend]["write_cost"].items():
            for name, row in rows.items():
                lines.append(
                    f"| {backend} | {PAIRINGS.get(pairing, pairing)} | {name} "
                    f"| {row['on_median_ms']:.3f} | {row['on_p99_ms']:.3f} "
                    f"| {row['off_median_ms']:.3f} | {row['off_p99_ms']:.3f} "
                    f"| {row['added_ms']:+.3f} | {row['ratio']:.2f} "
                    f"| {row['on_statements']}/{row['off_statements']} |"
                )
    if version is None:
        return [
            *lines,
            "",
            "Redis was not used in this run (`--no-redis`): no relay, latency or Redis "
            "timeline figures.",
        ]
    lines += [
        "",
        "### Relay throughput",
        "",
        f"`Relay.relay_once` in a loop until {sizes['relay_events']:,} waiting "
        f"outbox rows (likes in wire form) are in a Redis stream, in batches of "
        f"{sizes['relay_batch']}, against raw SQL and redis-py doing the same per batch: "
        "the claim (the select and the lease's `UPDATE`, under the same advisory lock on "
        "PostgreSQL) in one transaction, a pipelined `XADD` of the same payloads with none "
        "open, the same mark-published `UPDATE` in another. Each run starts from "
        f"a fresh outbox; after a warm-up run, {sizes['relay_runs']} runs per side, taking "
        "turns; rates from the median run. Ratio: library time over raw time.",
        "",
        "| backend | events | batch | library events/s | raw events/s | ratio |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for backend in measured:
        relay = outbox[backend]["relay"]
        lines.append(
            f"| {backend} | {relay['events']:,} | {relay['batch_size']} "
            f"| {relay['library_events_per_s']:,.0f} | {relay['raw_events_per_s']:,.0f} "
            f"| {relay['ratio']:.2f} |"
        )
    lines += [
        "",
        "### Commit-to-consumer latency",
        "",
        f"One writer thread likes posts at {sizes['latency_rate']} a second through a facade "
        "with the outbox on (no receiver of its own), for "
        f"{sizes['latency_warmup_s']:g} s of warm-up then {sizes['latency_seconds']:g} s "
        "measured; a relay thread (`Relay.run`, batches of 500) publishes to a Redis stream and "
        "a worker thread (`Worker.run`) sends each event to a receiver of its own facade. "
        "Latency: when the receiver got the like, minus when the writer's call returned (after "
        "the commit). The three threads share one Python process. The relay wakes up on "
        "PostgreSQL's `NOTIFY` at each commit; on SQLite it polls every 50 ms, which adds up to "
        "50 ms, about 25 ms on average.",
        "",
        "| backend | relay wakes up by | offered likes/s | achieved likes/s | likes measured "
        "| p50 ms | p99 ms | max ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for backend in measured:
        latency = outbox[backend]["latency"]
        lines.append(
            f"| {backend} | {latency['relay_wakeup']} | {latency['offered_per_s']} "
            f"| {latency['achieved_per_s']:.0f} | {latency['events']:,} "
            f"| {latency['p50_ms']:.1f} | {latency['p99_ms']:.1f} | {latency['max_ms']:.1f} |"
        )
    return lines
