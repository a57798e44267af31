"""Timing: library and raw SQL interleaved, medians and p99, and the written results."""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import Engine, event

from benchmarks.operations import Call, Operation
from socialfeed.models import Page

__all__ = ["check_same_result", "machine_info", "measure", "write_results"]

RESULTS = Path(__file__).parent / "results"
TARGETS = {"read": 2.0, "write": 3.0}
BACKENDS = ("sqlite", "postgresql")


class StatementCounter:
    """Counts the statements an engine runs while ``on`` is set."""

    def __init__(self, engine: Engine) -> None:
        self.on = False
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        if self.on:
            self.count += 1

    def during(self, call: Call, index: int) -> int:
        self.count, self.on = 0, True
        try:
            call(index)
        finally:
            self.on = False
        return self.count


def _ms(samples: list[int]) -> tuple[float, float]:
    values = sorted(ns / 1e6 for ns in samples)
    p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
    return statistics.median(values), p99


def measure(
    op: Operation, repetitions: int, warmup: int, counter: StatementCounter
) -> dict[str, Any]:
    """Time ``op``: pick the fastest raw candidate, then library and raw alternately."""
    if len(op.raw) > 1:
        samples: dict[str, list[int]] = {name: [] for name in op.raw}
        for index in range(max(15, min(40, repetitions // 5))):
            for name, call in op.raw.items():
                started = time.perf_counter_ns()
                call(index)
                samples[name].append(time.perf_counter_ns() - started)
        op.calibration_ms = {name: round(_ms(s)[0], 4) for name, s in samples.items()}
        op.chosen = min(op.calibration_ms, key=op.calibration_ms.__getitem__)
    else:
        op.chosen = next(iter(op.raw))
    raw = op.raw[op.chosen]
    library_ns: list[int] = []
    raw_ns: list[int] = []
    library_statements = raw_statements = 0
    for index in range(warmup + repetitions):
        if index < warmup:
            library_statements = counter.during(op.library, index)
            raw_statements = counter.during(raw, index)
            continue
        started = time.perf_counter_ns()
        op.library(index)
        middle = time.perf_counter_ns()
        raw(index)
        library_ns.append(middle - started)
        raw_ns.append(time.perf_counter_ns() - middle)
    library_median, library_p99 = _ms(library_ns)
    raw_median, raw_p99 = _ms(raw_ns)
    result: dict[str, Any] = {
        "library_median_ms": round(library_median, 4),
        "library_p99_ms": round(library_p99, 4),
        "raw_median_ms": round(raw_median, 4),
        "raw_p99_ms": round(raw_p99, 4),
        "ratio": round(library_median / raw_median, 3),
        "kind": op.kind,
        "raw_shape": op.chosen,
        "library_statements": library_statements,
        "raw_statements": raw_statements,
    }
    if op.calibration_ms:
        result["raw_candidates_median_ms"] = op.calibration_ms
    return result


def _ids(result: object) -> list[int]:
    if isinstance(result, int):
        return [result]
    if isinstance(result, Page):
        items: list[Any] = [getattr(item, "post", item) for item in result.items]
        return [int(item.id) for item in items]
    assert isinstance(result, list)
    return [row[0] for row in result][:20]


def check_same_result(op: Operation) -> None:
    """A read's library page and every raw candidate's rows name the same items."""
    expected = _ids(op.library(0))
    for name, call in op.raw.items():
        got = _ids(call(0))
        if got != expected:
            raise AssertionError(f"{op.name}: raw {name} gave {got[:5]}..., library {expected[:5]}")


def machine_info(engines: dict[str, Engine]) -> dict[str, Any]:
    cpu = platform.processor()
    meminfo = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        meminfo = Path("/proc/meminfo").read_text().splitlines()[0].split(":", 1)[1].strip()
    except OSError:
        pass
    import sqlite3

    info: dict[str, Any] = {
        "platform": platform.platform(),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "memory": meminfo,
        "python": platform.python_version(),
        "sqlalchemy": sqlalchemy.__version__,
        "sqlite": sqlite3.sqlite_version,
    }
    if "postgresql" in engines:
        with engines["postgresql"].connect() as conn:
            info["postgresql"] = conn.exec_driver_sql("SHOW server_version").scalar()
        import psycopg

        info["psycopg"] = psycopg.__version__
    return info


def _targets(ops: dict[str, dict[str, Any]]) -> list[str]:
    notes: list[str] = []
    for name, row in ops.items():
        limit = TARGETS[row["kind"]]
        if row["ratio"] > limit:
            notes.append(f"{name}: {row['ratio']:.2f}x > {limit:.0f}x")
    page1, page50 = ops.get("feed_page1_typical"), ops.get("feed_page50_typical")
    if page1 and page50:
        depth = page50["library_median_ms"] / page1["library_median_ms"]
        if depth > 1.2:
            notes.append(f"feed page 50 / page 1: {depth:.2f}x > 1.2x")
    return notes


def write_results(
    preset: str, results: dict[str, Any], sections: Sequence[str] = ()
) -> tuple[Path, Path]:
    """Write ``<preset>.json`` and ``<preset>.md`` under benchmarks/results.

    ``sections`` are markdown lines of further measurements, written after
    the backends' tables.
    """
    RESULTS.mkdir(exist_ok=True)
    json_path = RESULTS / f"{preset}.json"
    json_path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    lines = [f"# socialfeed benchmark, preset `{preset}`", ""]
    machine = results["machine"]
    lines.append(
        f"Machine: {machine['cpu']} ({machine['cpu_count']} CPUs, {machine['memory']}), "
        f"{machine['platform']}, Python {machine['python']}, SQLAlchemy {machine['sqlalchemy']}, "
        f"SQLite {machine['sqlite']}"
        + (f", PostgreSQL {machine['postgresql']}" if "postgresql" in machine else "")
        + (f", Redis {machine['redis']}" if machine.get("redis") else "")
        + "."
    )
    meta = results["meta"]
    lines.append(
        f"Dataset: {meta['rows']:,} rows, generated in {meta['generate_s']:.1f} s; "
        f"{meta['repetitions']} repetitions after {meta['warmup']} warm-up, library and raw "
        "SQL interleaved. Targets: reads <= 2x, writes <= 3x, feed page 50 <= 1.2x page 1."
    )
    for backend in BACKENDS:
        if backend not in results:
            continue
        ops = results[backend]
        load = meta["load"][backend]
        lines += [
            "",
            f"## {backend}",
            "",
            f"Bulk load: {load['total_s']:.1f} s (rows {load['insert_rows_s']:.1f} s, "
            f"indexes {load['create_indexes_s']:.1f} s, analyze {load['analyze_s']:.1f} s).",
            "",
            "| operation | library median ms | library p99 ms | raw median ms | raw p99 ms "
            "| ratio | target | statements lib/raw | raw shape |",
            "|---|---:|---:|---:|---:|---:|---|---|---|",
        ]
        for name, row in ops.items():
            limit = TARGETS[row["kind"]]
            verdict = "ok" if row["ratio"] <= limit else f"**miss** (> {limit:.0f}x)"
            lines.append(
                f"| {name} | {row['library_median_ms']:.3f} | {row['library_p99_ms']:.3f} "
                f"| {row['raw_median_ms']:.3f} | {row['raw_p99_ms']:.3f} | {row['ratio']:.2f} "
                f"| {verdict} | {row['library_statements']}/{row['raw_statements']} "
                f"| {row['raw_shape']} |"
            )
        page1, page50 = ops.get("feed_page1_typical"), ops.get("feed_page50_typical")
        if page1 and page50:
            depth = page50["library_median_ms"] / page1["library_median_ms"]
            lines.append("")
            lines.append(
                f"Feed page 50 / page 1 (library medians): {depth:.2f}x "
                f"({'ok' if depth <= 1.2 else '**miss**'}, target <= 1.2x)."
            )
        shapes = [
            f"{name}: "
            + ", ".join(
                f"{shape} {ms:.3f} ms" for shape, ms in row["raw_candidates_median_ms"].items()
            )
            for name, row in ops.items()
            if "raw_candidates_median_ms" in row
        ]
        if shapes:
            lines += ["", "Raw feed shapes tried (calibration medians):", ""]
            lines += [f"- {shape}" for shape in shapes]
        misses = _targets(ops)
        lines.append("")
        lines.append("Missed targets: " + ("; ".join(misses) if misses else "none") + ".")
    if sections:
        lines += ["", *sections]
    md_path = RESULTS / f"{preset}.md"
    md_path.write_text("\n".join(lines) + "\n")
    return json_path, md_path
