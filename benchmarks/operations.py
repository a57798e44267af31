"""The measured operations: socialfeed's public call, and the best raw SQL for the same result.

Raw SQL runs on the same engine (the same pool and database) as the library.
It keeps the library's semantics (mutes leave the feed, blocks and private
accounts hide content, a notification is stored once per cause and hidden,
when read, across a block, a mute or a post its recipient may not see) so
both sides return the same result on any data, not only on the generated
one. Where the best query shape depends
on the backend and the case (the feed), several raw candidates are timed
first and the fastest one is the baseline.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Connection, Engine, TextClause, bindparam, text

from benchmarks.dataset import Dataset
from socialfeed import SocialFeed
from socialfeed.handlers import HashtagHandler, NotificationHandler
from socialfeed.ids import PostId, UserId
from socialfeed.storage.sql.schema import UTCDateTime

__all__ = ["Operation", "build_operations"]

LIMIT = 20
Call = Callable[[int], object]


@dataclass
class Operation:
    """One measured operation: the library call and its raw SQL candidates, by rep index."""

    name: str
    kind: str  # "read" or "write"
    library: Call
    raw: dict[str, Call]
    chosen: str = ""
    calibration_ms: dict[str, float] = field(default_factory=dict)


def _sql(statement: str, *times: str) -> TextClause:
    """A text statement whose named time parameters bind through socialfeed's own type."""
    clause = text(statement)
    if times:
        clause = clause.bindparams(*(bindparam(name, type_=UTCDateTime()) for name in times))
    return clause


POST_COLS = """p.id, p.author_id, u.username, p.content, p.image_url, p.like_count,
 p.comment_count, p.created_at, p.edited_at"""
LIKED = "EXISTS (SELECT 1 FROM socialfeed_likes l WHERE l.post_id = p.id AND l.user_id = :v)"
NOT_MUTED = """NOT EXISTS (SELECT 1 FROM socialfeed_mutes m WHERE m.muter_id = :v
 AND m.muted_id = f.followee_id AND (m.until IS NULL OR m.until > :now))"""
AUTHORS = f"""SELECT f.followee_id AS aid FROM socialfeed_follows f
 WHERE f.follower_id = :v AND {NOT_MUTED} UNION ALL SELECT :v"""
AFTER = "AND (p.created_at, p.id) < (:at, :id)"
# The viewer may see content of the author joined as u (socialfeed's visible_author).
VISIBLE = """(u.id = :v OR (NOT EXISTS (SELECT 1 FROM socialfeed_blocks b
 WHERE (b.blocker_id = :v AND b.blocked_id = u.id) OR (b.blocker_id = u.id AND b.blocked_id = :v))
 AND (NOT u.is_private OR EXISTS (SELECT 1 FROM socialfeed_follows vf
 WHERE vf.follower_id = :v AND vf.followee_id = u.id))))"""

# What a recipient may see of their notifications: no block either way with
# the actor, no running mute of the actor, a post (if any) they may see, and
# a cause that holds (the like is still there, the actor still follows).
MAY_SEE = f"""NOT EXISTS (SELECT 1 FROM socialfeed_blocks b WHERE (b.blocker_id = :r
  AND b.blocked_id = n.actor_id) OR (b.blocker_id = n.actor_id AND b.blocked_id = :r))
 AND NOT EXISTS (SELECT 1 FROM socialfeed_mutes m WHERE m.muter_id = :r
  AND m.muted_id = n.actor_id AND (m.until IS NULL OR m.until > :now))
 AND (n.post_id IS NULL OR EXISTS (SELECT 1 FROM socialfeed_posts p
  JOIN socialfeed_users u ON u.id = p.author_id
  WHERE p.id = n.post_id AND {VISIBLE.replace(":v", ":r")}))
 AND (n.kind NOT IN ('like', 'follow')
  OR (n.kind = 'like' AND (SELECT l.user_id FROM socialfeed_likes l
   WHERE l.user_id = n.actor_id AND l.post_id = n.post_id) IS NOT NULL)
  OR (n.kind = 'follow' AND (SELECT f.follower_id FROM socialfeed_follows f
   WHERE f.follower_id = n.actor_id AND f.followee_id = n.recipient_id) IS NOT NULL))"""
