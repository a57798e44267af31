"""The repositories of the SQL backends, written in SQLAlchemy Core.

Every method is one or two statements. Counters move with atomic
``UPDATE ... SET n = n + 1`` statements in the same transaction as the row
they count, and inserts that may race use ``ON CONFLICT DO NOTHING``, so
concurrent callers end with exact counters and no duplicate rows without any
retry.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from socialfeed.errors import ConflictError
from socialfeed.models import Comment, FeedItem, Post, User
from socialfeed.pagination import PageRequest
from socialfeed.storage.base import Credentials, FollowEntry, NewUser
from socialfeed.storage.sql.schema import (
    UTCDateTime,
    comments,
    follows,
    likes,
    posts,
    sessions,
    users,
)

__all__ = ["SQLUnitOfWork"]

_USER_COLUMNS = (
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
)
_POST_COLUMNS = (
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
_COMMENT_COLUMNS = (
    comments.c.id,
    comments.c.post_id,
    comments.c.author_id,
    users.c.username,
    comments.c.content,
    comments.c.created_at,
)
_POSTS_WITH_AUTHOR = posts.join(users, users.c.id == posts.c.author_id)
_COMMENTS_WITH_AUTHOR = comments.join(users, users.c.id == comments.c.author_id)


def _user(row: Sequence[Any]) -> User:
    return User(*row[: len(_USER_COLUMNS)])


def _post(row: Sequence[Any]) -> Post:
    return Post(*row[: len(_POST_COLUMNS)])


def _comment(row: Sequence[Any]) -> Comment:
    return Comment(*row)


def _newest_first(
    query: Select[Any], at: ColumnElement[datetime], key: ColumnElement[int], page: PageRequest
) -> Select[Any]:
    """Order newest first by ``(at, key)`` and apply the page's cursor, offset and limit."""
    if page.after is not None:
        after = tuple_(literal(page.after.at, UTCDateTime()), literal(page.after.id))
        query = query.where(tuple_(at, key) < after)
    return query.order_by(at.desc(), key.desc()).offset(page.offset).limit(page.limit + 1)


class _Repository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _insert_ignoring_duplicates(self, table: Any) -> Any:
        dialect = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        return dialect.insert(table).on_conflict_do_nothing()


