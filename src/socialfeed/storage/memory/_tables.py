"""The memory backend's tables, its undo journal, and what its repositories share."""

from __future__ import annotations

import collections
import itertools
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any, TypeVar

import attrs

from socialfeed.models import Comment, Hashtag, Message, Post, Story, User
from socialfeed.pagination import PageRequest, Position
from socialfeed.storage.base import FollowEntry, NotificationRow

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")
_MISSING: Any = object()


@attrs.frozen
class OutboxRow:
    """One row of the outbox: an event in wire form, its two marks and a relay's lease."""

    data: str
    created_at: datetime
    published: bool
    delivered: bool
    claimed_until: datetime | None = None


@attrs.define
class Tables:
    """Every row of a memory storage, one dict per table, keyed like the SQL primary keys."""

    users: dict[int, User] = attrs.Factory(dict)
    password_hashes: dict[int, str | None] = attrs.Factory(dict)
    username_keys: dict[str, int] = attrs.Factory(dict)
    email_keys: dict[str, int] = attrs.Factory(dict)
    sessions: dict[str, tuple[int, datetime]] = attrs.Factory(dict)
    posts: dict[int, Post] = attrs.Factory(dict)
    comments: dict[int, Comment] = attrs.Factory(dict)
    likes: dict[tuple[int, int], datetime] = attrs.Factory(dict)
    follows: dict[tuple[int, int], datetime] = attrs.Factory(dict)
    stories: dict[int, Story] = attrs.Factory(dict)
    story_views: dict[tuple[int, int], datetime] = attrs.Factory(dict)
    messages: dict[int, Message] = attrs.Factory(dict)
    notifications: dict[int, NotificationRow] = attrs.Factory(dict)
    notification_events: dict[tuple[uuid.UUID, int], int] = attrs.Factory(dict)
    hashtags: dict[int, Hashtag] = attrs.Factory(dict)
    hashtag_names: dict[str, int] = attrs.Factory(dict)
    post_hashtags: dict[tuple[int, int], datetime] = attrs.Factory(dict)
    blocks: dict[tuple[int, int], datetime] = attrs.Factory(dict)
    mutes: dict[tuple[int, int], tuple[datetime, datetime | None]] = attrs.Factory(dict)
    follow_requests: dict[tuple[int, int], datetime] = attrs.Factory(dict)
    # (owner id, post id) -> (author id, post time): the push and hybrid timelines.
    timeline_entries: dict[tuple[int, int], tuple[int, datetime]] = attrs.Factory(dict)
    outbox: dict[int, OutboxRow] = attrs.Factory(dict)
    # (receiver, event id) -> (claimed or handled at, claimed until; None once complete)
    receipts: dict[tuple[str, uuid.UUID], tuple[datetime, datetime | None]] = attrs.Factory(dict)
    # Each table numbers its own rows from 1, as the SQL backends do.
    ids: collections.defaultdict[str, Iterator[int]] = attrs.Factory(
        lambda: collections.defaultdict(lambda: itertools.count(1))
    )


class Journal:
    """Records every change of a transaction so that it can be undone."""

    def __init__(self) -> None:
        self._undo: list[tuple[dict[Any, Any], Any, Any]] = []

    def set(self, table: dict[K, V], key: K, value: V) -> None:
        self._undo.append((table, key, table.get(key, _MISSING)))
        table[key] = value

    def delete(self, table: dict[K, V], key: K) -> None:
        self._undo.append((table, key, table.pop(key)))

    def rollback(self) -> None:
        for table, key, old in reversed(self._undo):
            if old is _MISSING:
                table.pop(key, None)
            else:
                table[key] = old


def newest_first(
    rows: Iterable[T], position: Callable[[T], Position], page: PageRequest
) -> list[T]:
    """Sort newest first by position, then apply the page's cursor, offset and limit + 1."""

    def key(row: T) -> tuple[datetime, int]:
        pos = position(row)
        return (pos.at, pos.id)

    after = (page.after.at, page.after.id) if page.after else None
    ordered = sorted((r for r in rows if after is None or key(r) < after), key=key, reverse=True)
    return ordered[page.offset : page.offset + page.limit + 1]


def post_position(post: Post) -> Position:
    return Position(post.created_at, post.id)


