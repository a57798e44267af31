"""The HTTP benchmark's machinery: its bare routes answer like the example, and a run measures."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from benchmarks import http as http_benchmark
from benchmarks.http_app import LIBRARY_FEED_PATH, RAW_FEED_PATH, build_app, choose_raw_shape
from benchmarks.http_load import parse_wrk
from socialfeed import SocialFeed
from socialfeed.storage import Storage
from tests.conftest import HASHER
from tests.support import PASSWORD

# The benchmark's own machinery: real processes, a load generator, timed runs.
pytestmark = pytest.mark.slow

# Starlette warns at import when it finds httpx rather than its successor httpx2;
# the suite turns warnings into errors, and this one says nothing about our code.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient


def build_world(feed: SocialFeed) -> tuple[int, str]:
    """A viewer whose feed has more than a page, a like, a private followee, a mute and a block.

    Returns the viewer's id and a session token.
    """
    viewer = feed.accounts.register("viewer", "viewer@example.com", PASSWORD).id
    friend, secret, muted, blocker, stranger = (
        feed.accounts.create_profile(name).id
        for name in ("friend", "secret", "muted", "blocker", "stranger")
    )
    for followee in (friend, secret, muted, blocker):
        feed.follows.follow(viewer, followee)
    feed.users.set_private(secret, True)
    feed.mutes.mute(viewer, muted)
    for round_ in range(8):
        for author in (viewer, friend, secret, muted, blocker, stranger):
            feed.posts.create(author, content=f"post {round_} by {author}")
    feed.blocks.block(blocker, viewer)
    feed.likes.like(viewer, feed.posts.by_author(friend, viewer_id=viewer).items[0].id)
    return viewer, feed.accounts.login("viewer", PASSWORD).token


def test_bare_routes_answer_like_the_example(sql_storage: Storage) -> None:
    """Every raw feed shape, and the library in a bare route, answer /api/feed's exact JSON."""
    feed = SocialFeed(sql_storage, password_hasher=HASHER)
    viewer, token = build_world(feed)
    headers = {"Authorization": f"Bearer {token}"}
    shapes = choose_raw_shape(feed, viewer, rounds=1)
    assert len(shapes) >= 2
    for shape in shapes:
        client = TestClient(build_app(feed, shape))
        expected = client.get("/api/feed", headers=headers)
        assert expected.status_code == 200
        items = expected.json()
        # A full page of the viewer, friend and the private followee; no muted or blocking author.
        assert len(items) == 20
        assert {item["author_username"] for item in items} == {"viewer", "friend", "secret"}
        for path in (RAW_FEED_PATH, LIBRARY_FEED_PATH):
            answer = client.get(path, headers=headers)
            assert answer.status_code == 200, (shape, path)
            assert answer.json() == items, (shape, path)
            assert answer.headers.get("X-Next-Cursor"), (shape, path)


def test_bare_routes_refuse_an_unknown_token(sql_storage: Storage) -> None:
    """A token that is no session gets the example's 401 from both bare routes."""
    feed = SocialFeed(sql_storage, password_hasher=HASHER)
    viewer, _ = build_world(feed)
    client = TestClient(build_app(feed, next(iter(choose_raw_shape(feed, viewer, rounds=1)))))
    headers = {"Authorization": "Bearer not-a-session"}
    expected = client.get("/api/feed", headers=headers)
    assert expected.status_code == 401
    for path in (RAW_FEED_PATH, LIBRARY_FEED_PATH):
        answer = client.get(path, headers=headers)
        assert (answer.status_code, answer.json()) == (401, expected.json())
        assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_a_short_run_measures_every_route_and_records_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """uvicorn and the Python load generator in their own processes give figures per route."""
    database = f"sqlite:///{tmp_path / 'bench.sqlite'}"
    feed = SocialFeed.from_url(database, password_hasher=HASHER)
    viewer, _ = build_world(feed)
    feed.close()
    result = http_benchmark.measure_http(
        database,
        viewer,
        rounds=2,
        duration=0.25,
        warmup=0,
        concurrency=2,
        load_generator="python",
        one_connection=0.5,
    )
    for name in ("library", "library_direct", "raw"):
        row = result[name]
        assert len(row["rounds"]) == 2, name
        assert row["requests"] == sum(r["requests"] for r in row["rounds"]) > 0, name
        assert 0 < row["p50_ms"] <= row["p99_ms"], name
        alone = result["one_connection"][name]
        assert alone["errors"] == 0, name
        assert 0 < alone["p50_ms"] <= alone["p99_ms"], name
    # One connection takes the three routes in turn: their counts differ by one at most.
    counts = [alone["requests"] for alone in result["one_connection"].values()]
    assert max(counts) - min(counts) <= 1
    # Two rounds: the median of the per-round ratios is their mean.
    pairs = zip(result["raw"]["rounds"], result["library"]["rounds"], strict=True)
    ratios = [raw["requests_per_s"] / library["requests_per_s"] for raw, library in pairs]
    assert result["ratio"] == pytest.approx(sum(ratios) / 2, abs=0.001)

    monkeypatch.setattr(http_benchmark, "RESULTS", tmp_path)
    (tmp_path / "tiny.json").write_text(json.dumps({"sqlite": {"op": 1}}))
    (tmp_path / "tiny.md").write_text("# socialfeed benchmark\n\n## sqlite\n\nrows\n")
    http_benchmark.record_http("tiny", result)
    http_benchmark.record_http("tiny", result)
    assert json.loads((tmp_path / "tiny.json").read_text()) == {
        "sqlite": {"op": 1},
        "http": json.loads(json.dumps(result)),
    }
    markdown = (tmp_path / "tiny.md").read_text()
    assert markdown.startswith("# socialfeed benchmark\n\n## sqlite\n\nrows\n\n## http\n")
    assert markdown.count("## http") == 1


WRK_OUTPUT = """Running 5s test @ http://127.0.0.1:8000/api/feed
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    18.20ms    6.10ms  61.30ms   80.00%
    Req/Sec   440.10     30.20   500.00     70.00%
  Latency Distribution
     50%   17.10ms
     75%   20.40ms
     90%   25.00ms
     99%    1.20s
  2201 requests in 5.00s, 3.10MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:    440.12
Transfer/sec:    634.00KB
"""


def test_wrk_output_is_read_with_its_units_and_errors() -> None:
    """wrk's totals, p50, p99 (in any unit) and failed requests are read from its report."""
    result = parse_wrk(WRK_OUTPUT)
    assert (result.requests, result.seconds, result.requests_per_s) == (2201, 5.0, 440.2)
    assert (result.p50_ms, result.p99_ms, result.errors) == (17.1, 1200.0, 7)
    with pytest.raises(ValueError, match="unexpected wrk output"):
        parse_wrk("Running 5s test\n")