class SQLUsers(_Repository):
    def add(self, new: NewUser) -> User:
        statement = (
            insert(users)
            .values(
                username=new.username,
                username_key=new.username_key,
                email=new.email,
                email_key=new.email_key,
                password_hash=new.password_hash,
                full_name=new.full_name,
                is_active=True,
                created_at=new.created_at,
                post_count=0,
                follower_count=0,
                following_count=0,
            )
            .returning(*_USER_COLUMNS)
        )
        try:
            # A savepoint keeps the transaction usable on PostgreSQL after a lost race.
            with self._conn.begin_nested():
                return _user(self._conn.execute(statement).one())
        except IntegrityError as error:
            if "email_key" in str(error.orig):
                raise ConflictError("Email already registered", field="email") from None
            if "username_key" in str(error.orig):
                raise ConflictError("Username already taken", field="username") from None
            raise

    def get(self, user_id: int) -> User | None:
        row = self._conn.execute(select(*_USER_COLUMNS).where(users.c.id == user_id)).first()
        return None if row is None else _user(row)

    def get_by_username(self, username_key: str) -> User | None:
        query = select(*_USER_COLUMNS).where(users.c.username_key == username_key)
        row = self._conn.execute(query).first()
        return None if row is None else _user(row)

    def email_taken(self, email_key: str) -> bool:
        query = select(exists().where(users.c.email_key == email_key))
        return bool(self._conn.execute(query).scalar())

    def username_taken(self, username_key: str) -> bool:
        query = select(exists().where(users.c.username_key == username_key))
        return bool(self._conn.execute(query).scalar())

    def _credentials(self, condition: ColumnElement[bool]) -> Credentials | None:
        query = select(users.c.id, users.c.password_hash, users.c.is_active).where(condition)
        row = self._conn.execute(query).first()
        return None if row is None else Credentials(*row)

    def credentials(self, user_id: int) -> Credentials | None:
        return self._credentials(users.c.id == user_id)

    def credentials_for_login(self, login_key: str) -> Credentials | None:
        # Emails contain "@" and usernames cannot, so at most one row matches.
        return self._credentials(
            or_(users.c.email_key == login_key, users.c.username_key == login_key)
        )

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        statement = update(users).where(users.c.id == user_id).values(password_hash=password_hash)
        self._conn.execute(statement)

    def update_profile(self, user_id: int, changes: Mapping[str, str | None]) -> User:
        statement = (
            update(users).where(users.c.id == user_id).values(**changes).returning(*_USER_COLUMNS)
        )
        return _user(self._conn.execute(statement).one())

    def deactivate(self, user_id: int) -> None:
        self._conn.execute(update(users).where(users.c.id == user_id).values(is_active=False))

    def delete(self, user_id: int) -> None:
        # Uncount what the user contributed to other people's rows; everything
        # the user owns then goes with the user row through ON DELETE CASCADE.
        execute = self._conn.execute
        their_likes = select(likes.c.post_id).where(likes.c.user_id == user_id)
        execute(
            update(posts)
            .where(posts.c.id.in_(their_likes))
            .values(like_count=posts.c.like_count - 1)
        )
        their_comment_count = (
            select(func.count())
            .where(comments.c.post_id == posts.c.id, comments.c.author_id == user_id)
            .scalar_subquery()
        )
        their_commented_posts = select(comments.c.post_id).where(comments.c.author_id == user_id)
        execute(
            update(posts)
            .where(posts.c.id.in_(their_commented_posts))
            .values(comment_count=posts.c.comment_count - their_comment_count)
        )
        followees = select(follows.c.followee_id).where(follows.c.follower_id == user_id)
        execute(
            update(users)
            .where(users.c.id.in_(followees))
            .values(follower_count=users.c.follower_count - 1)
        )
        followers = select(follows.c.follower_id).where(follows.c.followee_id == user_id)
        execute(
            update(users)
            .where(users.c.id.in_(followers))
            .values(following_count=users.c.following_count - 1)
        )
        execute(delete(users).where(users.c.id == user_id))


class SQLSessions(_Repository):
    def add(
        self, user_id: int, token_hash: str, created_at: datetime, expires_at: datetime
    ) -> None:
        self._conn.execute(
            insert(sessions).values(
                token_hash=token_hash,
                user_id=user_id,
                created_at=created_at,
                expires_at=expires_at,
            )
        )

    def user_id_for(self, token_hash: str, now: datetime) -> int | None:
        query = (
            select(sessions.c.user_id)
            .join(users, users.c.id == sessions.c.user_id)
            .where(
                sessions.c.token_hash == token_hash,
                sessions.c.expires_at > now,
                users.c.is_active,
            )
        )
        return self._conn.execute(query).scalar()

    def delete(self, token_hash: str) -> int | None:
        statement = (
            delete(sessions)
            .where(sessions.c.token_hash == token_hash)
            .returning(sessions.c.user_id)
        )
        return self._conn.execute(statement).scalar()

    def delete_for_user(self, user_id: int) -> int:
        result = self._conn.execute(delete(sessions).where(sessions.c.user_id == user_id))
        return result.rowcount

    def delete_expired(self, now: datetime) -> int:
        result = self._conn.execute(delete(sessions).where(sessions.c.expires_at <= now))
        return result.rowcount


