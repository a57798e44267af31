"""SQL timelines: the push and hybrid strategies' home feeds, and a timeline store's reads.

Every write is one bulk ``INSERT ... SELECT`` or ``DELETE``, whatever the
number of followers, and every read is one statement that walks the
``(owner_id, created_at, post_id)`` index and joins the live posts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    bindparam,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    tuple_,
    union_all,
)

from socialfeed.models import MAX_ID, FeedItem
from socialfeed.pagination import PageRequest
from socialfeed.storage.base import PulledPosts, TimelineEntry
from socialfeed.storage.sql._common import (
    NOW,
    POST_COLUMNS,
    VIEWER,
    PagedQuery,
    Repository,
    id_param,
    liked_by_viewer,
    mute_running,
    time_param,
    to_post,
)
from socialfeed.storage.sql.schema import (
    Id,
    UTCDateTime,
    follows,
    mutes,
    posts,
    timeline_entries,
    users,
)

_ENTRY_COLUMNS = ("owner_id", "post_id", "author_id", "created_at")
_ID_TYPE = posts.c.id.type


def _id(value: int) -> Any:
    return literal(value, _ID_TYPE)


class SQLTimelines(Repository):
    def fan_out(
        self, post_id: int, author_id: int, created_at: datetime, pulled_from: int | None
    ) -> int:
        post = (_id(post_id), _id(author_id), literal(created_at, UTCDateTime()))
        to_followers = select(follows.c.follower_id, *post).where(
            follows.c.followee_id == author_id
        )
        if pulled_from is not None:
            # Decided inside the statement, after posts.add locked the author's
            # row: a concurrent unfollow that takes the author below the
            # threshold commits either before this (the post is pushed) or after
            # it (and then its backfill sees the post).
            followers_now = select(users.c.follower_count).where(users.c.id == author_id)
            to_followers = to_followers.where(followers_now.scalar_subquery() < pulled_from)
        rows = union_all(to_followers, select(_id(author_id), *post))
        return self._count(insert(timeline_entries).from_select(_ENTRY_COLUMNS, rows))

    def backfill(self, owner_id: int, author_id: int, limit: int) -> int:
        newest = _NEWEST_ENTRIES.subquery()
        rows = select(_id(owner_id), newest.c.id, newest.c.author_id, newest.c.created_at)
        return self._insert_missing(rows, {"author_id": author_id, "limit": limit})

    def backfill_followers(self, author_id: int, limit: int) -> int:
        newest = _NEWEST_ENTRIES.subquery()
        rows = (
            select(follows.c.follower_id, newest.c.id, newest.c.author_id, newest.c.created_at)
            .select_from(follows.join(newest, true()))
            .where(follows.c.followee_id == _AUTHOR)
        )
        return self._insert_missing(rows, {"author_id": author_id, "limit": limit})

    def purge(self, owner_id: int, author_id: int) -> int:
        result = self._conn.execute(
            delete(timeline_entries).where(
                timeline_entries.c.owner_id == owner_id, timeline_entries.c.author_id == author_id
            )
        )
        return result.rowcount

    def rebuild(self, owner_id: int, limit: int) -> int:
        # Lock the owner first: a follow, unfollow or block changes the owner's
        # counters, so it waits for the rebuild (or the rebuild for it) and the
        # copy below never brings back posts that a concurrent purge removed.
        self._conn.execute(select(users.c.id).where(users.c.id == owner_id).with_for_update())
        self._conn.execute(delete(timeline_entries).where(timeline_entries.c.owner_id == owner_id))
        newest = _NEWEST_PER_SOURCE.subquery()
        rows = select(_OWNER, newest.c.id, newest.c.author_id, newest.c.created_at)
        # A post fanned out by a concurrent transaction may already be back.
        return self._insert_missing(rows, {"owner_id": owner_id, "per_author": limit})

    def owners_after(self, after_id: int, limit: int) -> list[int]:
        query = select(users.c.id).where(users.c.id > after_id).order_by(users.c.id).limit(limit)
        return list(self._conn.execute(query).scalars())

    def followees_with_followers(self, follower_id: int, follower_count: int) -> list[int]:
        # Every followee is locked and its count read after the lock, not only
        # those that match now: an unfollow committing in between could bring a
        # followee to the count that this caller's deletion then crosses.
        query = (
            select(users.c.id, users.c.follower_count)
            .select_from(follows.join(users, users.c.id == follows.c.followee_id))
            .where(follows.c.follower_id == follower_id)
            .order_by(users.c.id)
            .with_for_update(of=users)
        )
        return [row.id for row in self._conn.execute(query) if row.follower_count == follower_count]

    def home_feed(
        self, viewer_id: int, page: PageRequest, now: datetime, pulled_from: int | None
    ) -> list[FeedItem]:
        params: dict[str, Any] = {"viewer_id": viewer_id, "now": now}
        if pulled_from is None:
            query = _PUSHED_PAGE
        else:
            query = _HYBRID_PAGE
            # Each branch may need every row the page skips and shows, plus one.
            branch = min(page.offset + page.limit + 1, MAX_ID)
            params |= {"pulled_from": pulled_from, "branch_limit": branch}
        rows = query.run(self._conn, page, params)
        return [FeedItem(to_post(row), bool(row.liked)) for row in rows]

    def _insert_missing(self, rows: Select[Any], params: dict[str, Any]) -> int:
        # SQLite reads "FROM x ON CONFLICT" as a join unless a WHERE comes between.
        statement = self._insert_ignoring_duplicates(timeline_entries).from_select(
            _ENTRY_COLUMNS, rows.where(true())
        )
        return self._count(statement, params)

    def _count(self, statement: Any, params: dict[str, Any] | None = None) -> int:
        """Run an INSERT ... SELECT and return how many rows it inserted."""
        # SQLAlchemy keeps an INSERT's row count only when asked to.
        result = self._conn.execute(statement.execution_options(preserve_rowcount=True), params)
        return int(result.rowcount)


class SQLTimelineSources(Repository):
    def follower_ids(self, author_id: int) -> list[int]:
        return list(self._conn.execute(_FOLLOWER_IDS, {"author_id": author_id}).scalars())

    def newest_entries(self, author_id: int, limit: int) -> list[TimelineEntry]:
        rows = self._conn.execute(_NEWEST_ENTRIES, {"author_id": author_id, "limit": limit})
        return [TimelineEntry(*row) for row in rows]

    def rebuild_entries(self, owner_id: int, per_author: int, limit: int) -> list[TimelineEntry]:
        params = {"owner_id": owner_id, "per_author": per_author, "limit": limit}
        # Past ``limit`` posts no author can have more than ``limit`` entries:
        # the cap per author changes nothing, and the plain merge is cheaper.
        query = _REBUILD_ENTRIES if per_author < limit else _NEWEST_OF_SOURCES
        return [TimelineEntry(*row) for row in self._conn.execute(query, params)]

    def feed_items(
        self, viewer_id: int, post_ids: Sequence[int], now: datetime, pulled: PulledPosts | None
    ) -> list[FeedItem]:
        params: dict[str, Any] = {"viewer_id": viewer_id, "now": now, "post_ids": list(post_ids)}
        if pulled is None:
            query = _PUSHED_ITEMS
        else:
            query = _HYBRID_ITEMS if pulled.after is None else _HYBRID_ITEMS_AFTER
            params |= {
                "pulled_from": pulled.min_followers,
                "also_pulled": list(pulled.also),
                "pulled_limit": min(pulled.limit, MAX_ID),
            }
            if pulled.after is not None:
                params |= {"after_at": pulled.after.at, "after_id": pulled.after.id}
        rows = self._conn.execute(query, params)
        return [FeedItem(to_post(row), bool(row.liked)) for row in rows]


# The statements of the feed reads, built once (see PagedQuery for why).
# One uncorrelated list of muted authors, evaluated once per statement, rather
# than a mutes lookup for every timeline row walked.
_MUTED = select(mutes.c.muted_id).where(mutes.c.muter_id == VIEWER, mute_running(NOW))
_LIKED = liked_by_viewer(posts.c.id)


def _pushed_page() -> PagedQuery:
    """A walk of the viewer's timeline, joined to the live posts."""
    entries = timeline_entries
    query = (
        select(*POST_COLUMNS, _LIKED)
        .select_from(
            entries.join(posts, posts.c.id == entries.c.post_id).join(
                users, users.c.id == posts.c.author_id
            )
        )
        .where(entries.c.owner_id == VIEWER, entries.c.author_id.not_in(_MUTED))
    )
    return PagedQuery.build(query, entries.c.created_at, entries.c.post_id)


