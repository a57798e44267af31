"""What the SQL repositories share: column lists, row mappers and paging."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from attrs import frozen
from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    Connection,
    CursorResult,
    FromClause,
    Select,
    String,
    and_,
    any_,
    bindparam,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from socialfeed.models import Comment, Post, User
from socialfeed.pagination import PageRequest
from socialfeed.storage.base import FollowEntry
from socialfeed.storage.sql.schema import (
    Id,
    UTCDateTime,
    blocks,
    comments,
    follows,
    hashtags,
    likes,
    mutes,
    post_hashtags,
    posts,
    users,
)

USER_COLUMNS = (
    users.c.id,
    users.c.username,
    users.c.email,
    users.c.full_name,
    users.c.bio,
    users.c.profile_image_url,
    users.c.is_active,
    users.c.created_at,
    users.c.post_count,
    users.c.follower_count,
    users.c.following_count,
    users.c.is_private,
)
POST_COLUMNS = (
    posts.c.id,
    posts.c.author_id,
    users.c.username,
    posts.c.content,
    posts.c.image_url,
    posts.c.like_count,
    posts.c.comment_count,
    posts.c.created_at,
    posts.c.edited_at,
)
COMMENT_COLUMNS = (
    comments.c.id,
    comments.c.post_id,
    comments.c.author_id,
    users.c.username,
    comments.c.content,
    comments.c.created_at,
)
POSTS_WITH_AUTHOR = posts.join(users, users.c.id == posts.c.author_id)
COMMENTS_WITH_AUTHOR = comments.join(users, users.c.id == comments.c.author_id)


def to_user(row: Sequence[Any]) -> User:
    return User(*row[: len(USER_COLUMNS)])


def to_post(row: Sequence[Any]) -> Post:
    return Post(*row[: len(POST_COLUMNS)])


def to_comment(row: Sequence[Any]) -> Comment:
    return Comment(*row)


def id_param(name: str) -> BindParameter[int]:
    """A bound id: statements built once take their values at execution."""
    return bindparam(name, type_=Id)


def one_of(column: ColumnElement[int], ids: Collection[int], dialect: str) -> ColumnElement[bool]:
    """``column`` is one of ``ids``, which go to the database as one parameter.

    An array (PostgreSQL) or a JSON text (SQLite), never one parameter per
    id: databases cap those (65,535 on PostgreSQL), and a query over any
    number of ids must stay one query.
    """
    if dialect == "postgresql":
        array = bindparam("ids", list(ids), type_=postgresql.ARRAY(BigInteger))
        return column == any_(array)
    listed = func.json_each(bindparam("ids", json.dumps(list(ids)), type_=String))
    return column.in_(select(listed.table_valued("value").c.value))


def time_param(name: str) -> BindParameter[datetime]:
    """A bound timestamp, converted like every stored one."""
    return bindparam(name, type_=UTCDateTime())


VIEWER = id_param("viewer_id")
NOW = time_param("now")


def page_params(page: PageRequest) -> dict[str, Any]:
    """The bound values of a `PagedQuery` for ``page``."""
    params: dict[str, Any] = {
        "page_offset": page.offset,
        "page_limit": page.limit + 1,
    }
    if page.after is not None:
        params["after_at"] = page.after.at
        params["after_id"] = page.after.id
    return params


@frozen
class PagedQuery:
    """A list query built once, newest first by ``(at, key)``, in its two shapes.

    Building a SQLAlchemy statement costs more than running a small indexed
    query on SQLite, so each list builds its statement once (at import, or at
    first use where the shape depends on the dialect) and keeps it: the page
    (cursor, offset, limit) and the ids arrive as bound values,
    and SQLAlchemy reuses the compiled form.
    """

    first: Select[Any]
    after: Select[Any]

    @classmethod
    def build(
        cls, query: Select[Any], at: ColumnElement[datetime], key: ColumnElement[int]
    ) -> PagedQuery:
        ordered = (
            query.order_by(at.desc(), key.desc())
            .offset(bindparam("page_offset"))
            .limit(bindparam("page_limit"))
        )
        cursor = tuple_(bindparam("after_at", type_=at.type), bindparam("after_id", type_=Id))
        return cls(ordered, ordered.where(tuple_(at, key) < cursor))

    def run(
        self, conn: Connection, page: PageRequest, params: Mapping[str, Any]
    ) -> CursorResult[Any]:
        statement = self.first if page.after is None else self.after
        return conn.execute(statement, {**params, **page_params(page)})


def newest_first(
    query: Select[Any], at: ColumnElement[datetime], key: ColumnElement[int], page: PageRequest
) -> Select[Any]:
    """Order newest first by ``(at, key)`` and apply the page's cursor, offset and limit."""
    if page.after is not None:
        after = tuple_(literal(page.after.at, UTCDateTime()), literal(page.after.id))
        query = query.where(tuple_(at, key) < after)
    return query.order_by(at.desc(), key.desc()).offset(page.offset).limit(page.limit + 1)


