"""The in-memory backend: a real, supported backend for tests, docs and small apps.

Transactions are serialised by one lock, which makes every action atomic and
every counter exact under threads. Each change is journalled, and a
transaction that raises is undone from its journal, so a failed action leaves
nothing behind, exactly as on a database. Data lives as long as the object.
"""

from __future__ import annotations

import collections
import itertools
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar, cast

import attrs

from socialfeed.errors import ConflictError, StorageError
from socialfeed.models import Comment, FeedItem, Post, User
from socialfeed.pagination import PageRequest, Position
from socialfeed.storage.base import (
    Credentials,
    FollowEntry,
    NewUser,
    UnitOfWork,
)

__all__ = ["MemoryStorage"]

T = TypeVar("T")
_MISSING: Any = object()


@attrs.define
class _Tables:
    users: dict[int, User] = attrs.Factory(dict)
    password_hashes: dict[int, str | None] = attrs.Factory(dict)
    username_keys: dict[str, int] = attrs.Factory(dict)
    email_keys: dict[str, int] = attrs.Factory(dict)
    sessions: dict[str, tuple[int, datetime]] = attrs.Factory(dict)
    posts: dict[int, Post] = attrs.Factory(dict)
    comments: dict[int, Comment] = attrs.Factory(dict)
    likes: dict[tuple[int, int], datetime] = attrs.Factory(dict)
    follows: dict[tuple[int, int], datetime] = attrs.Factory(dict)
    # Each table numbers its own rows from 1, as the SQL backends do.
    ids: collections.defaultdict[str, Iterator[int]] = attrs.Factory(
        lambda: collections.defaultdict(lambda: itertools.count(1))
    )


class _Journal:
    """Records every change of a transaction so that it can be undone."""

    def __init__(self) -> None:
        self._undo: list[tuple[dict[Any, Any], Any, Any]] = []

    def set(self, table: dict[Any, Any], key: Any, value: Any) -> None:
        self._undo.append((table, key, table.get(key, _MISSING)))
        table[key] = value

    def delete(self, table: dict[Any, Any], key: Any) -> None:
        self._undo.append((table, key, table.pop(key)))

    def rollback(self) -> None:
        for table, key, old in reversed(self._undo):
            if old is _MISSING:
                table.pop(key, None)
            else:
                table[key] = old


def _newest_first(
    rows: Iterable[T], position: Callable[[T], Position], page: PageRequest
) -> list[T]:
    def key(row: T) -> tuple[datetime, int]:
        pos = position(row)
        return (pos.at, pos.id)

    after = (page.after.at, page.after.id) if page.after else None
    ordered = sorted((r for r in rows if after is None or key(r) < after), key=key, reverse=True)
    return ordered[page.offset : page.offset + page.limit + 1]


def _post_position(post: Post) -> Position:
    return Position(post.created_at, post.id)


class _Repositories:
    """All repositories of one memory transaction, sharing its journal."""

    def __init__(self, tables: _Tables, journal: _Journal) -> None:
        self._t = tables
        self._j = journal

    # -- counters -----------------------------------------------------------

    def _bump_user(self, user_id: int, **deltas: int) -> None:
        user = self._t.users[user_id]
        changes = {name: getattr(user, name) + delta for name, delta in deltas.items()}
        self._j.set(self._t.users, user_id, attrs.evolve(user, **changes))

    def _bump_post(self, post_id: int, **deltas: int) -> Post:
        post = self._t.posts[post_id]
        changes = {name: getattr(post, name) + delta for name, delta in deltas.items()}
        updated = attrs.evolve(post, **changes)
        self._j.set(self._t.posts, post_id, updated)
        return updated


