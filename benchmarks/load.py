"""Bulk loading of a dataset straight into socialfeed's tables.

Tables are created without their secondary indexes, filled (SQLite through
SQLAlchemy Core executemany, PostgreSQL through psycopg's COPY), then indexed
and analyzed, the way a restore or a migration would do it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, insert, make_url, text
from sqlalchemy.schema import CreateIndex, CreateTable

from benchmarks.dataset import Dataset, Row
from socialfeed.storage.sql.schema import metadata

__all__ = ["load", "postgresql_url", "prepare_postgresql", "sqlite_url"]

CHUNK = 50_000
DATA_DIR = Path(__file__).parent / ".data"


def sqlite_url(preset: str) -> str:
    DATA_DIR.mkdir(exist_ok=True)
    path = DATA_DIR / f"{preset}.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def postgresql_url(preset: str) -> str:
    return os.environ.get(
        "SOCIALFEED_BENCH_POSTGRESQL_URL",
        f"postgresql://postgres@127.0.0.1:5432/socialfeed_bench_{preset}",
    )


def prepare_postgresql(url: str) -> None:
    """Create the benchmark database if needed; drop socialfeed's tables in it."""
    parsed = make_url(url).set(drivername="postgresql+psycopg")
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
        ).scalar()
        if not exists:
            conn.exec_driver_sql(f'CREATE DATABASE "{parsed.database}"')
    admin.dispose()
    engine = create_engine(parsed)
    metadata.drop_all(engine)
    engine.dispose()


def _chunks(rows: list[Row]) -> Iterator[list[Row]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def load(engine: Engine, data: Dataset) -> dict[str, float]:
    """Create the tables, fill them, index and analyze them; return seconds per phase."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            conn.execute(CreateTable(table))
    timings["create_tables_s"] = time.perf_counter() - started

    started = time.perf_counter()
    with engine.begin() as conn:
        if postgres:
            # No foreign-key triggers during the load: the rows are consistent by construction.
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            cursor: Any = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            for table in metadata.sorted_tables:
                rows = data.tables.get(table.name)
                if not rows:
                    continue
                columns = ", ".join(data.columns[table.name])
                with cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        else:
            conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
            for table in metadata.sorted_tables:
                rows = data.tables.get(table.name)
                if not rows:
                    continue
                names = data.columns[table.name]
                for chunk in _chunks(rows):
                    conn.execute(
                        insert(table), [dict(zip(names, row, strict=True)) for row in chunk]
                    )
    timings["insert_rows_s"] = time.perf_counter() - started

    started = time.perf_counter()
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            for index in table.indexes:
                conn.execute(CreateIndex(index))
        if postgres:
            for table in metadata.sorted_tables:
                if "id" in table.c and table.c.id.autoincrement is True:
                    conn.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT coalesce(max(id), 0) + 1 FROM {table.name}), false)"
                    )
    timings["create_indexes_s"] = time.perf_counter() - started

    started = time.perf_counter()
    if postgres:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE)")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    timings["analyze_s"] = time.perf_counter() - started
    timings["total_s"] = sum(timings.values())
    return timings