class SQLPosts(_Repository):
    def add(
        self, author_id: int, content: str | None, image_url: str | None, created_at: datetime
    ) -> Post:
        author = self._conn.execute(
            update(users)
            .where(users.c.id == author_id)
            .values(post_count=users.c.post_count + 1)
            .returning(users.c.username)
        ).scalar_one()
        row = self._conn.execute(
            insert(posts)
            .values(
                author_id=author_id,
                content=content,
                image_url=image_url,
                like_count=0,
                comment_count=0,
                created_at=created_at,
            )
            .returning(posts.c.id)
        ).scalar_one()
        return Post(row, author_id, author, content, image_url, 0, 0, created_at, None)

    def get(self, post_id: int) -> Post | None:
        query = select(*_POST_COLUMNS).select_from(_POSTS_WITH_AUTHOR).where(posts.c.id == post_id)
        row = self._conn.execute(query).first()
        return None if row is None else _post(row)

    def set_content(self, post_id: int, content: str | None, edited_at: datetime) -> Post:
        self._conn.execute(
            update(posts).where(posts.c.id == post_id).values(content=content, edited_at=edited_at)
        )
        post = self.get(post_id)
        assert post is not None
        return post

    def delete(self, post_id: int) -> None:
        # Likes and comments go with the post through ON DELETE CASCADE.
        author_id = self._conn.execute(
            delete(posts).where(posts.c.id == post_id).returning(posts.c.author_id)
        ).scalar_one()
        self._conn.execute(
            update(users).where(users.c.id == author_id).values(post_count=users.c.post_count - 1)
        )

    def by_author(self, author_id: int, page: PageRequest) -> list[Post]:
        query = (
            select(*_POST_COLUMNS)
            .select_from(_POSTS_WITH_AUTHOR)
            .where(posts.c.author_id == author_id)
        )
        query = _newest_first(query, posts.c.created_at, posts.c.id, page)
        return [_post(row) for row in self._conn.execute(query)]

    def home_feed(self, viewer_id: int, page: PageRequest) -> list[FeedItem]:
        # One IN list for "followees and me" (rather than an OR) lets the
        # planner walk the (author_id, created_at, id) index for each author.
        authors = union_all(
            select(follows.c.followee_id).where(follows.c.follower_id == viewer_id),
            select(literal(viewer_id, users.c.id.type)),
        )
        liked = exists().where(likes.c.post_id == posts.c.id, likes.c.user_id == viewer_id)
        query = (
            select(*_POST_COLUMNS, liked.label("liked"))
            .select_from(_POSTS_WITH_AUTHOR)
            .where(posts.c.author_id.in_(authors))
        )
        query = _newest_first(query, posts.c.created_at, posts.c.id, page)
        return [FeedItem(_post(row), bool(row.liked)) for row in self._conn.execute(query)]


class SQLComments(_Repository):
    def add(self, post_id: int, author_id: int, content: str, created_at: datetime) -> Comment:
        comment_id = self._conn.execute(
            insert(comments)
            .values(post_id=post_id, author_id=author_id, content=content, created_at=created_at)
            .returning(comments.c.id)
        ).scalar_one()
        self._conn.execute(
            update(posts)
            .where(posts.c.id == post_id)
            .values(comment_count=posts.c.comment_count + 1)
        )
        comment = self.get(comment_id)
        assert comment is not None
        return comment

    def get(self, comment_id: int) -> Comment | None:
        query = (
            select(*_COMMENT_COLUMNS)
            .select_from(_COMMENTS_WITH_AUTHOR)
            .where(comments.c.id == comment_id)
        )
        row = self._conn.execute(query).first()
        return None if row is None else _comment(row)

    def delete(self, comment_id: int) -> None:
        post_id = self._conn.execute(
            delete(comments).where(comments.c.id == comment_id).returning(comments.c.post_id)
        ).scalar_one()
        self._conn.execute(
            update(posts)
            .where(posts.c.id == post_id)
            .values(comment_count=posts.c.comment_count - 1)
        )

    def for_post(self, post_id: int, page: PageRequest) -> list[Comment]:
        query = (
            select(*_COMMENT_COLUMNS)
            .select_from(_COMMENTS_WITH_AUTHOR)
            .where(comments.c.post_id == post_id)
        )
        query = _newest_first(query, comments.c.created_at, comments.c.id, page)
        return [_comment(row) for row in self._conn.execute(query)]


