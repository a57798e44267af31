"""Print the query plans of what each benchmarked read runs, library and raw SQL.

Run it after ``python -m benchmarks`` loaded a preset, on the same databases::

    python -m benchmarks.explain --preset small --backend postgresql

On PostgreSQL the plans come from ``EXPLAIN (ANALYZE, BUFFERS)``, on SQLite from
``EXPLAIN QUERY PLAN``. Writes are listed statement by statement, and their
SELECTs explained without running them again.
"""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy import event

from benchmarks.dataset import PRESETS, generate
from benchmarks.load import DATA_DIR, postgresql_url
from benchmarks.operations import Call, build_operations
from socialfeed import SocialFeed
from socialfeed.storage import SQLStorage


def _capture(feed: SocialFeed, call: Call, index: int) -> list[tuple[str, Any]]:
    engine = feed.storage.engine  # type: ignore[attr-defined]
    seen: list[tuple[str, Any]] = []

    def listener(_c: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        call(index)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return seen


def _plan(feed: SocialFeed, statement: str, parameters: Any, analyze: bool) -> str:
    engine = feed.storage.engine  # type: ignore[attr-defined]
    postgres = engine.dialect.name == "postgresql"
    if postgres:
        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if analyze else "EXPLAIN "
    else:
        prefix = "EXPLAIN QUERY PLAN "
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(prefix + statement, parameters).all()
        conn.rollback()
    if postgres:
        return "\n".join(str(row[0]) for row in rows)
    return "\n".join(f"{row[1]:>3} {row[2]:>3} {row[3]}" for row in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.explain", description=__doc__)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="default")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--only", help="a comma-separated list of operation names")
    parser.add_argument("--writes", action="store_true", help="list write statements too")
    args = parser.parse_args(argv)
    url = (
        f"sqlite:///{DATA_DIR / f'{args.preset}.sqlite'}"
        if args.backend == "sqlite"
        else postgresql_url(args.preset)
    )
    feed = SocialFeed(SQLStorage.from_url(url))
    data = generate(PRESETS[args.preset])
    wanted = set(args.only.split(",")) if args.only else None
    # Writes use pairs far past those a benchmark run took, so they still change something.
    index = 4999
    for op in build_operations(feed, data, index + 1, 0):
        if wanted is not None and op.name not in wanted:
            continue
        if op.kind == "write" and not args.writes:
            continue
        sides: list[tuple[str, Call]] = [("library", op.library), *op.raw.items()]
        for side, call in sides:
            print(f"\n======== {args.backend} {op.name} [{side}]")
            for statement, parameters in _capture(feed, call, index if op.kind == "write" else 0):
                if statement.strip().upper() in ("BEGIN", "BEGIN IMMEDIATE"):
                    continue
                print("\n-- " + " ".join(statement.split()))
                print(f"-- parameters: {parameters!r}"[:300])
                if statement.lstrip().upper().startswith(("SELECT", "WITH")):
                    print(_plan(feed, statement, parameters, analyze=op.kind == "read"))
    feed.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
