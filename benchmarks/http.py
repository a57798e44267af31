"""The HTTP benchmark: ``GET /api/feed`` of the FastAPI example against a bare raw-SQL route.

uvicorn serves `benchmarks.http_app` (the example app plus the bare route) on
loopback in its own process, over a loaded SQLite benchmark database; a load
generator in a third process (wrk, or `benchmarks.http_load`) loads one route
at a time, the two routes alternating round by round, signed in as the
dataset's typical user. Run it alone with ``python -m benchmarks.http --preset
small`` (it generates and loads the SQLite database first), or as the last step
of ``python -m benchmarks``. Its figures go into the ``http`` section of the
preset's results.
"""

from __future__ import annotations

import argparse
import json
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url

from benchmarks.dataset import PRESETS, generate
from benchmarks.http_app import LIBRARY_FEED_PATH, RAW_FEED_PATH
from benchmarks.http_load import Round, available_tool, python_rounds, run_round
from benchmarks.load import DATA_DIR, load
from benchmarks.runner import RESULTS
from socialfeed import PasswordHasher, SocialFeed
from socialfeed.ids import UserId

__all__ = ["http_markdown", "measure_http", "record_http", "sign_in", "sqlite_database"]

LIBRARY_PATH = "/api/feed"
ROOT = Path(__file__).resolve().parent.parent
HEADING = "## http"


def sqlite_database(preset: str) -> str:
    """The URL of a preset's loaded SQLite database, as ``python -m benchmarks`` left it."""
    return f"sqlite:///{DATA_DIR / f'{preset}.sqlite'}"