def _pulled_followees(*, also: bool = False) -> Select[Any]:
    """The viewer's followees with ``pulled_from`` followers or more (hybrid).

    With ``also``, the followees in the expanding parameter ``also_pulled``
    too (the authors a timeline store once left unpushed).
    """
    followee = users.alias("followee")
    pulled: ColumnElement[bool] = followee.c.follower_count >= bindparam(
        "pulled_from", type_=Integer()
    )
    if also:
        listed = follows.c.followee_id.in_(bindparam("also_pulled", expanding=True, type_=Id))
        pulled = or_(pulled, listed)
    return (
        select(follows.c.followee_id)
        .select_from(follows.join(followee, followee.c.id == follows.c.followee_id))
        .where(follows.c.follower_id == VIEWER, pulled)
    )


def _hybrid_page() -> PagedQuery:
    """The timeline merged with the posts of the followees pulled for their audience.

    Each branch walks its own index newest first, from the cursor, and stops
    at the most rows the page can use; the merge sorts at most those.
    """
    pulled = _pulled_followees()
    entries = timeline_entries
    pushed = select(entries.c.post_id.label("id"), entries.c.created_at).where(
        entries.c.owner_id == VIEWER,
        entries.c.author_id.not_in(_MUTED),
        # Rows left from when these authors were pushed: the pull branch has them.
        entries.c.author_id.not_in(pulled),
    )
    pulled_posts = select(posts.c.id, posts.c.created_at).where(
        posts.c.author_id.in_(pulled), posts.c.author_id.not_in(_MUTED)
    )
    limit = bindparam("branch_limit", type_=BigInteger())
    shapes = []
    for cursor in (False, True):
        branches = []
        for branch, at, key in (
            (pushed, entries.c.created_at, entries.c.post_id),
            (pulled_posts, posts.c.created_at, posts.c.id),
        ):
            if cursor:
                after = tuple_(time_param("after_at"), id_param("after_id"))
                branch = branch.where(tuple_(at, key) < after)
            # SQLite takes ORDER BY and LIMIT in a UNION member only inside a subquery.
            walk = branch.order_by(at.desc(), key.desc()).limit(limit).subquery()
            branches.append(select(walk.c.id, walk.c.created_at))
        candidates = union_all(*branches).subquery("candidates")
        query = select(*POST_COLUMNS, _LIKED).select_from(
            candidates.join(posts, posts.c.id == candidates.c.id).join(
                users, users.c.id == posts.c.author_id
            )
        )
        shapes.append(PagedQuery.build(query, posts.c.created_at, posts.c.id))
    # The cursor was applied in the branches; the merge needs only the order.
    return PagedQuery(first=shapes[0].first, after=shapes[1].first)


