"""The app the HTTP benchmark serves: the FastAPI example plus one bare route on raw SQL.

``GET /bench/raw-feed`` answers like the example's ``GET /api/feed`` (the same
bearer token, the same JSON items through the same Pydantic schema, the same
next-cursor header) but reads the session and the feed with the raw SQL of
`benchmarks.operations`, so the two routes differ only in what happens between
the token and the rows. ``GET /bench/library-feed`` is the bare route's twin
calling the library instead (`authenticate`, then `feed.home`): it tells how
much of the gap is the library and how much the example's own layers. Run it with
``python -m benchmarks.http_app --database URL --viewer ID --port N``:
it prints one JSON line (the raw feed shape it chose) and then serves.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import uvicorn
from fastapi import FastAPI, HTTPException, Response, status
from sqlalchemy import Engine, Row

from benchmarks.operations import LIMIT, Raw, _feed_operation, _sql
from examples.fastapi_app import schemas
from examples.fastapi_app.app import create_app
from examples.fastapi_app.dependencies import BearerToken
from examples.fastapi_app.errors import BEARER_CHALLENGE
from examples.fastapi_app.pagination import NEXT_CURSOR
from socialfeed import AuthenticationError, SocialFeed
from socialfeed.security import hash_token

__all__ = ["LIBRARY_FEED_PATH", "RAW_FEED_PATH", "build_app", "choose_raw_shape"]

RAW_FEED_PATH = "/bench/raw-feed"
LIBRARY_FEED_PATH = "/bench/library-feed"

# What the example's CurrentUser dependency checks, in one statement.
_SESSION_USER = _sql(
    """SELECT s.user_id FROM socialfeed_sessions s JOIN socialfeed_users u ON u.id = s.user_id
 WHERE s.token_hash = :h AND s.expires_at > :now AND u.is_active""",
    "now",
)

RawFeed = Callable[[int], list[Row[Any]]]


def _raw_feeds(feed: SocialFeed, viewer: int) -> dict[str, RawFeed]:
    """The raw feed candidates of `benchmarks.operations` for ``viewer``, first page."""
    engine: Engine = feed.storage.engine  # type: ignore[attr-defined]
    operation = _feed_operation("http", feed, Raw(engine), viewer, None, None)
    return {name: _as_rows(call) for name, call in operation.raw.items()}


def _as_rows(call: Callable[[int], object]) -> RawFeed:
    def rows(index: int) -> list[Row[Any]]:
        result = call(index)
        assert isinstance(result, list)
        return result

    return rows


def choose_raw_shape(feed: SocialFeed, viewer: int, rounds: int = 30) -> dict[str, float]:
    """Time every raw feed candidate for ``viewer`` in turn; return their medians in ms."""
    candidates = _raw_feeds(feed, viewer)
    samples: dict[str, list[float]] = {name: [] for name in candidates}
    for index in range(rounds):
        for name, call in candidates.items():
            started = time.perf_counter()
            call(index)
            samples[name].append((time.perf_counter() - started) * 1000)
    return {name: round(statistics.median(values), 4) for name, values in samples.items()}


def _timestamp(value: object) -> datetime:
    # Raw text SQL on SQLite gives back the stored naive-UTC text; PostgreSQL an aware datetime.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def build_app(feed: SocialFeed, shape: str) -> FastAPI:
    """The example app over ``feed``, plus the bare route reading the feed with ``shape``."""
    app = create_app(feed)
    engine: Engine = feed.storage.engine  # type: ignore[attr-defined]
    raw = Raw(engine)
    # One set of prepared candidates per viewer, as a hand-written app would cache statements.
    per_viewer: dict[int, RawFeed] = {}

    @app.get(RAW_FEED_PATH, response_model=list[schemas.Post])
    def raw_feed(token: BearerToken, response: Response) -> list[schemas.Post]:
        """The caller's home feed, first page, read with raw SQL."""
        found = raw.read(_SESSION_USER, {"h": hash_token(token), "now": datetime.now(UTC)})
        if not found:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, "Invalid token", headers=dict(BEARER_CHALLENGE)
            )
        viewer = int(found[0][0])
        read = per_viewer.get(viewer)
        if read is None:
            read = per_viewer[viewer] = _raw_feeds(feed, viewer)[shape]
        rows = read(0)
        if len(rows) > LIMIT:
            rows = rows[:LIMIT]
            last = rows[-1]
            response.headers[NEXT_CURSOR] = f"{_timestamp(last.created_at).isoformat()}~{last.id}"
        return [
            schemas.Post(
                id=row.id,
                author_id=row.author_id,
                author_username=row.username,
                content=row.content,
                image_url=row.image_url,
                like_count=row.like_count,
                comment_count=row.comment_count,
                created_at=_timestamp(row.created_at),
            )
            for row in rows
        ]

    @app.get(LIBRARY_FEED_PATH, response_model=list[schemas.Post])
    def library_feed(token: BearerToken, response: Response) -> list[schemas.Post]:
        """The caller's home feed, first page, from the library in one route body."""
        try:
            viewer = feed.accounts.authenticate(token)
        except AuthenticationError:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, "Invalid token", headers=dict(BEARER_CHALLENGE)
            ) from None
        page = feed.feed.home(viewer, limit=LIMIT)
        if page.next_cursor is not None:
            response.headers[NEXT_CURSOR] = page.next_cursor
        return [schemas.Post.of(item.post) for item in page.items]

    return app


def main(argv: Sequence[str] | None = None) -> int:
    """Choose the raw shape, print it as one JSON line, and serve until terminated."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.http_app", description=__doc__)
    parser.add_argument("--database", required=True, help="the loaded benchmark database URL")
    parser.add_argument("--viewer", type=int, required=True, help="the user the load signs in as")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    feed = SocialFeed.from_url(args.database)
    try:
        shapes = choose_raw_shape(feed, args.viewer)
        shape = min(shapes, key=shapes.__getitem__)
        print(json.dumps({"raw_shape": shape, "raw_candidates_median_ms": shapes}), flush=True)
        app = build_app(feed, shape)
        config = uvicorn.Config(
            app, host=args.host, port=args.port, log_level="warning", access_log=False
        )
        uvicorn.Server(config).run()
    finally:
        feed.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