def _own_sqlite_database(preset: str) -> str:
    """A fresh file of the HTTP benchmark's own, so a full run's file is never deleted under it."""
    DATA_DIR.mkdir(exist_ok=True)
    path = DATA_DIR / f"{preset}-http.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def sign_in(database: str, user_id: UserId) -> str:
    """Give a generated user (who has no password) one, log in through the library; the token."""
    password = secrets.token_urlsafe(16)
    feed = SocialFeed.from_url(database)
    try:
        with feed.storage.transaction() as uow:
            user = uow.users.get(user_id)
            if user is None:
                raise SystemExit(f"user {user_id} is not in {database}")
            uow.users.set_password_hash(user_id, PasswordHasher().hash(password))
        return feed.accounts.login(user.username, password).token
    finally:
        feed.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _get(url: str, token: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status), bytes(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _wait_ready(url: str, token: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            status, body = _get(url, token)
        except OSError:
            # Not listening yet, or it died: the deadline ends either wait.
            time.sleep(0.1)
            continue
        if status != 200:
            raise RuntimeError(f"GET {url} answered {status}: {body[:200]!r}")
        return
    raise RuntimeError(f"the benchmark server did not answer {url} within 60 s")


def _summary(path: str, rounds: list[Round]) -> dict[str, Any]:
    """Medians over the rounds: a round slowed by another process moves them least."""
    return {
        "path": path,
        "requests_per_s": round(statistics.median(r.requests_per_s for r in rounds), 1),
        "p50_ms": round(statistics.median(r.p50_ms for r in rounds), 3),
        "p99_ms": round(statistics.median(r.p99_ms for r in rounds), 3),
        "requests": sum(r.requests for r in rounds),
        "rounds": [asdict(r) for r in rounds],
    }


def _paired(over: list[Round], under: list[Round], figure: str) -> float:
    """The median of per-round ratios: rounds run back to back share the machine's load."""
    ratios = [
        float(getattr(a, figure)) / float(getattr(b, figure))
        for a, b in zip(over, under, strict=True)
    ]
    return round(statistics.median(ratios), 3)


@contextmanager
def _serving(database: str, viewer: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """Run `benchmarks.http_app` in its own process; yield its base URL and raw shape."""
    port = _free_port()
    command = [sys.executable, "-m", "benchmarks.http_app", "--database", database]
    command += ["--viewer", str(viewer), "--port", str(port)]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        chosen = json.loads(server.stdout.readline() or "null")
        if chosen is None:
            raise RuntimeError(f"the benchmark server exited with {server.wait()}")
        yield f"http://127.0.0.1:{port}", chosen
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if server.stdout is not None:
            server.stdout.close()


def measure_http(
    database: str,
    viewer: int,
    *,
    rounds: int = 10,
    duration: float = 2.0,
    warmup: float = 2.0,
    concurrency: int = 8,
    load_generator: str = "auto",
    one_connection: float = 10.0,
) -> dict[str, Any]:
    """Serve ``database``, load the three routes in turns, return the figures.

    Then, for ``one_connection`` seconds, one connection sends the three
    requests in turn: each route's latency with no queue, under the same load.
    """
    tool = available_tool(load_generator)
    token = sign_in(database, UserId(viewer))
    headers = {"Authorization": f"Bearer {token}"}
    paths = {"library": LIBRARY_PATH, "library_direct": LIBRARY_FEED_PATH, "raw": RAW_FEED_PATH}
    measured: dict[str, list[Round]] = {name: [] for name in paths}
    with _serving(database, viewer) as (base, chosen):
        _wait_ready(base + LIBRARY_PATH, token)
        # Every route must answer the same items, fields and values before they are timed.
        bodies = {name: _get(base + path, token) for name, path in paths.items()}
        if len(set(bodies.values())) != 1 or not json.loads(bodies["raw"][1]):
            raise AssertionError(f"the routes answer differently: {bodies!r:.600}")
        for path in paths.values() if warmup > 0 else ():
            run_round(tool, base + path, headers, concurrency, warmup)
        names = list(paths)
        for index in range(rounds):
            # Rotate which route goes first, so a drift in the machine's load hits all.
            shift = index % len(names)
            for name in names[shift:] + names[:shift]:
                result = run_round(tool, base + paths[name], headers, concurrency, duration)
                if result.errors:
                    raise RuntimeError(f"{paths[name]}: {result.errors} failed requests")
                measured[name].append(result)
        urls = [base + path for path in paths.values()]
        alone = dict(zip(paths, python_rounds(urls, headers, 1, one_connection), strict=True))
    library = _summary(LIBRARY_PATH, measured["library"])
    direct = _summary(LIBRARY_FEED_PATH, measured["library_direct"])
    raw = _summary(RAW_FEED_PATH, measured["raw"])
    return {
        "backend": make_url(database).get_backend_name(),
        "viewer": viewer,
        "load_generator": _tool_version(tool),
        "concurrency": concurrency,
        "rounds": rounds,
        "round_s": duration,
        "warmup_s": warmup,
        "raw_shape": chosen["raw_shape"],
        "raw_candidates_median_ms": chosen["raw_candidates_median_ms"],
        "library": library,
        "library_direct": direct,
        "raw": raw,
        # As in the other tables, library cost over raw cost: >1 means the library is slower.
        "ratio": _paired(measured["raw"], measured["library"], "requests_per_s"),
        "p50_ratio": _paired(measured["library"], measured["raw"], "p50_ms"),
        "p99_ratio": _paired(measured["library"], measured["raw"], "p99_ms"),
        "library_direct_ratio": _paired(
            measured["raw"], measured["library_direct"], "requests_per_s"
        ),
        "one_connection": {name: asdict(result) for name, result in alone.items()},
        "one_connection_p50_ratio": round(alone["library"].p50_ms / alone["raw"].p50_ms, 3),
        "one_connection_direct_p50_ratio": round(
            alone["library_direct"].p50_ms / alone["raw"].p50_ms, 3
        ),
    }


def _tool_version(tool: str) -> str:
    if tool != "wrk":
        return "python (benchmarks.http_load)"
    done = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    first = (done.stdout or done.stderr).strip().splitlines()
    return first[0].split(" [")[0] if first else "wrk"


def http_markdown(result: dict[str, Any]) -> list[str]:
    """The ``## http`` section of a preset's markdown results."""
    alone = result["one_connection"]
    shapes = ", ".join(f"{k} {v:.3f} ms" for k, v in result["raw_candidates_median_ms"].items())
    labels = {
        "library": "example app",
        "library_direct": "library in a bare route",
        "raw": "raw SQL in a bare route",
    }
    return [
        HEADING,
        "",
        f"`GET {result['library']['path']}` of the FastAPI example (uvicorn, one worker, "
        f"loopback, {result['backend']}) for the typical user (id {result['viewer']}), against a "
        "bare FastAPI route that checks the same token and reads the same page with the fastest "
        f"raw feed shape (`{result['raw_shape']}`; {shapes}) and answers the same JSON, and a "
        f"bare route calling the library. Load: {result['load_generator']} in its own process, "
        f"{result['concurrency']} keep-alive connections, {result['rounds']} rounds of "
        f"{result['round_s']:g} s per route after {result['warmup_s']:g} s of warm-up, the "
        "routes taking turns; medians of the rounds, and ratios as the median of the per-round "
        "ratios. Then one connection sending the three requests in turn "
        f"({alone['raw']['seconds']:.0f} s, the Python generator): each route's latency without "
        "a queue, under the same load.",
        "",
        "| route | requests/s | p50 ms | p99 ms | requests | p50 ms, one connection |",
        "|---|---:|---:|---:|---:|---:|",
        *(
            f"| {label} `{result[name]['path']}` | {result[name]['requests_per_s']:.1f} "
            f"| {result[name]['p50_ms']:.3f} | {result[name]['p99_ms']:.3f} "
            f"| {result[name]['requests']} | {alone[name]['p50_ms']:.3f} |"
            for name, label in labels.items()
        ),
        "",
        f"Ratio (raw requests/s over the example's requests/s): **{result['ratio']:.2f}x**; "
        f"p50 {result['p50_ratio']:.2f}x, p99 {result['p99_ratio']:.2f}x; the library in a bare "
        f"route {result['library_direct_ratio']:.2f}x. One connection, p50 over raw: the example "
        f"{result['one_connection_p50_ratio']:.2f}x, the library in a bare route "
        f"{result['one_connection_direct_p50_ratio']:.2f}x.",
    ]


def record_http(preset: str, result: dict[str, Any]) -> tuple[Path, Path]:
    """Put ``result`` as ``http`` into the preset's JSON, and replace its markdown section."""
    RESULTS.mkdir(exist_ok=True)
    json_path = RESULTS / f"{preset}.json"
    results = json.loads(json_path.read_text()) if json_path.exists() else {}
    results["http"] = result
    json_path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    md_path = RESULTS / f"{preset}.md"
    text = (
        md_path.read_text() if md_path.exists() else f"# socialfeed benchmark, preset `{preset}`\n"
    )
    kept = text.split(f"\n{HEADING}\n", 1)[0].rstrip("\n")
    md_path.write_text(kept + "\n\n" + "\n".join(http_markdown(result)) + "\n")
    return json_path, md_path


def _typical_user_of(preset: str) -> int:
    """The typical user as the preset's committed results name it."""
    path = RESULTS / f"{preset}.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    typical = results.get("meta", {}).get("users", {}).get("typical")
    typical = results.get("http", {}).get("viewer") if typical is None else typical
    if typical is None:
        raise SystemExit(f"{path} names no typical user: pass --viewer")
    return int(typical)


def main(argv: list[str] | None = None) -> int:
    """Generate and load the preset on SQLite (or serve a loaded database), measure, record."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.http", description=__doc__)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="default")
    parser.add_argument(
        "--database",
        help="serve this already loaded database of the preset (for example the SQLite file "
        "python -m benchmarks left: sqlite:///benchmarks/.data/<preset>.sqlite) instead of "
        "loading one",
    )
    parser.add_argument("--viewer", type=int, help="with --database: the user to sign in as")
    parser.add_argument("--rounds", type=int, default=10, help="rounds per route")
    parser.add_argument("--duration", type=float, default=2.0, help="seconds per round")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--load-generator", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--no-record", action="store_true", help="print, do not write results")
    args = parser.parse_args(argv)
    if args.database:
        database = args.database
        viewer = args.viewer if args.viewer is not None else _typical_user_of(args.preset)
    else:
        data = generate(PRESETS[args.preset])
        database = _own_sqlite_database(args.preset)
        loader = create_engine(database)
        load(loader, data)
        loader.dispose()
        viewer = data.typical_user
        del data  # the server process needs the memory more than this one
    result = measure_http(
        database,
        viewer,
        rounds=args.rounds,
        duration=args.duration,
        concurrency=args.concurrency,
        load_generator=args.load_generator,
    )
    print("\n".join(http_markdown(result)))
    if not args.no_record:
        json_path, md_path = record_http(args.preset, result)
        print(f"wrote {json_path} and {md_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
