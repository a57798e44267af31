"""SQL repositories for users, sessions and follows."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Table,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    union,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import BindParameter

from socialfeed.errors import ConflictError, NotFoundError
from socialfeed.models import User
from socialfeed.pagination import PageRequest
from socialfeed.storage.base import Credentials, FollowEntry, NewUser
from socialfeed.storage.sql._common import (
    USER_COLUMNS,
    VIEWER,
    Repository,
    count_hashtags,
    escape_like,
    id_param,
    not_blocked,
    public_posts,
    time_param,
    to_user,
    visible_author,
)
from socialfeed.storage.sql.schema import (
    comments,
    follows,
    likes,
    post_hashtags,
    posts,
    sessions,
    users,
)
from socialfeed.validation import identity_key


class SQLUsers(Repository):
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
                full_name_key=_name_key(new.full_name),
                is_active=True,
                is_private=False,
                created_at=new.created_at,
                post_count=0,
                follower_count=0,
                following_count=0,
            )
            .returning(*USER_COLUMNS)
        )
        try:
            # A savepoint keeps the transaction usable on PostgreSQL after a lost race.
            with self._conn.begin_nested():
                return to_user(self._conn.execute(statement).one())
        except IntegrityError as error:
            if "email_key" in str(error.orig):
                raise ConflictError("Email already registered", field="email") from None
            if "username_key" in str(error.orig):
                raise ConflictError("Username already taken", field="username") from None
            raise

    def get(self, user_id: int) -> User | None:
        row = self._conn.execute(_USER, {"user_id": user_id}).first()
        return None if row is None else to_user(row)

    def lock(
        self, user_ids: Collection[int], *, deleting: bool = False, exclusive: bool = False
    ) -> dict[int, User]:
        params = {"user_ids": sorted(user_ids)}
        if exclusive and not deleting:
            rows = self._conn.execute(_LOCK_FOR_DELETE, params)
            return {user.id: user for user in map(to_user, rows)}
        if not deleting:
            return {user.id: user for user in map(to_user, self._conn.execute(_LOCK, params))}
        # A deletion updates the counters of everyone the users follow or
        # are followed by, so it first locks them too, with the users, in the
        # one id order every action uses. A follow that committed while this
        # waited is not in the statement's snapshot: lock again until every
        # partner is held (rows already held are granted at once). Only then
        # is the lock on the users raised to FOR UPDATE, which waits for the
        # inserts that refer to them; none of those waits for a partner.
        while True:
            held = self._conn.execute(_LOCK_WITH_PARTNERS, params).scalars().all()
            if set(self._conn.execute(_PARTNERS, params).scalars()) <= set(held):
                break
        rows = self._conn.execute(_LOCK_FOR_DELETE, params)
        return {user.id: user for user in map(to_user, rows)}

    def hold(self, user_id: int) -> User | None:
        row = self._conn.execute(_HOLD, {"user_id": user_id}).first()
        return None if row is None else to_user(row)

    def get_by_username(self, username_key: str) -> User | None:
        query = select(*USER_COLUMNS).where(users.c.username_key == username_key)
        row = self._conn.execute(query).first()
        return None if row is None else to_user(row)

    def email_taken(self, email_key: str) -> bool:
        query = select(exists().where(users.c.email_key == email_key))
        return bool(self._conn.execute(query).scalar())

    def username_taken(self, username_key: str) -> bool:
        query = select(exists().where(users.c.username_key == username_key))
        return bool(self._conn.execute(query).scalar())

    def ids_by_username(self, username_keys: Collection[str]) -> dict[str, int]:
        if not username_keys:
            return {}
        query = select(users.c.username_key, users.c.id).where(
            users.c.username_key.in_(list(username_keys))
        )
        return {row.username_key: row.id for row in self._conn.execute(query)}

    def search(self, query_key: str, limit: int, offset: int, viewer_id: int | None) -> list[User]:
        pattern = escape_like(query_key)
        at_start = or_(
            users.c.username_key.like(f"{pattern}%", escape="\\"),
            users.c.full_name_key.like(f"{pattern}%", escape="\\"),
        )
        query = (
            select(*USER_COLUMNS)
            .where(
                or_(
                    users.c.username_key.like(f"%{pattern}%", escape="\\"),
                    users.c.full_name_key.like(f"%{pattern}%", escape="\\"),
                ),
                not_blocked(viewer_id, users.c.id),
            )
            .order_by(case((at_start, 0), else_=1), users.c.username_key)
            .offset(offset)
            .limit(limit)
        )
        return [to_user(row) for row in self._conn.execute(query)]

    def can_see(self, viewer_id: int, owner_id: int) -> bool:
        params = {"viewer_id": viewer_id, "owner_id": owner_id}
        return bool(self._conn.execute(_CAN_SEE, params).scalar())

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
        values = dict(changes)
        if "full_name" in values:
            values["full_name_key"] = _name_key(values["full_name"])
        statement = (
            update(users).where(users.c.id == user_id).values(**values).returning(*USER_COLUMNS)
        )
        row = self._conn.execute(statement).first()
        if row is None:
            # A deletion of the user committed after this transaction read them.
            raise NotFoundError("user")
        return to_user(row)

    def set_private(self, user_id: int, is_private: bool) -> None:
        self._conn.execute(update(users).where(users.c.id == user_id).values(is_private=is_private))

    def deactivate(self, user_id: int) -> None:
        self._conn.execute(update(users).where(users.c.id == user_id).values(is_active=False))

    def delete(self, user_id: int) -> None:
        # Uncount what the user contributed to other people's rows; everything
        # the user owns then goes with the user row through ON DELETE CASCADE.
        # The service locked the user's row against new rows that refer to it.
        execute = self._conn.execute
        params = {"user_id": user_id}
        if self._conn.dialect.name == "postgresql":
            # Likes and comments on their posts first, as a post's deletion
            # does (SQLPosts.delete says why); then their posts, whose
            # hashtag links must hold still until uncounted below.
            execute(_UNLIKE_THEIR_POSTS, params)
            execute(_UNCOMMENT_THEIR_POSTS, params)
            execute(_LOCK_THEIR_POSTS, params)
            # An unlike or a moderator's comment deletion may take away rows
            # of theirs meanwhile: only what these statements delete is
            # counted off (uncounting what they read would count a row twice).
            execute(_REMOVE_THEIR_LIKES, params)
            execute(_REMOVE_THEIR_COMMENTS, params)
        else:
            # One writer at a time: what is read is what the cascade deletes.
            execute(_UNCOUNT_THEIR_LIKES, params)
            execute(_UNCOUNT_THEIR_COMMENTS, params)
        followees = select(follows.c.followee_id).where(follows.c.follower_id == user_id)
        execute(
            update(users)
            .where(users.c.id.in_(followees))
            .values(follower_count=users.c.follower_count - 1)
        )
        # Their tags count their posts only while they are public (the lock
        # taken holds their privacy still).
        their_posts = public_posts(posts.c.author_id == user_id)
        execute(count_hashtags(post_hashtags.c.post_id.in_(their_posts), -1))
        followers = select(follows.c.follower_id).where(follows.c.followee_id == user_id)
        execute(
            update(users)
            .where(users.c.id.in_(followers))
            .values(following_count=users.c.following_count - 1)
        )
        execute(delete(users).where(users.c.id == user_id))


class SQLSessions(Repository):
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


class SQLFollows(Repository):
    def _count(self, follower_id: int, followee_id: int, delta: int) -> None:
        params = {"follower_id": follower_id, "followee_id": followee_id, "delta": delta}
        self._conn.execute(_COUNT_FOLLOW, params)

    def add(self, follower_id: int, followee_id: int, created_at: datetime) -> bool:
        params = {"follower_id": follower_id, "followee_id": followee_id, "created_at": created_at}
        inserted = self._conn.execute(_add_follow(self._conn.dialect.name), params).first()
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

    def followers(
        self, user_id: int, page: PageRequest, viewer_id: int | None
    ) -> list[FollowEntry]:
        f = follows.c
        return self._user_entries(
            follows, f.follower_id, f.created_at, f.followee_id == user_id, page, viewer_id
        )

    def following(
        self, user_id: int, page: PageRequest, viewer_id: int | None
    ) -> list[FollowEntry]:
        f = follows.c
        return self._user_entries(
            follows, f.followee_id, f.created_at, f.follower_id == user_id, page, viewer_id
        )


# The statements of the hot paths, built once (see PagedQuery for why).
_USER = select(*USER_COLUMNS).where(users.c.id == id_param("user_id"))
_THEIRS = id_param("user_id")
_THEIR_POSTS = select(posts.c.id).where(posts.c.author_id == _THEIRS)
_LOCK_THEIR_POSTS = _THEIR_POSTS.order_by(posts.c.id).with_for_update()
_UNLIKE_THEIR_POSTS = delete(likes).where(likes.c.post_id.in_(_THEIR_POSTS))
_UNCOMMENT_THEIR_POSTS = delete(comments).where(comments.c.post_id.in_(_THEIR_POSTS))
_UNCOUNT_THEIR_LIKES = (
    update(posts)
    .where(posts.c.id.in_(select(likes.c.post_id).where(likes.c.user_id == _THEIRS)))
    .values(like_count=posts.c.like_count - 1)
)
_UNCOUNT_THEIR_COMMENTS = (
    update(posts)
    .where(posts.c.id.in_(select(comments.c.post_id).where(comments.c.author_id == _THEIRS)))
    .values(
        comment_count=posts.c.comment_count
        - select(func.count())
        .where(comments.c.post_id == posts.c.id, comments.c.author_id == _THEIRS)
        .scalar_subquery()
    )
)


def _remove_and_uncount(table: Table, owner: Column[int], counter: Column[int]) -> Any:
    """PostgreSQL: delete a user's rows of ``table`` and count them off their posts, at once."""
    gone = delete(table).where(owner == _THEIRS).returning(table.c.post_id).cte("gone")
    per_post = (
        select(gone.c.post_id, func.count().label("removed")).group_by(gone.c.post_id).subquery()
    )
    return (
        update(posts)
        .where(posts.c.id == per_post.c.post_id)
        .values({counter.name: counter - per_post.c.removed})
    )