# The like and the follow by their keys, as scalar subqueries: an EXISTS under OR
# becomes a hash of the whole table on PostgreSQL (see the library's may_see).


def _feed_in_subquery(after: bool) -> TextClause:
    return _sql(
        f"""SELECT {POST_COLS}, {LIKED} AS liked
 FROM socialfeed_posts p JOIN socialfeed_users u ON u.id = p.author_id
 WHERE p.author_id IN ({AUTHORS}) {AFTER if after else ""}
 ORDER BY p.created_at DESC, p.id DESC LIMIT :lim""",
        "now",
        *(("at",) if after else ()),
    )


def _feed_lateral(after: bool) -> TextClause:
    return _sql(
        f"""SELECT {POST_COLS}, {LIKED} AS liked FROM (
 SELECT p.* FROM ({AUTHORS}) a CROSS JOIN LATERAL (
  SELECT * FROM socialfeed_posts p WHERE p.author_id = a.aid {AFTER if after else ""}
  ORDER BY p.created_at DESC, p.id DESC LIMIT :lim) p
 ORDER BY p.created_at DESC, p.id DESC LIMIT :lim) p
 JOIN socialfeed_users u ON u.id = p.author_id
 ORDER BY p.created_at DESC, p.id DESC""",
        "now",
        *(("at",) if after else ()),
    )


_FOLLOWEES = _sql(AUTHORS, "now")


def _feed_list(postgres: bool, after: bool) -> TextClause:
    match = "p.author_id = ANY(CAST(:ids AS BIGINT[]))" if postgres else "p.author_id IN :ids"
    clause = _sql(
        f"""SELECT {POST_COLS}, {LIKED} AS liked
 FROM socialfeed_posts p JOIN socialfeed_users u ON u.id = p.author_id
 WHERE {match} {AFTER if after else ""}
 ORDER BY p.created_at DESC, p.id DESC LIMIT :lim""",
        *(("at",) if after else ()),
    )
    return clause if postgres else clause.bindparams(bindparam("ids", expanding=True))


def _feed_union_sqlite(count: int, after: bool) -> TextClause:
    """SQLite has no LATERAL: one LIMITed index walk per author, glued by UNION ALL."""
    parts = [
        f"""SELECT * FROM (SELECT p.* FROM socialfeed_posts p WHERE p.author_id = :a{n}
 {AFTER if after else ""} ORDER BY p.created_at DESC, p.id DESC LIMIT :lim)"""
        for n in range(count)
    ]
    return _sql(
        f"""SELECT {POST_COLS}, {LIKED} AS liked FROM (
 SELECT * FROM ({" UNION ALL ".join(parts)}) ORDER BY created_at DESC, id DESC LIMIT :lim) p
 JOIN socialfeed_users u ON u.id = p.author_id ORDER BY p.created_at DESC, p.id DESC""",
        *(("at",) if after else ()),
    )


