"""The push feed's operations: a timeline page, and the fan-out of one post, against raw SQL.

Only the viewers measured get a timeline, built by the library's own
``rebuild_timeline`` (one ``INSERT ... SELECT`` each) after the load, and the
table is analyzed afterwards, as a restore would leave it. The fan-out author
is the one whose follower count is nearest 5,000; each repetition adds one
post to every follower's timeline on both sides, so these run last.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, cast

from sqlalchemy import Connection, Engine

from benchmarks.dataset import Dataset
from benchmarks.operations import LIKED, LIMIT, POST_COLS, Call, Operation, Raw, _now, _sql
from socialfeed import Settings, SocialFeed
from socialfeed.ids import UserId

__all__ = ["build_timeline_operations", "fan_out_author"]

FAN_OUT_FOLLOWERS = 5_000
MUTED = """SELECT m.muted_id FROM socialfeed_mutes m WHERE m.muter_id = :v
 AND (m.until IS NULL OR m.until > :now)"""
_TIMELINE_FROM = """FROM socialfeed_timeline_entries t
 JOIN socialfeed_posts p ON p.id = t.post_id JOIN socialfeed_users u ON u.id = p.author_id
 WHERE t.owner_id = :v"""
_NEWEST = "ORDER BY t.created_at DESC, t.post_id DESC LIMIT :lim"
TIMELINE_NOT_IN = _sql(
    f"""SELECT {POST_COLS}, {LIKED} AS liked {_TIMELINE_FROM}
 AND t.author_id NOT IN ({MUTED}) {_NEWEST}""",
    "now",
)
TIMELINE_NOT_EXISTS = _sql(
    f"""SELECT {POST_COLS}, {LIKED} AS liked {_TIMELINE_FROM}
 AND NOT EXISTS (SELECT 1 FROM socialfeed_mutes m WHERE m.muter_id = :v
 AND m.muted_id = t.author_id AND (m.until IS NULL OR m.until > :now)) {_NEWEST}""",
    "now",
)
_COUNT_POST = "UPDATE socialfeed_users SET post_count = post_count + 1 WHERE id = :a"
_INSERT_POST = """INSERT INTO socialfeed_posts (author_id, content, image_url, like_count,
 comment_count, created_at) VALUES (:a, :c, NULL, 0, 0, :now) RETURNING id"""
_FAN_OUT = """INSERT INTO socialfeed_timeline_entries (owner_id, post_id, author_id, created_at)
 SELECT f.follower_id, {post}, :a, :now FROM socialfeed_follows f WHERE f.followee_id = :a
 UNION ALL SELECT :a, {post}, :a, :now"""


def fan_out_author(data: Dataset) -> tuple[int, int]:
    """The user whose follower count is nearest 5,000, and that count."""
    counts = Counter(cast(int, row[1]) for row in data.tables["socialfeed_follows"])
    author = min(counts, key=lambda user: (abs(counts[user] - FAN_OUT_FOLLOWERS), user))
    return author, counts[author]


def build_timeline_operations(feed: SocialFeed, data: Dataset) -> list[Operation]:
    """The timeline reads and the fan-out write, on the facade's own engine."""
    engine: Engine = feed.storage.engine  # type: ignore[attr-defined]
    raw = Raw(engine)
    push = SocialFeed(feed.storage, settings=Settings(feed_strategy="push"))
    viewers = {"typical": data.typical_user, "following_2000": data.heavy_user}
    for viewer in viewers.values():
        push.feed.rebuild_timeline(UserId(viewer))
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE socialfeed_timeline_entries")
    ops = [
        _timeline_page(f"timeline_page1_{name}", push, raw, viewer)
        for name, viewer in viewers.items()
    ]
    ops.append(_fan_out(push, raw, *fan_out_author(data)))
    return ops


def _timeline_page(name: str, push: SocialFeed, raw: Raw, viewer: int) -> Operation:
    params: dict[str, Any] = {"v": viewer, "lim": LIMIT + 1}
    candidates: dict[str, Call] = {
        "not_in_muted": lambda _: raw.read(TIMELINE_NOT_IN, params | {"now": _now()}),
        "not_exists_muted": lambda _: raw.read(TIMELINE_NOT_EXISTS, params | {"now": _now()}),
    }
    return Operation(
        name, "read", lambda _: push.feed.home(UserId(viewer), limit=LIMIT), candidates
    )


def _fan_out(push: SocialFeed, raw: Raw, author: int, followers: int) -> Operation:
    content = "A post for every follower"
    count_post, insert_post = _sql(_COUNT_POST), _sql(_INSERT_POST, "now")
    fan_out = _sql(_FAN_OUT.format(post=":p"), "now")

    def statements(conn: Connection) -> object:
        now = _now()
        if conn.execute(count_post, {"a": author}).rowcount != 1:
            raise LookupError("user")
        post_id = conn.execute(insert_post, {"a": author, "c": content, "now": now}).scalar()
        return conn.execute(fan_out, {"a": author, "p": post_id, "now": now})

    candidates: dict[str, Call] = {"one_transaction": lambda _: raw.write(statements)}
    if raw.postgres:
        one = _sql(
            f"""WITH u AS ({_COUNT_POST} RETURNING id), p AS ({_INSERT_POST})
 {_FAN_OUT.format(post="(SELECT id FROM p)")}""",
            "now",
        )

        def statement(conn: Connection) -> object:
            return conn.execute(one, {"a": author, "c": content, "now": _now()})

        candidates["one_statement"] = lambda _: raw.write(statement)
    return Operation(
        f"fan_out_post_to_{followers}_followers",
        "write",
        lambda _: push.posts.create(UserId(author), content=content),
        candidates,
    )