class SQLLikes(_Repository):
    def _count(self, post_id: int, delta: int) -> int:
        count: int = self._conn.execute(
            update(posts)
            .where(posts.c.id == post_id)
            .values(like_count=posts.c.like_count + delta)
            .returning(posts.c.like_count)
        ).scalar_one()
        return count

    def add(self, user_id: int, post_id: int, created_at: datetime) -> int | None:
        inserted = self._conn.execute(
            self._insert_ignoring_duplicates(likes)
            .values(user_id=user_id, post_id=post_id, created_at=created_at)
            .returning(likes.c.post_id)
        ).first()
        return None if inserted is None else self._count(post_id, +1)

    def remove(self, user_id: int, post_id: int) -> int | None:
        removed = self._conn.execute(
            delete(likes)
            .where(likes.c.user_id == user_id, likes.c.post_id == post_id)
            .returning(likes.c.post_id)
        ).first()
        return None if removed is None else self._count(post_id, -1)

    def liked_post_ids(self, user_id: int, post_ids: Collection[int]) -> set[int]:
        if not post_ids:
            return set()
        query = select(likes.c.post_id).where(
            likes.c.user_id == user_id, likes.c.post_id.in_(list(post_ids))
        )
        return set(self._conn.execute(query).scalars())


class SQLFollows(_Repository):
    def _count(self, follower_id: int, followee_id: int, delta: int) -> None:
        # One statement for both users: rows are locked in one order, so two
        # people following each other at once cannot deadlock.
        self._conn.execute(
            update(users)
            .where(users.c.id.in_([follower_id, followee_id]))
            .values(
                following_count=users.c.following_count
                + case((users.c.id == follower_id, delta), else_=0),
                follower_count=users.c.follower_count
                + case((users.c.id == followee_id, delta), else_=0),
            )
        )

    def add(self, follower_id: int, followee_id: int, created_at: datetime) -> bool:
        inserted = self._conn.execute(
            self._insert_ignoring_duplicates(follows)
            .values(follower_id=follower_id, followee_id=followee_id, created_at=created_at)
            .returning(follows.c.followee_id)
        ).first()
        if inserted is None:
            return False
        self._count(follower_id, followee_id, +1)
        return True

    def remove(self, follower_id: int, followee_id: int) -> bool:
        removed = self._conn.execute(
            delete(follows)
            .where(follows.c.follower_id == follower_id, follows.c.followee_id == followee_id)
            .returning(follows.c.followee_id)
        ).first()
        if removed is None:
            return False
        self._count(follower_id, followee_id, -1)
        return True

    def exists(self, follower_id: int, followee_id: int) -> bool:
        query = select(
            exists().where(
                follows.c.follower_id == follower_id, follows.c.followee_id == followee_id
            )
        )
        return bool(self._conn.execute(query).scalar())

    def _entries(
        self, other: ColumnElement[int], condition: ColumnElement[bool], page: PageRequest
    ) -> list[FollowEntry]:
        query = (
            select(*_USER_COLUMNS, follows.c.created_at.label("followed_at"))
            .select_from(follows.join(users, users.c.id == other))
            .where(condition)
        )
        query = _newest_first(query, follows.c.created_at, other, page)
        return [FollowEntry(_user(row), row.followed_at) for row in self._conn.execute(query)]

    def followers(self, user_id: int, page: PageRequest) -> list[FollowEntry]:
        return self._entries(follows.c.follower_id, follows.c.followee_id == user_id, page)

    def following(self, user_id: int, page: PageRequest) -> list[FollowEntry]:
        return self._entries(follows.c.followee_id, follows.c.follower_id == user_id, page)


class SQLUnitOfWork:
    """The repositories of one SQL transaction, all on one connection."""

    def __init__(self, conn: Connection) -> None:
        self.users = SQLUsers(conn)
        self.sessions = SQLSessions(conn)
        self.posts = SQLPosts(conn)
        self.comments = SQLComments(conn)
        self.likes = SQLLikes(conn)
        self.follows = SQLFollows(conn)