_PUSHED_PAGE = _pushed_page()
_HYBRID_PAGE = _hybrid_page()


# The reads of a timeline store outside the database (socialfeed.timelines).
_AUTHOR = id_param("author_id")
_OWNER = id_param("owner_id")
_ENTRY_ORDER = (posts.c.created_at.desc(), posts.c.id.desc())
_FOLLOWER_IDS = (
    select(follows.c.follower_id)
    .where(follows.c.followee_id == _AUTHOR)
    .order_by(follows.c.follower_id)
)
_NEWEST_ENTRIES = (
    select(posts.c.id, posts.c.author_id, posts.c.created_at)
    .where(posts.c.author_id == _AUTHOR)
    .order_by(*_ENTRY_ORDER)
    .limit(bindparam("limit", type_=BigInteger()))
)


# Whose posts a rebuilt timeline holds: the owner's and each followee's.
_SOURCES = union_all(
    select(follows.c.followee_id).where(follows.c.follower_id == _OWNER), select(_OWNER)
)


def _newest_per_source() -> Select[Any]:
    """The ``per_author`` newest posts of the owner and of each followee, in no order."""
    rank = func.row_number().over(partition_by=posts.c.author_id, order_by=_ENTRY_ORDER)
    ranked = (
        select(posts.c.id, posts.c.author_id, posts.c.created_at, rank.label("rank"))
        .where(posts.c.author_id.in_(_SOURCES))
        .subquery()
    )
    return select(ranked.c.id, ranked.c.author_id, ranked.c.created_at).where(
        ranked.c.rank <= bindparam("per_author", type_=BigInteger())
    )