_REMOVE_THEIR_LIKES = _remove_and_uncount(likes, likes.c.user_id, posts.c.like_count)
_REMOVE_THEIR_COMMENTS = _remove_and_uncount(comments, comments.c.author_id, posts.c.comment_count)
# FOR NO KEY UPDATE, the lock an update of a counter takes anyway: it lets
# the foreign key checks of inserts that refer to the user (FOR KEY SHARE)
# through, so likes, comments and posts are not held up. A deletion needs
# FOR UPDATE, which holds those inserts off until it is done. ORDER BY id:
# the rows are locked in that order (SQLite has no FOR clause; it is left out).
_USER_IDS: BindParameter[list[int]] = bindparam("user_ids", expanding=True)
_PARTNERS = union(
    select(follows.c.followee_id).where(follows.c.follower_id.in_(_USER_IDS)),
    select(follows.c.follower_id).where(follows.c.followee_id.in_(_USER_IDS)),
)
_LOCKED = select(*USER_COLUMNS).where(users.c.id.in_(_USER_IDS)).order_by(users.c.id)
_LOCK = _LOCKED.with_for_update(key_share=True)
_LOCK_FOR_DELETE = _LOCKED.with_for_update()
# FOR KEY SHARE: what the foreign key check of a like or comment takes anyway,
# taken before the action reads, so that it waits for a block's FOR UPDATE.
_HOLD = (
    select(*USER_COLUMNS)
    .where(users.c.id == id_param("user_id"))
    .with_for_update(read=True, key_share=True)
)
_LOCK_WITH_PARTNERS = (
    select(users.c.id)
    .where(or_(users.c.id.in_(_USER_IDS), users.c.id.in_(_PARTNERS)))
    .order_by(users.c.id)
    .with_for_update(key_share=True)
)
_CAN_SEE = select(visible_author(VIEWER, users.c.id)).where(users.c.id == id_param("owner_id"))
_FOLLOWER, _FOLLOWEE = id_param("follower_id"), id_param("followee_id")
# One statement for both users: rows are locked in one order, so two
# people following each other at once cannot deadlock.
_COUNT_FOLLOW = (
    update(users)
    .where(users.c.id.in_([_FOLLOWER, _FOLLOWEE]))
    .values(
        following_count=users.c.following_count
        + case((users.c.id == _FOLLOWER, bindparam("delta")), else_=0),
        follower_count=users.c.follower_count
        + case((users.c.id == _FOLLOWEE, bindparam("delta")), else_=0),
    )
)


@cache
def _add_follow(dialect: str) -> Any:
    return (
        Repository.insert_for(dialect, follows)
        .values(
            follower_id=_FOLLOWER,
            followee_id=_FOLLOWEE,
            created_at=time_param("created_at"),
        )
        .on_conflict_do_nothing()
        .returning(follows.c.followee_id)
    )


def _name_key(full_name: str | None) -> str | None:
    return None if full_name is None else identity_key(full_name)
