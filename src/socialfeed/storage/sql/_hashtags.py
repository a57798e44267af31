"""The SQL repository for hashtags: links, public counts, search and trending."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, delete, false, func, select, update

from socialfeed.models import Hashtag, Post, TrendingHashtag
from socialfeed.pagination import PageRequest
from socialfeed.storage.sql._common import (
    POST_COLUMNS,
    VIEWER,
    PagedQuery,
    Repository,
    count_hashtags,
    escape_like,
    id_param,
    time_param,
    to_post,
    visible_author,
)
from socialfeed.storage.sql.schema import hashtags, post_hashtags, posts, users


class SQLHashtags(Repository):
    def set_post_tags(self, post_id: int, names: Sequence[str], *, counted: bool) -> None:
        # Links are matched by tag name inside the statements, so the tag ids,
        # the current links and the post's time never make a round trip.
        dialect = self._conn.dialect.name
        if names:
            # Sorted, so that two posts adding the same new tags lock them in one order.
            rows = [{"name": name, "post_count": 0} for name in sorted(names)]
            self._conn.execute(_add_tags(dialect), rows)
        params = {"post_id": post_id, "names": list(names)}
        if not counted:
            # A private author's links: the public counts do not move.
            self._conn.execute(_UNLINK_OTHER_TAGS, params)
            if names:
                self._conn.execute(_link_tags(dialect), params)
            return
        if dialect == "postgresql":
            # Data-modifying CTEs drop and add the links and move their
            # counters in one statement, where SQLite needs four.
            self._conn.execute(_relink_tags_postgresql(), params)
            return
        gone = set(self._conn.execute(_UNLINK_OTHER_TAGS, params).scalars())
        self._count(gone, -1)
        if names:
            new = set(self._conn.execute(_link_tags(dialect), params).scalars())
            self._count(new, +1)

    def count_author(self, author_id: int, delta: int) -> None:
        theirs = select(posts.c.id).where(posts.c.author_id == author_id)
        self._conn.execute(count_hashtags(post_hashtags.c.post_id.in_(theirs), delta))

    def get(self, name: str) -> Hashtag | None:
        row = self._conn.execute(_HASHTAG, {"name": name}).first()
        return None if row is None else Hashtag(*row)

    def posts(self, hashtag_id: int, page: PageRequest, viewer_id: int | None) -> list[Post]:
        params = {"hashtag_id": hashtag_id, "viewer_id": viewer_id}
        rows = _tagged_posts(anonymous=viewer_id is None).run(self._conn, page, params)
        return [to_post(row) for row in rows]

    def search(self, prefix: str, limit: int) -> list[Hashtag]:
        query = (
            select(hashtags.c.id, hashtags.c.name, hashtags.c.post_count)
            .where(
                hashtags.c.name.like(f"{escape_like(prefix)}%", escape="\\"),
                hashtags.c.post_count > 0,
            )
            .order_by(hashtags.c.post_count.desc(), hashtags.c.name)
            .limit(limit)
        )
        return [Hashtag(*row) for row in self._conn.execute(query)]

    def trending(self, since: datetime, limit: int) -> list[TrendingHashtag]:
        rows = self._conn.execute(_TRENDING, {"since": since, "limit": limit})
        return [
            TrendingHashtag(Hashtag(tag_id, name, count), recent)
            for tag_id, name, count, recent in rows
        ]

    def _count(self, tag_ids: set[int], delta: int) -> None:
        if tag_ids:
            self._conn.execute(_COUNT_TAGS, {"tag_ids": sorted(tag_ids), "delta": delta})


_HASHTAG = select(hashtags.c.id, hashtags.c.name, hashtags.c.post_count).where(
    hashtags.c.name == bindparam("name")
)

# The window's links come from the created_at index; each one's post and
# author are then found by primary key, and only public authors' count.
_USES = func.count().label("uses")
_TRENDING = (
    select(hashtags.c.id, hashtags.c.name, hashtags.c.post_count, _USES)
    .select_from(
        post_hashtags.join(hashtags, hashtags.c.id == post_hashtags.c.hashtag_id)
        .join(posts, posts.c.id == post_hashtags.c.post_id)
        .join(users, users.c.id == posts.c.author_id)
    )
    .where(post_hashtags.c.created_at >= time_param("since"), users.c.is_private == false())
    .group_by(hashtags.c.id, hashtags.c.name, hashtags.c.post_count)
    .order_by(_USES.desc(), hashtags.c.name)
    .limit(bindparam("limit"))
)
_NAMED_TAGS = select(hashtags.c.id).where(hashtags.c.name.in_(bindparam("names", expanding=True)))
_UNLINK_OTHER_TAGS = (
    delete(post_hashtags)
    .where(
        post_hashtags.c.post_id == id_param("post_id"),
        post_hashtags.c.hashtag_id.not_in(_NAMED_TAGS),
    )
    .returning(post_hashtags.c.hashtag_id)
)
_COUNT_TAGS = (
    update(hashtags)
    .where(hashtags.c.id.in_(bindparam("tag_ids", expanding=True)))
    .values(post_count=hashtags.c.post_count + bindparam("delta"))
)


@cache
def _relink_tags_postgresql() -> Any:
    """Unlink the tags not named, link those named, and count both, in one statement.

    The two counter updates touch different tags (the dropped ones are not
    named, the added ones are), as PostgreSQL requires of one statement.
    """
    dropped = _UNLINK_OTHER_TAGS.cte("dropped_links")
    uncounted = (
        update(hashtags)
        .where(hashtags.c.id.in_(select(dropped.c.hashtag_id)))
        .values(post_count=hashtags.c.post_count - 1)
        .cte("uncounted_tags")
    )
    added = _link_tags("postgresql").cte("added_links")
    return (
        update(hashtags)
        .where(hashtags.c.id.in_(select(added.c.hashtag_id)))
        .values(post_count=hashtags.c.post_count + 1)
        .add_cte(uncounted)
    )


@cache
def _add_tags(dialect: str) -> Any:
    return Repository.insert_for(dialect, hashtags).on_conflict_do_nothing()


@cache
def _link_tags(dialect: str) -> Any:
    """Link the post to the named tags it lacks, at the post's time; return the new tag ids."""
    named = (
        select(hashtags.c.id, posts.c.id, posts.c.created_at)
        .select_from(hashtags.join(posts, posts.c.id == id_param("post_id")))
        .where(hashtags.c.name.in_(bindparam("names", expanding=True)))
        .order_by(hashtags.c.id)
    )
    return (
        Repository.insert_for(dialect, post_hashtags)
        .from_select(["hashtag_id", "post_id", "created_at"], named)
        .on_conflict_do_nothing()
        .returning(post_hashtags.c.hashtag_id)
    )


@cache
def _tagged_posts(*, anonymous: bool) -> PagedQuery:
    query = (
        select(*POST_COLUMNS)
        .select_from(
            post_hashtags.join(posts, posts.c.id == post_hashtags.c.post_id).join(
                users, users.c.id == posts.c.author_id
            )
        )
        .where(
            post_hashtags.c.hashtag_id == id_param("hashtag_id"),
            visible_author(None if anonymous else VIEWER, posts.c.author_id),
        )
    )
    return PagedQuery.build(query, post_hashtags.c.created_at, post_hashtags.c.post_id)