class Raw:
    """Raw SQL on the library's engine: one connection checkout per call, like the library."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"

    def read(self, statement: TextClause, params: dict[str, Any]) -> list[Any]:
        with self.engine.connect() as conn:
            rows = list(conn.execute(statement, params).all())
            conn.rollback()
            return rows

    def write(self, work: Callable[[Connection], object]) -> object:
        with self.engine.connect() as conn:
            # The same BEGIN IMMEDIATE as socialfeed's own write transactions on SQLite.
            conn.execution_options(socialfeed_write=True)
            with conn.begin():
                return work(conn)


def _now() -> datetime:
    return datetime.now(UTC)


def _feed_operation(
    name: str,
    feed: SocialFeed,
    raw: Raw,
    viewer: int,
    after: tuple[datetime, int] | None,
    cursor: str | None,
) -> Operation:
    postgres = raw.postgres
    base: dict[str, Any] = {"v": viewer, "lim": LIMIT + 1}
    if after is not None:
        base |= {"at": after[0], "id": after[1]}
    is_after = after is not None

    def library(_: int) -> object:
        return feed.feed.home(UserId(viewer), limit=LIMIT, cursor=cursor)

    in_subquery = _feed_in_subquery(is_after)
    candidates: dict[str, Call] = {
        "in_subquery": lambda _: raw.read(in_subquery, base | {"now": _now()}),
    }
    by_list = _feed_list(postgres, is_after)

    def two_step(_: int) -> object:
        with raw.engine.connect() as conn:
            ids = list(conn.execute(_FOLLOWEES, {"v": viewer, "now": _now()}).scalars())
            rows = list(conn.execute(by_list, base | {"ids": ids}).all())
            conn.rollback()
            return rows

    candidates["two_step_id_list"] = two_step
    if postgres:
        lateral = _feed_lateral(is_after)
        candidates["lateral_top_k"] = lambda _: raw.read(lateral, base | {"now": _now()})
    else:
        with raw.engine.connect() as conn:
            count = len(conn.execute(_FOLLOWEES, {"v": viewer, "now": _now()}).all())
        if count <= 400:
            statements: dict[int, TextClause] = {}

            def union(_: int) -> object:
                with raw.engine.connect() as conn:
                    ids = list(conn.execute(_FOLLOWEES, {"v": viewer, "now": _now()}).scalars())
                    statement = statements.get(len(ids))
                    if statement is None:
                        statement = statements[len(ids)] = _feed_union_sqlite(len(ids), is_after)
                    params = base | {f"a{n}": author for n, author in enumerate(ids)}
                    rows = list(conn.execute(statement, params).all())
                    conn.rollback()
                    return rows

            candidates["two_step_union_top_k"] = union
    return Operation(name, "read", library, candidates)


def _free_pairs(
    data: Dataset, taken: set[tuple[int, int]], count: int, seed: int, posts: bool
) -> list[tuple[int, int]]:
    """Pairs (user, user-or-post) not in ``taken``, deterministic."""
    import random

    rng = random.Random(seed)
    limit = len(data.tables["socialfeed_posts"]) if posts else data.sizes.users
    found: list[tuple[int, int]] = []
    seen: set[tuple[int, int]] = set()
    while len(found) < count:
        pair = (rng.randrange(1, data.sizes.users + 1), rng.randrange(1, limit + 1))
        if pair[0] != pair[1] and pair not in taken and pair not in seen:
            seen.add(pair)
            found.append(pair)
    return found


def build_operations(
    feed: SocialFeed, data: Dataset, repetitions: int, warmup: int
) -> list[Operation]:
    """Every operation of the benchmark issue, in the order they run."""
    engine: Engine = feed.storage.engine  # type: ignore[attr-defined]
    raw = Raw(engine)
    postgres = raw.postgres
    NotificationHandler().connect(feed)
    HashtagHandler().connect(feed)
    ops: list[Operation] = []

    ops.append(_feed_operation("feed_page1_typical", feed, raw, data.typical_user, None, None))
    ops.append(_feed_operation("feed_page1_following_2000", feed, raw, data.heavy_user, None, None))
    ops.append(_feed_operation("feed_page1_following_few", feed, raw, data.light_user, None, None))
    cursor: str | None = None
    after: tuple[datetime, int] | None = None
    for _ in range(49):  # the cursor and position where page 50 starts
        page = feed.feed.home(UserId(data.typical_user), limit=LIMIT, cursor=cursor)
        if page.next_cursor is None:
            break
        cursor, last = page.next_cursor, page.items[-1].post
        after = (last.created_at, last.id)
    ops.append(_feed_operation("feed_page50_typical", feed, raw, data.typical_user, after, cursor))

    viewer, author = data.typical_user, data.prolific_author
    by_author = _sql(
        f"""SELECT {POST_COLS} FROM socialfeed_posts p JOIN socialfeed_users u ON u.id = p.author_id
 WHERE p.author_id = :a AND {VISIBLE} ORDER BY p.created_at DESC, p.id DESC LIMIT :lim"""
    )
    ops.append(
        Operation(
            "user_posts",
            "read",
            lambda _: feed.posts.by_author(UserId(author), viewer_id=UserId(viewer), limit=LIMIT),
            {"one_query": lambda _: raw.read(by_author, {"a": author, "v": viewer, "lim": 21})},
        )
    )

    tag = data.popular_tag
    tag_page = _sql(
        f"""SELECT {POST_COLS} FROM socialfeed_post_hashtags ph
 JOIN socialfeed_posts p ON p.id = ph.post_id JOIN socialfeed_users u ON u.id = p.author_id
 WHERE ph.hashtag_id = (SELECT h.id FROM socialfeed_hashtags h WHERE h.name = :name)
 AND {VISIBLE}
 ORDER BY ph.created_at DESC, ph.post_id DESC LIMIT :lim"""
    )
    ops.append(
        Operation(
            "hashtag_page",
            "read",
            lambda _: feed.hashtags.posts(f"#{tag}", viewer_id=UserId(viewer), limit=LIMIT),
            {"one_query": lambda _: raw.read(tag_page, {"name": tag, "v": viewer, "lim": 21})},
        )
    )

    me, other = data.chat_pair
    chat = _sql(
        """SELECT id, sender_id, receiver_id, content, is_read, created_at FROM socialfeed_messages
 WHERE low_user_id = :lo AND high_user_id = :hi ORDER BY created_at DESC, id DESC LIMIT :lim"""
    )
    pair = {"lo": min(me, other), "hi": max(me, other), "lim": 21}
    ops.append(
        Operation(
            "conversation_page",
            "read",
            lambda _: feed.messages.conversation(UserId(me), UserId(other), limit=LIMIT),
            {"one_query": lambda _: raw.read(chat, pair)},
        )
    )

    star = data.popular_user
    notes = _sql(
        f"""SELECT n.id, n.recipient_id, n.actor_id, u.username, n.kind, n.post_id, n.comment_id,
 n.is_read, n.created_at FROM socialfeed_notifications n
 JOIN socialfeed_users u ON u.id = n.actor_id WHERE n.recipient_id = :r AND {MAY_SEE}
 ORDER BY n.created_at DESC, n.id DESC LIMIT :lim""",
        "now",
    )
    unread = _sql(
        f"""SELECT count(*) FROM socialfeed_notifications n
 WHERE n.recipient_id = :r AND NOT n.is_read AND {MAY_SEE}""",
        "now",
    )
    ops.append(
        Operation(
            "notifications_page",
            "read",
            lambda _: feed.notifications.list(UserId(star), limit=LIMIT),
            {"one_query": lambda _: raw.read(notes, {"r": star, "lim": 21, "now": _now()})},
        )
    )
    ops.append(
        Operation(
            "notifications_unread_count",
            "read",
            lambda _: feed.notifications.unread_count(UserId(star)),
            {"one_query": lambda _: raw.read(unread, {"r": star, "now": _now()})},
        )
    )

    ops.append(_create_post(feed, raw, data, postgres))
    ops.extend(_toggle_like(feed, raw, data, postgres, repetitions + warmup))
    ops.append(_follow(feed, raw, data, postgres, repetitions + warmup))
    ops.append(_send_message(feed, raw, data, postgres))
    return ops


def _create_post(feed: SocialFeed, raw: Raw, data: Dataset, postgres: bool) -> Operation:
    authors = itertools.cycle(range(1, data.sizes.users + 1, 7))
    tags = data.tag_names[:3]
    content = "A new post " + " ".join(f"#{t}" for t in tags)
    users = """UPDATE socialfeed_users SET post_count = post_count + 1 WHERE id = :a
 RETURNING id, is_private"""
    post = """INSERT INTO socialfeed_posts (author_id, content, image_url, like_count,
 comment_count, created_at) VALUES (:a, :c, NULL, 0, 0, :now) RETURNING id"""
    # A tag counts the posts of public accounts only: 1 for a public author, else 0.
    counted = "(SELECT CASE WHEN u.is_private THEN 0 ELSE 1 END FROM u)" if postgres else ":counted"
    tag_values = ", ".join(f"(:t{n}, {counted})" for n in range(len(tags)))
    upsert_tags = f"""INSERT INTO socialfeed_hashtags (name, post_count) VALUES {tag_values}
 ON CONFLICT (name) DO UPDATE SET post_count = socialfeed_hashtags.post_count + excluded.post_count
 RETURNING id"""
    tag_params = {f"t{n}": name for n, name in enumerate(tags)}
    if postgres:
        one = _sql(
            f"""WITH u AS ({users}), p AS ({post}), t AS ({upsert_tags})
 INSERT INTO socialfeed_post_hashtags (hashtag_id, post_id, created_at)
 SELECT t.id, p.id, :now FROM t, p WHERE EXISTS (SELECT 1 FROM u) RETURNING post_id""",
            "now",
        )

        def work(conn: Connection) -> object:
            return conn.execute(one, {"a": next(authors), "c": content, "now": _now()} | tag_params)

    else:
        update_user, insert_post, insert_tags = _sql(users), _sql(post, "now"), _sql(upsert_tags)
        links = _sql(
            """INSERT INTO socialfeed_post_hashtags (hashtag_id, post_id, created_at)
 VALUES (:h0, :p, :now), (:h1, :p, :now), (:h2, :p, :now)""",
            "now",
        )

        def work(conn: Connection) -> object:
            author, now = next(authors), _now()
            found = conn.execute(update_user, {"a": author}).first()
            if found is None:
                raise LookupError("user")
            post_id = conn.execute(insert_post, {"a": author, "c": content, "now": now}).scalar()
            counted = {"counted": 0 if found.is_private else 1}
            ids = list(conn.execute(insert_tags, tag_params | counted).scalars())
            params = {f"h{n}": tag_id for n, tag_id in enumerate(ids)}
            return conn.execute(links, params | {"p": post_id, "now": now})

    lib_authors = itertools.cycle(range(4, data.sizes.users + 1, 7))
    return Operation(
        "create_post_3_hashtags",
        "write",
        lambda _: feed.posts.create(UserId(next(lib_authors)), content=content),
        {"one_transaction": lambda _: raw.write(work)},
    )


# A notification is stored once per cause (the unique event key) and not to
# the actor; blocks, mutes and visibility apply when notifications are read.
NOTIFY_GUARDS = ":actor <> {recipient}"


def _toggle_like(
    feed: SocialFeed, raw: Raw, data: Dataset, postgres: bool, count: int
) -> list[Operation]:
    taken = {(cast(int, u), cast(int, p)) for u, p, _ in data.tables["socialfeed_likes"]}
    lib_pairs = _free_pairs(data, taken, count, 1, posts=True)
    raw_pairs = _free_pairs(data, taken | set(lib_pairs), count, 2, posts=True)
    delete = _sql(
        """DELETE FROM socialfeed_likes WHERE user_id = :actor AND post_id = :p RETURNING post_id"""
    )
    down = _sql(
        """UPDATE socialfeed_posts SET like_count = like_count - 1 WHERE id = :p
 RETURNING like_count"""
    )
    # The like only where the liker may see the post (socialfeed's require_visible_post).
    insert_like = f"""INSERT INTO socialfeed_likes (user_id, post_id, created_at)
 SELECT :actor, p.id, :now FROM socialfeed_posts p JOIN socialfeed_users u ON u.id = p.author_id
 WHERE p.id = :p AND {VISIBLE.replace(":v", ":actor")}
 ON CONFLICT DO NOTHING RETURNING post_id"""
    up = """UPDATE socialfeed_posts SET like_count = like_count + 1 WHERE id = :p
 RETURNING author_id, like_count"""
    guards = NOTIFY_GUARDS.format(recipient="{r}")
    notify = """INSERT INTO socialfeed_notifications (recipient_id, actor_id, kind, post_id,
 event_id, is_read, created_at) SELECT {r}, :actor, 'like', :p, :eid, {false}, :now {source}
 WHERE {guards} ON CONFLICT DO NOTHING"""
    false = "false" if postgres else "0"
    if postgres:
        counted = up.replace("id = :p", "id IN (SELECT post_id FROM i)")
        notify_author = notify.format(
            r="c.author_id", false=false, source="FROM c", guards=guards.format(r="c.author_id")
        )
        on = _sql(f"WITH i AS ({insert_like}), c AS ({counted}) {notify_author}", "now")

        def like_on(conn: Connection, actor: int, post: int) -> object:
            if conn.execute(delete, {"actor": actor, "p": post}).first() is not None:
                return conn.execute(down, {"p": post}).scalar()
            now = _now()
            params = {"actor": actor, "p": post, "now": now}
            return conn.execute(on, params | {"eid": uuid.uuid4()})

    else:
        insert_stmt, up_stmt = _sql(insert_like, "now"), _sql(up)
        notify_stmt = _sql(
            notify.format(r=":r", false=false, source="", guards=guards.format(r=":r")),
            "now",
        )

        def like_on(conn: Connection, actor: int, post: int) -> object:
            if conn.execute(delete, {"actor": actor, "p": post}).first() is not None:
                return conn.execute(down, {"p": post}).scalar()
            now = _now()
            if conn.execute(insert_stmt, {"actor": actor, "p": post, "now": now}).first() is None:
                return None
            author, likes = conn.execute(up_stmt, {"p": post}).one()
            params = {"actor": actor, "p": post, "now": now, "r": author}
            conn.execute(notify_stmt, params | {"eid": uuid.uuid4().hex})
            return likes

    def library(i: int) -> object:
        user, post = lib_pairs[i]
        return feed.likes.toggle(UserId(user), PostId(post))

    def raw_toggle(i: int) -> object:
        actor, post = raw_pairs[i]
        return raw.write(lambda conn: like_on(conn, actor, post))

    return [
        Operation("toggle_like_on", "write", library, {"one_transaction": raw_toggle}),
        Operation("toggle_like_off", "write", library, {"one_transaction": raw_toggle}),
    ]


def _follow(feed: SocialFeed, raw: Raw, data: Dataset, postgres: bool, count: int) -> Operation:
    taken = {(cast(int, a), cast(int, b)) for a, b, _ in data.tables["socialfeed_follows"]}
    lib_pairs = _free_pairs(data, taken, count, 3, posts=False)
    raw_pairs = _free_pairs(data, taken | set(lib_pairs), count, 4, posts=False)
    # Only a public, existing followee who blocks nobody of the two (private ones get a request).
    insert = """INSERT INTO socialfeed_follows (follower_id, followee_id, created_at)
 SELECT :actor, u.id, :now FROM socialfeed_users u WHERE u.id = :r AND NOT u.is_private
 AND NOT EXISTS (SELECT 1 FROM socialfeed_blocks b WHERE (b.blocker_id = :r
  AND b.blocked_id = :actor) OR (b.blocker_id = :actor AND b.blocked_id = :r))
 ON CONFLICT DO NOTHING RETURNING followee_id"""
    counts = """UPDATE socialfeed_users SET
 following_count = following_count + CASE WHEN id = :actor THEN 1 ELSE 0 END,
 follower_count = follower_count + CASE WHEN id = :r THEN 1 ELSE 0 END
 WHERE id IN (:actor, :r)"""
    guards = NOTIFY_GUARDS.format(recipient=":r")
    false = "false" if postgres else "0"
    notify = f"""INSERT INTO socialfeed_notifications (recipient_id, actor_id, kind, post_id,
 event_id, is_read, created_at) SELECT :r, :actor, 'follow', NULL, :eid, {false}, :now
 {{source}} WHERE {guards} ON CONFLICT DO NOTHING"""
    if postgres:
        one = _sql(
            f"""WITH i AS ({insert}), c AS ({counts} AND EXISTS (SELECT 1 FROM i) RETURNING id)
 {notify.format(source="FROM i")}""",
            "now",
        )

        def work(conn: Connection, actor: int, other: int) -> object:
            now = _now()
            params = {"actor": actor, "r": other, "now": now}
            return conn.execute(one, params | {"eid": uuid.uuid4()}).rowcount

    else:
        insert_stmt, counts_stmt = _sql(insert, "now"), _sql(counts)
        notify_stmt = _sql(notify.format(source=""), "now")

        def work(conn: Connection, actor: int, other: int) -> object:
            now = _now()
            if conn.execute(insert_stmt, {"actor": actor, "r": other, "now": now}).first() is None:
                return False
            conn.execute(counts_stmt, {"actor": actor, "r": other})
            params = {"actor": actor, "r": other, "now": now}
            return conn.execute(notify_stmt, params | {"eid": uuid.uuid4().hex}).rowcount

    def raw_follow(i: int) -> object:
        actor, other = raw_pairs[i]
        return raw.write(lambda conn: work(conn, actor, other))

    return Operation(
        "follow",
        "write",
        lambda i: feed.follows.follow(UserId(lib_pairs[i][0]), UserId(lib_pairs[i][1])),
        {"one_transaction": raw_follow},
    )


def _send_message(feed: SocialFeed, raw: Raw, data: Dataset, postgres: bool) -> Operation:
    me, other = data.chat_pair
    insert = """INSERT INTO socialfeed_messages (sender_id, receiver_id, low_user_id, high_user_id,
 content, is_read, created_at) SELECT :s, u.id, :lo, :hi, :c, {false}, :now
 FROM socialfeed_users u WHERE u.id = :r AND NOT EXISTS (SELECT 1 FROM socialfeed_blocks b
 WHERE (b.blocker_id = :r AND b.blocked_id = :s) OR (b.blocker_id = :s AND b.blocked_id = :r))
 RETURNING id"""
    upsert = """INSERT INTO socialfeed_conversations (user_id, other_id, last_message_id, last_at)
 {source} ON CONFLICT (user_id, other_id) DO UPDATE SET
 last_message_id = excluded.last_message_id, last_at = excluded.last_at"""
    if postgres:
        both = "SELECT :lo, :hi, m.id, :now FROM m UNION ALL SELECT :hi, :lo, m.id, :now FROM m"
        one = _sql(
            f"WITH m AS ({insert.format(false='false')}) {upsert.format(source=both)}", "now"
        )

        def work(conn: Connection, params: dict[str, Any]) -> object:
            return conn.execute(one, params).rowcount

    else:
        insert_stmt = _sql(insert.format(false="0"), "now")
        upsert_stmt = _sql(
            upsert.format(source="VALUES (:lo, :hi, :m, :now), (:hi, :lo, :m, :now)"), "now"
        )

        def work(conn: Connection, params: dict[str, Any]) -> object:
            message_id = conn.execute(insert_stmt, params).scalar()
            if message_id is None:
                return None
            return conn.execute(upsert_stmt, params | {"m": message_id}).rowcount

    def raw_send(i: int) -> object:
        sender, receiver = (me, other) if i % 2 else (other, me)
        params = {
            "s": sender,
            "r": receiver,
            "lo": min(me, other),
            "hi": max(me, other),
            "c": f"raw message {i}",
            "now": _now(),
        }
        return raw.write(lambda conn: work(conn, params))

    def library(i: int) -> object:
        sender, receiver = (me, other) if i % 2 else (other, me)
        return feed.messages.send(UserId(sender), UserId(receiver), f"library message {i}")

    return Operation("send_message", "write", library, {"one_transaction": raw_send})