def entry_position(entry: FollowEntry) -> Position:
    return Position(entry.followed_at, entry.user.id)


class Repository:
    """Base of the memory repositories: the tables, the journal, and shared edits."""

    def __init__(self, tables: Tables, journal: Journal) -> None:
        self._t = tables
        self._j = journal

    def _next_id(self, table: str) -> int:
        return next(self._t.ids[table])

    def _delete_where(self, table: dict[K, V], condition: Callable[[K, V], bool]) -> int:
        doomed = [key for key, value in table.items() if condition(key, value)]
        for key in doomed:
            self._j.delete(table, key)
        return len(doomed)

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

    def _blocked_between(self, a: int, b: int) -> bool:
        return (a, b) in self._t.blocks or (b, a) in self._t.blocks

    def _visible_author(self, viewer_id: int | None, author_id: int) -> bool:
        """The same rule as the SQL backends' ``visible_author``."""
        author = self._t.users.get(author_id)
        if author is None:
            return False  # as in SQL, where no author row means no match
        if viewer_id == author_id:
            return True
        if viewer_id is not None and self._blocked_between(viewer_id, author_id):
            return False
        if not author.is_private:
            return True
        return viewer_id is not None and (viewer_id, author_id) in self._t.follows

    def _by_public_author(self, post_id: int) -> bool:
        """Whether the post's author is public: whether hashtags count the post."""
        return not self._t.users[self._t.posts[post_id].author_id].is_private

    def _muting(self, muter_id: int, muted_id: int, now: datetime) -> bool:
        mute = self._t.mutes.get((muter_id, muted_id))
        return mute is not None and (mute[1] is None or mute[1] > now)

    def _delete_notifications(self, condition: Callable[[NotificationRow], bool]) -> None:
        self._delete_where(self._t.notifications, lambda _, row: condition(row))
        live = self._t.notifications
        self._delete_where(self._t.notification_events, lambda _, row_id: row_id not in live)

    def _entries(
        self, pairs: Iterable[tuple[int, datetime]], page: PageRequest, viewer_id: int | None
    ) -> list[FollowEntry]:
        """Turn (user id, time) pairs into a page of entries, leaving out blocked users."""
        entries = (
            FollowEntry(self._t.users[user_id], at)
            for user_id, at in pairs
            if viewer_id is None or not self._blocked_between(viewer_id, user_id)
        )
        return newest_first(entries, entry_position, page)

    def _delete_comment(self, comment_id: int) -> None:
        comment = self._t.comments[comment_id]
        self._delete_notifications(lambda n: n.comment_id == comment_id)
        self._j.delete(self._t.comments, comment_id)
        self._bump_post(comment.post_id, comment_count=-1)

    def _remove_like(self, user_id: int, post_id: int) -> int | None:
        if (user_id, post_id) not in self._t.likes:
            return None
        self._j.delete(self._t.likes, (user_id, post_id))
        return self._bump_post(post_id, like_count=-1).like_count

    def _remove_follow(self, follower_id: int, followee_id: int) -> bool:
        if (follower_id, followee_id) not in self._t.follows:
            return False
        self._j.delete(self._t.follows, (follower_id, followee_id))
        self._bump_user(follower_id, following_count=-1)
        self._bump_user(followee_id, follower_count=-1)
        return True

    def _delete_post(self, post_id: int) -> None:
        """Delete a post with everything that hangs off it, and fix the counters."""
        post = self._t.posts[post_id]
        self._delete_notifications(lambda n: n.post_id == post_id)
        self._delete_where(self._t.comments, lambda _, comment: comment.post_id == post_id)
        self._delete_where(self._t.likes, lambda key, _: key[1] == post_id)
        self._delete_where(self._t.timeline_entries, lambda key, _: key[1] == post_id)
        # A tag counts the post only while its author is public.
        step = 1 if self._by_public_author(post_id) else 0
        for hashtag_id, _ in [key for key in self._t.post_hashtags if key[1] == post_id]:
            self._j.delete(self._t.post_hashtags, (hashtag_id, post_id))
            tag = self._t.hashtags[hashtag_id]
            self._j.set(
                self._t.hashtags, hashtag_id, attrs.evolve(tag, post_count=tag.post_count - step)
            )
        self._j.delete(self._t.posts, post_id)
        self._bump_user(post.author_id, post_count=-1)