class _Users(_Repositories):
    def add(self, new: NewUser) -> User:
        if new.email_key is not None and new.email_key in self._t.email_keys:
            raise ConflictError("Email already registered", field="email")
        if new.username_key in self._t.username_keys:
            raise ConflictError("Username already taken", field="username")
        user_id = next(self._t.ids["users"])
        user = User(
            id=user_id,
            username=new.username,
            email=new.email,
            full_name=new.full_name,
            bio=None,
            profile_image_url=None,
            is_active=True,
            created_at=new.created_at,
            post_count=0,
            follower_count=0,
            following_count=0,
        )
        self._j.set(self._t.users, user_id, user)
        self._j.set(self._t.password_hashes, user_id, new.password_hash)
        self._j.set(self._t.username_keys, new.username_key, user_id)
        if new.email_key is not None:
            self._j.set(self._t.email_keys, new.email_key, user_id)
        return user

    def get(self, user_id: int) -> User | None:
        return self._t.users.get(user_id)

    def get_by_username(self, username_key: str) -> User | None:
        user_id = self._t.username_keys.get(username_key)
        return None if user_id is None else self._t.users[user_id]

    def email_taken(self, email_key: str) -> bool:
        return email_key in self._t.email_keys

    def username_taken(self, username_key: str) -> bool:
        return username_key in self._t.username_keys

    def credentials(self, user_id: int) -> Credentials | None:
        user = self._t.users.get(user_id)
        if user is None:
            return None
        return Credentials(user_id, self._t.password_hashes[user_id], user.is_active)

    def credentials_for_login(self, login_key: str) -> Credentials | None:
        user_id = self._t.email_keys.get(login_key, self._t.username_keys.get(login_key))
        return None if user_id is None else self.credentials(user_id)

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self._j.set(self._t.password_hashes, user_id, password_hash)

    def update_profile(self, user_id: int, changes: Mapping[str, str | None]) -> User:
        user = attrs.evolve(self._t.users[user_id], **cast(dict[str, Any], changes))
        self._j.set(self._t.users, user_id, user)
        return user

    def deactivate(self, user_id: int) -> None:
        self._j.set(self._t.users, user_id, attrs.evolve(self._t.users[user_id], is_active=False))

    def delete(self, user_id: int) -> None:
        posts = _Posts(self._t, self._j)
        for post in [p for p in self._t.posts.values() if p.author_id == user_id]:
            posts.delete(post.id)
        comments = _Comments(self._t, self._j)
        for comment in [c for c in self._t.comments.values() if c.author_id == user_id]:
            comments.delete(comment.id)
        likes = _Likes(self._t, self._j)
        for liker, post_id in [key for key in self._t.likes if key[0] == user_id]:
            likes.remove(liker, post_id)
        follows = _Follows(self._t, self._j)
        for a, b in [key for key in self._t.follows if user_id in key]:
            follows.remove(a, b)
        _Sessions(self._t, self._j).delete_for_user(user_id)
        for keys in (self._t.username_keys, self._t.email_keys):
            for key in [k for k, v in keys.items() if v == user_id]:
                self._j.delete(keys, key)
        self._j.delete(self._t.password_hashes, user_id)
        self._j.delete(self._t.users, user_id)


class _Sessions(_Repositories):
    def add(
        self, user_id: int, token_hash: str, created_at: datetime, expires_at: datetime
    ) -> None:
        self._j.set(self._t.sessions, token_hash, (user_id, expires_at))

    def user_id_for(self, token_hash: str, now: datetime) -> int | None:
        session = self._t.sessions.get(token_hash)
        if session is None:
            return None
        user_id, expires_at = session
        return user_id if expires_at > now and self._t.users[user_id].is_active else None

    def delete(self, token_hash: str) -> int | None:
        session = self._t.sessions.get(token_hash)
        if session is None:
            return None
        self._j.delete(self._t.sessions, token_hash)
        return session[0]

    def delete_for_user(self, user_id: int) -> int:
        return self._delete_where(lambda owner, _: owner == user_id)

    def delete_expired(self, now: datetime) -> int:
        return self._delete_where(lambda _, expires_at: expires_at <= now)

    def _delete_where(self, condition: Callable[[int, datetime], bool]) -> int:
        hashes = [h for h, session in self._t.sessions.items() if condition(*session)]
        for token_hash in hashes:
            self._j.delete(self._t.sessions, token_hash)
        return len(hashes)


class _Posts(_Repositories):
    def add(
        self, author_id: int, content: str | None, image_url: str | None, created_at: datetime
    ) -> Post:
        post = Post(
            id=next(self._t.ids["posts"]),
            author_id=author_id,
            author_username=self._t.users[author_id].username,
            content=content,
            image_url=image_url,
            like_count=0,
            comment_count=0,
            created_at=created_at,
            edited_at=None,
        )
        self._j.set(self._t.posts, post.id, post)
        self._bump_user(author_id, post_count=1)
        return post

    def get(self, post_id: int) -> Post | None:
        return self._t.posts.get(post_id)

    def set_content(self, post_id: int, content: str | None, edited_at: datetime) -> Post:
        post = attrs.evolve(self._t.posts[post_id], content=content, edited_at=edited_at)
        self._j.set(self._t.posts, post_id, post)
        return post

    def delete(self, post_id: int) -> None:
        for comment_id in [c.id for c in self._t.comments.values() if c.post_id == post_id]:
            self._j.delete(self._t.comments, comment_id)
        for key in [k for k in self._t.likes if k[1] == post_id]:
            self._j.delete(self._t.likes, key)
        post = self._t.posts[post_id]
        self._j.delete(self._t.posts, post_id)
        self._bump_user(post.author_id, post_count=-1)

    def by_author(self, author_id: int, page: PageRequest) -> list[Post]:
        mine = (p for p in self._t.posts.values() if p.author_id == author_id)
        return _newest_first(mine, _post_position, page)

    def home_feed(self, viewer_id: int, page: PageRequest) -> list[FeedItem]:
        authors = {b for a, b in self._t.follows if a == viewer_id} | {viewer_id}
        posts = (p for p in self._t.posts.values() if p.author_id in authors)
        return [
            FeedItem(post, (viewer_id, post.id) in self._t.likes)
            for post in _newest_first(posts, _post_position, page)
        ]


