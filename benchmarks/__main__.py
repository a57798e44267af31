"""Run the benchmarks: ``python -m benchmarks --preset small --backend all``."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from sqlalchemy import Engine, create_engine

from benchmarks.dataset import PRESETS, generate
from benchmarks.http import measure_http, record_http, sqlite_database
from benchmarks.load import load, postgresql_url, prepare_postgresql, sqlite_url
from benchmarks.operations import build_operations
from benchmarks.outbox import (
    OUTBOX_SIZES,
    RedisRun,
    connect_redis,
    measure_outbox,
    outbox_markdown,
    outbox_settings,
)
from benchmarks.redis_timelines import build_redis_timeline_operations
from benchmarks.runner import (
    StatementCounter,
    check_same_result,
    machine_info,
    measure,
    write_results,
)
from benchmarks.timelines import build_timeline_operations
from socialfeed import SocialFeed
from socialfeed.storage import SQLStorage


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="default")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "all"], default="all")
    parser.add_argument("--repetitions", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument(
        "--reconcile",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="check after loading that reconcile_counters() finds nothing (default: small only)",
    )
    parser.add_argument(
        "--http",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="then GET /api/feed over HTTP against a bare raw-SQL route (with the SQLite backend)",
    )
    parser.add_argument(
        "--outbox",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="then the outbox: its cost on writes and, with Redis, the relay's throughput and "
        "the commit-to-consumer latency",
    )
    parser.add_argument(
        "--redis",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="measure what needs Redis, at SOCIALFEED_BENCH_REDIS_URL (by default "
        "redis://127.0.0.1:6379/0); a run that needs it stops at once if it is not reachable",
    )
    args = parser.parse_args(argv)
    # Before the long generate and load: a missing Redis should fail the run at once.
    redis_run = connect_redis() if args.redis else None
    try:
        return _run(args, redis_run)
    finally:
        if redis_run is not None:
            redis_run.close()


def _run(args: argparse.Namespace, redis_run: RedisRun | None) -> int:
    reconcile = args.preset == "small" if args.reconcile is None else args.reconcile
    backends = ["sqlite", "postgresql"] if args.backend == "all" else [args.backend]

    started = time.perf_counter()
    data = generate(PRESETS[args.preset])
    generate_s = time.perf_counter() - started
    _log(f"generated {data.rows():,} rows in {generate_s:.1f} s")

    results: dict[str, Any] = {}
    outbox_sizes = OUTBOX_SIZES[args.preset]
    if args.outbox:
        results["outbox"] = {"settings": outbox_settings(outbox_sizes, redis_run)}
    loads: dict[str, dict[str, float]] = {}
    engines: dict[str, Engine] = {}
    for backend in backends:
        if backend == "sqlite":
            url = sqlite_url(args.preset)
        else:
            url = postgresql_url(args.preset)
            prepare_postgresql(url)
        loader = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        loads[backend] = load(loader, data)
        loader.dispose()
        _log(f"{backend}: loaded in {loads[backend]['total_s']:.1f} s {loads[backend]}")

        storage = SQLStorage.from_url(url)
        engines[backend] = storage.engine
        feed = SocialFeed(storage)
        if reconcile:
            wrong = feed.maintenance.reconcile_counters()
            _log(f"{backend}: reconcile_counters() = {wrong}")
            if wrong:
                raise SystemExit(f"{backend}: the loaded counters are inconsistent ({wrong})")
        counter = StatementCounter(storage.engine)
        ops = build_operations(feed, data, args.repetitions, args.warmup)
        ops += build_timeline_operations(feed, data)
        if redis_run is not None:
            # A prefix per backend: each backend's timelines are built from its own rows.
            prefix = redis_run.key(f"{backend}:")
            ops += build_redis_timeline_operations(feed, data, redis_run.client, prefix)
        results[backend] = {}
        for op in ops:
            if op.kind == "read":
                check_same_result(op)
            results[backend][op.name] = row = measure(op, args.repetitions, args.warmup, counter)
            _log(
                f"{backend} {op.name}: library {row['library_median_ms']:.3f} ms, "
                f"raw {row['raw_median_ms']:.3f} ms ({row['raw_shape']}), "
                f"ratio {row['ratio']:.2f}"
            )
        if args.outbox:
            results["outbox"][backend] = measure_outbox(
                storage,
                data,
                outbox_sizes,
                args.repetitions,
                args.warmup,
                counter,
                redis_run,
                _log,
            )
    results["machine"] = machine_info(engines)
    if redis_run is not None:
        results["machine"]["redis"] = redis_run.server_version()
    results["meta"] = {
        "preset": args.preset,
        "sizes": vars(PRESETS[args.preset]),
        "rows": data.rows(),
        "rows_per_table": {name: len(rows) for name, rows in data.tables.items()},
        "generate_s": round(generate_s, 2),
        "load": {name: {k: round(v, 2) for k, v in times.items()} for name, times in loads.items()},
        "repetitions": args.repetitions,
        "warmup": args.warmup,
        "users": {
            "typical": data.typical_user,
            "following_2000": data.heavy_user,
            "following_few": data.light_user,
            "popular": data.popular_user,
            "prolific_author": data.prolific_author,
            "chat_pair": data.chat_pair,
            "tag": data.popular_tag,
        },
    }
    for engine in engines.values():
        engine.dispose()
    sections = outbox_markdown(results, backends) if args.outbox else []
    json_path, md_path = write_results(args.preset, results, sections)
    if args.http and "sqlite" in backends:
        _log("http: the FastAPI example's GET /api/feed against a bare raw-SQL route")
        record_http(args.preset, measure_http(sqlite_database(args.preset), data.typical_user))
    _log(f"wrote {json_path} and {md_path}")
    print(md_path.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