class Repository:
    """Base of the SQL repositories: one connection, inside one transaction."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _user_entries(
        self,
        table: FromClause,
        other: ColumnElement[int],
        at: ColumnElement[datetime],
        condition: ColumnElement[bool],
        page: PageRequest,
        viewer_id: int | None,
    ) -> list[FollowEntry]:
        """A page of (user, time) entries from a pair table, leaving out blocked users."""
        query = (
            select(*USER_COLUMNS, at.label("at"))
            .select_from(table.join(users, users.c.id == other))
            .where(condition, not_blocked(viewer_id, other))
        )
        query = newest_first(query, at, other, page)
        return [FollowEntry(to_user(row), row.at) for row in self._conn.execute(query)]

    @staticmethod
    def insert_for(dialect_name: str, table: Any) -> Any:
        """An INSERT of the named dialect, which knows ON CONFLICT."""
        dialect = postgresql if dialect_name == "postgresql" else sqlite
        return dialect.insert(table)

    def _insert(self, table: Any) -> Any:
        """An INSERT of this connection's dialect, which knows ON CONFLICT."""
        return self.insert_for(self._conn.dialect.name, table)

    def _insert_ignoring_duplicates(self, table: Any) -> Any:
        return self._insert(table).on_conflict_do_nothing()


def escape_like(text: str) -> str:
    """Make ``%``, ``_`` and the escape character itself match literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def public_posts(condition: ColumnElement[bool]) -> Select[Any]:
    """The ids of the posts matching ``condition`` whose author is public: those tags count."""
    return (
        select(posts.c.id)
        .select_from(POSTS_WITH_AUTHOR)
        .where(condition, users.c.is_private == false())
    )


def count_hashtags(links: ColumnElement[bool], delta: int) -> Any:
    """An UPDATE that adds ``delta`` per post link matching ``links`` to its hashtag's count."""
    uses = (
        select(func.count())
        .select_from(post_hashtags)
        .where(post_hashtags.c.hashtag_id == hashtags.c.id, links)
        .scalar_subquery()
    )
    tagged = select(post_hashtags.c.hashtag_id).where(links)
    return (
        update(hashtags)
        .where(hashtags.c.id.in_(tagged))
        .values(post_count=hashtags.c.post_count + delta * uses)
    )


Viewer = int | ColumnElement[int] | None


def not_blocked(viewer_id: Viewer, other: ColumnElement[int]) -> ColumnElement[bool]:
    """True unless there is a block, either way, between the viewer and ``other``."""
    if viewer_id is None:
        return true()
    return ~exists().where(
        or_(
            and_(blocks.c.blocker_id == viewer_id, blocks.c.blocked_id == other),
            and_(blocks.c.blocker_id == other, blocks.c.blocked_id == viewer_id),
        )
    )


def visible_author(viewer_id: Viewer, author: ColumnElement[int]) -> ColumnElement[bool]:
    """True when the viewer may see the content of ``author`` (``users`` joined on it).

    The owner always; nobody across a block; a private account's content only
    its approved followers; anyone else's content everyone, anonymous included.
    """
    if viewer_id is None:
        return users.c.is_private == false()
    follows_author = exists().where(
        follows.c.follower_id == viewer_id, follows.c.followee_id == author
    )
    return or_(
        author == viewer_id,
        and_(not_blocked(viewer_id, author), or_(users.c.is_private == false(), follows_author)),
    )


def mute_running(now: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    """True for a mute that has no end or ends after ``now``."""
    return or_(mutes.c.until.is_(None), mutes.c.until > now)


def not_muted(
    viewer_id: int | ColumnElement[int],
    author: ColumnElement[int],
    now: datetime | ColumnElement[datetime],
) -> ColumnElement[bool]:
    """True unless the viewer has a mute of ``author`` running at ``now``."""
    return ~exists().where(
        mutes.c.muter_id == viewer_id, mutes.c.muted_id == author, mute_running(now)
    )


def liked_by_viewer(post_id: ColumnElement[int]) -> ColumnElement[bool]:
    """The ``liked`` column of a feed item: whether ``VIEWER`` liked the post."""
    return exists().where(likes.c.post_id == post_id, likes.c.user_id == VIEWER).label("liked")
