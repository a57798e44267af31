"""The push feed read through Redis timelines, against redis-py and raw SQL doing the same.

The typical user's timeline is built once in Redis by the library's own
``rebuild_timeline``, under the run's key prefix. The library reads page 1
with `FeedService.home` through `RedisTimelines`; the raw side takes the
page's newest ids with one ``ZREVRANGEBYSCORE`` and reads those posts with
one query that applies the same rules (the post exists, its author is the
viewer or a followee, no running mute), so both sides return the same page
on any data, not only on the generated one.
"""

from __future__ import annotations

from typing import Any, cast

import redis
from sqlalchemy import Engine, bindparam

from benchmarks.dataset import Dataset
from benchmarks.operations import LIKED, LIMIT, POST_COLS, Call, Operation, Raw, _now, _sql
from benchmarks.timelines import MUTED
from socialfeed import Settings, SocialFeed
from socialfeed.ids import UserId
from socialfeed.redis.timelines import RedisTimelines

__all__ = ["build_redis_timeline_operations"]

_ID_WIDTH = 20  # the zero-padded post id that starts every member
HYDRATE = _sql(
    f"""SELECT {POST_COLS}, {LIKED} AS liked
 FROM socialfeed_posts p JOIN socialfeed_users u ON u.id = p.author_id
 WHERE p.id IN :ids
 AND p.author_id IN (SELECT f.followee_id FROM socialfeed_follows f WHERE f.follower_id = :v
 UNION ALL SELECT :v)
 AND p.author_id NOT IN ({MUTED})
 ORDER BY p.created_at DESC, p.id DESC LIMIT :lim""",
    "now",
).bindparams(bindparam("ids", expanding=True))


def build_redis_timeline_operations(
    feed: SocialFeed, data: Dataset, client: redis.Redis, prefix: str
) -> list[Operation]:
    """Page 1 of the typical user's push feed, read through Redis, on the facade's own engine."""
    engine: Engine = feed.storage.engine  # type: ignore[attr-defined]
    store = RedisTimelines(client, prefix=f"{prefix}timelines:")
    push = SocialFeed(feed.storage, settings=Settings(feed_strategy="push"), timeline_store=store)
    viewer = data.typical_user
    push.feed.rebuild_timeline(UserId(viewer))
    key = store.timeline_key(viewer)
    raw = Raw(engine)

    def raw_page(_: int) -> object:
        members = cast(
            "list[bytes]", client.zrevrangebyscore(key, "(+inf", "-inf", start=0, num=LIMIT + 1)
        )
        ids = [int(member[:_ID_WIDTH]) for member in members]
        params: dict[str, Any] = {"v": viewer, "ids": ids, "lim": LIMIT + 1, "now": _now()}
        return raw.read(HYDRATE, params)

    candidates: dict[str, Call] = {"zrevrangebyscore_then_in_list": raw_page}
    return [
        Operation(
            "redis_timeline_page1_typical",
            "read",
            lambda _: push.feed.home(UserId(viewer), limit=LIMIT),
            candidates,
        )
    ]