class _Comments(_Repositories):
    def add(self, post_id: int, author_id: int, content: str, created_at: datetime) -> Comment:
        comment = Comment(
            id=next(self._t.ids["comments"]),
            post_id=post_id,
            author_id=author_id,
            author_username=self._t.users[author_id].username,
            content=content,
            created_at=created_at,
        )
        self._j.set(self._t.comments, comment.id, comment)
        self._bump_post(post_id, comment_count=1)
        return comment

    def get(self, comment_id: int) -> Comment | None:
        return self._t.comments.get(comment_id)

    def delete(self, comment_id: int) -> None:
        comment = self._t.comments[comment_id]
        self._j.delete(self._t.comments, comment_id)
        self._bump_post(comment.post_id, comment_count=-1)

    def for_post(self, post_id: int, page: PageRequest) -> list[Comment]:
        rows = (c for c in self._t.comments.values() if c.post_id == post_id)
        return _newest_first(rows, lambda c: Position(c.created_at, c.id), page)


class _Likes(_Repositories):
    def add(self, user_id: int, post_id: int, created_at: datetime) -> int | None:
        if (user_id, post_id) in self._t.likes:
            return None
        self._j.set(self._t.likes, (user_id, post_id), created_at)
        return self._bump_post(post_id, like_count=1).like_count

    def remove(self, user_id: int, post_id: int) -> int | None:
        if (user_id, post_id) not in self._t.likes:
            return None
        self._j.delete(self._t.likes, (user_id, post_id))
        return self._bump_post(post_id, like_count=-1).like_count

    def liked_post_ids(self, user_id: int, post_ids: Collection[int]) -> set[int]:
        return {post_id for post_id in post_ids if (user_id, post_id) in self._t.likes}


class _Follows(_Repositories):
    def add(self, follower_id: int, followee_id: int, created_at: datetime) -> bool:
        if (follower_id, followee_id) in self._t.follows:
            return False
        self._j.set(self._t.follows, (follower_id, followee_id), created_at)
        self._bump_user(follower_id, following_count=1)
        self._bump_user(followee_id, follower_count=1)
        return True

    def remove(self, follower_id: int, followee_id: int) -> bool:
        if (follower_id, followee_id) not in self._t.follows:
            return False
        self._j.delete(self._t.follows, (follower_id, followee_id))
        self._bump_user(follower_id, following_count=-1)
        self._bump_user(followee_id, follower_count=-1)
        return True

    def exists(self, follower_id: int, followee_id: int) -> bool:
        return (follower_id, followee_id) in self._t.follows

    def followers(self, user_id: int, page: PageRequest) -> list[FollowEntry]:
        entries = (
            FollowEntry(self._t.users[a], at)
            for (a, b), at in self._t.follows.items()
            if b == user_id
        )
        return _newest_first(entries, _entry_position, page)

    def following(self, user_id: int, page: PageRequest) -> list[FollowEntry]:
        entries = (
            FollowEntry(self._t.users[b], at)
            for (a, b), at in self._t.follows.items()
            if a == user_id
        )
        return _newest_first(entries, _entry_position, page)


def _entry_position(entry: FollowEntry) -> Position:
    return Position(entry.followed_at, entry.user.id)


@attrs.frozen
class _MemoryUnitOfWork:
    users: _Users
    sessions: _Sessions
    posts: _Posts
    comments: _Comments
    likes: _Likes
    follows: _Follows


class MemoryStorage:
    """Storage in this process's memory. Thread-safe; nothing survives the object."""

    def __init__(self) -> None:
        self._tables: _Tables | None = _Tables()
        self._lock = threading.RLock()

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[UnitOfWork]:
        """Run the block alone, undoing every change it made if it raises."""
        with self._lock:
            if self._tables is None:
                raise StorageError("this storage was closed")
            journal = _Journal()
            args = (self._tables, journal)
            uow = _MemoryUnitOfWork(
                _Users(*args), _Sessions(*args), _Posts(*args),
                _Comments(*args), _Likes(*args), _Follows(*args),
            )  # fmt: skip
            try:
                yield uow
            except BaseException:
                journal.rollback()
                raise

    def create_schema(self) -> None:
        """Nothing to create: the tables exist as soon as the storage does."""

    def close(self) -> None:
        """Drop all data; later transactions raise StorageError."""
        with self._lock:
            self._tables = None