def _rebuild_entries(*, per_author: bool) -> Select[Any]:
    """The newest entries of the owner's rebuilt timeline, with or without a cap per author."""
    if per_author:
        newest = _NEWEST_PER_SOURCE.subquery()
        query = select(newest.c.id, newest.c.author_id, newest.c.created_at).order_by(
            newest.c.created_at.desc(), newest.c.id.desc()
        )
    else:
        query = (
            select(posts.c.id, posts.c.author_id, posts.c.created_at)
            .where(posts.c.author_id.in_(_SOURCES))
            .order_by(*_ENTRY_ORDER)
        )
    return query.limit(bindparam("limit", type_=BigInteger()))


def _store_items(*, hybrid: bool, after: bool) -> Select[Any]:
    """The feed items of a list of timeline ids, the feed's rules applied again.

    The ids arrive as one expanding parameter (one primary-key lookup each);
    hybrid adds a walk of the pulled followees' posts, as `_hybrid_page` does.
    """
    # "Followed or the viewer" is the whole of the pull feed's rule: a block
    # ends the follows both ways, and a private account's posts reach only
    # the followers it approved.
    shown_authors = union_all(
        select(follows.c.followee_id).where(follows.c.follower_id == VIEWER), select(VIEWER)
    )
    pushed = select(posts.c.id, posts.c.created_at).where(
        posts.c.id.in_(bindparam("post_ids", expanding=True, type_=Id)),
        posts.c.author_id.in_(shown_authors),
        posts.c.author_id.not_in(_MUTED),
    )
    candidates: Any = pushed
    if hybrid:
        pulled = _pulled_followees(also=True)
        pulled_posts = select(posts.c.id, posts.c.created_at).where(
            posts.c.author_id.in_(pulled), posts.c.author_id.not_in(_MUTED)
        )
        if after:
            cursor = tuple_(time_param("after_at"), id_param("after_id"))
            pulled_posts = pulled_posts.where(tuple_(posts.c.created_at, posts.c.id) < cursor)
        # SQLite takes ORDER BY and LIMIT in a UNION member only inside a subquery.
        walk = (
            pulled_posts.order_by(*_ENTRY_ORDER)
            .limit(bindparam("pulled_limit", type_=BigInteger()))
            .subquery()
        )
        pushed = pushed.where(posts.c.author_id.not_in(pulled))
        candidates = union_all(pushed, select(walk.c.id, walk.c.created_at))
    found = candidates.subquery("found")
    return (
        select(*POST_COLUMNS, _LIKED)
        .select_from(
            found.join(posts, posts.c.id == found.c.id).join(users, users.c.id == posts.c.author_id)
        )
        .order_by(*_ENTRY_ORDER)
    )


_NEWEST_PER_SOURCE = _newest_per_source()
_REBUILD_ENTRIES = _rebuild_entries(per_author=True)
_NEWEST_OF_SOURCES = _rebuild_entries(per_author=False)
_PUSHED_ITEMS = _store_items(hybrid=False, after=False)
_HYBRID_ITEMS = _store_items(hybrid=True, after=False)
_HYBRID_ITEMS_AFTER = _store_items(hybrid=True, after=True)
