"""What the Redis timeline store writes where for a batch of events, decided without Redis.

The decisions read the events and, for the additions, the database as it is
now; they return the commands that `RedisTimelines` then sends.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs
from attrs import frozen

from socialfeed.events import (
    Event,
    FollowRequestApproved,
    PostCreated,
    PostDeleted,
    UserBlocked,
    UserDeleted,
    UserFollowed,
    UserUnfollowed,
    VisibilityChanged,
)
from socialfeed.redis._timeline_layout import TimelineKeys, member, members
from socialfeed.redis._timeline_scripts import Command, ScriptCall
from socialfeed.settings import Settings
from socialfeed.storage.base import TimelineEntry, UnitOfWork

__all__ = ["Changes", "Planner"]


@attrs.define
class Changes:
    """What a batch of events asks of the timelines, whatever their order and repeats."""

    posts: set[int] = attrs.Factory(set)
    deleted_posts: set[tuple[int, int]] = attrs.Factory(set)
    follows: set[tuple[int, int]] = attrs.Factory(set)
    ended: set[tuple[int, int]] = attrs.Factory(set)
    deleted_users: set[int] = attrs.Factory(set)

    @classmethod
    def of(cls, events: Iterable[Event]) -> Changes:
        """Gather what ``events`` changed."""
        changes = cls()
        for event in events:
            changes._take(event)
        return changes

    @property
    def empty(self) -> bool:
        """Whether no timeline is concerned."""
        return not (
            self.posts or self.deleted_posts or self.follows or self.ended or self.deleted_users
        )

    def _take(self, event: Event) -> None:
        match event:
            case PostCreated(post_id=post_id):
                self.posts.add(post_id)
            case PostDeleted(post_id=post_id, author_id=author_id):
                self.deleted_posts.add((post_id, author_id))
            case UserFollowed(follower_id=follower_id, followee_id=followee_id):
                self.follows.add((follower_id, followee_id))
            case FollowRequestApproved(requester_id=requester_id, owner_id=owner_id):
                self.follows.add((requester_id, owner_id))
            case VisibilityChanged(user_id=user_id, approved_requester_ids=requester_ids):
                self.follows.update((requester_id, user_id) for requester_id in requester_ids)
            case UserUnfollowed(follower_id=follower_id, followee_id=followee_id):
                self.ended.add((follower_id, followee_id))
            case UserBlocked(blocker_id=blocker_id, blocked_id=blocked_id):
                self.ended.update({(blocker_id, blocked_id), (blocked_id, blocker_id)})
            case UserDeleted(user_id=user_id):
                self.deleted_users.add(user_id)


@frozen
class Planner:
    """Turns changes into the commands that bring a store's timelines up to date."""

    keys: TimelineKeys
    capacity: int

    def removals(self, changes: Changes) -> list[Command]:
        """What ended follows and deleted users take away; sent before the database is read."""
        commands: list[Command] = []
        for follower_id, followee_id in changes.ended:
            key = self.keys.timeline(follower_id)
            commands.append(ScriptCall("purge", (key,), (followee_id,)))
        for user_id in changes.deleted_users:
            commands.append(("DEL", self.keys.timeline(user_id)))
            commands.append(("ZREM", self.keys.pulled, user_id))
        return commands

    def additions(self, uow: UnitOfWork, settings: Settings, changes: Changes) -> list[Command]:
        """Decide from the database, as it is now, what the changed timelines must hold."""
        authors = _Authors(uow, settings)
        writes = _Writes()
        backfill = min(settings.timeline_backfill, self.capacity + 1)
        for follower_id, followee_id in sorted(changes.follows | changes.ended):
            if not uow.follows.exists(follower_id, followee_id):
                continue
            if authors.pulled(followee_id):
                writes.marks.add(followee_id)
            else:
                writes.add(follower_id, uow.timeline_sources.newest_entries(followee_id, backfill))
        for post_id in sorted(changes.posts):
            post = uow.posts.get(post_id)
            if post is None:
                continue
            if authors.pulled(post.author_id):
                writes.marks.add(post.author_id)
            entry = TimelineEntry(post.id, post.author_id, post.created_at)
            for owner_id in authors.audience(post.author_id):
                writes.add(owner_id, [entry])
        for post_id, author_id in sorted(changes.deleted_posts):
            for owner_id in authors.audience(author_id):
                writes.remove(owner_id, member(post_id, author_id))
        return self._commands(writes)

    def write(
        self, key: str, entries: Iterable[tuple[str, int]], *, pending: str = ""
    ) -> ScriptCall:
        """The call of the write script that adds ``entries`` (member, score) to a timeline.

        ``pending``: the marker of the rebuild this write finishes, if any.
        """
        args: list[str | int] = [self.capacity, pending]
        for stored, at in entries:
            args += [at, stored]
        return ScriptCall("write", (key,), tuple(args))

    def forget_pulled(self, last_mark: int) -> ScriptCall:
        """The call that forgets the pulled authors not marked after ``last_mark``."""
        return ScriptCall("forget", (self.keys.pulled,), (last_mark,))

    def _commands(self, writes: _Writes) -> list[Command]:
        commands: list[Command] = []
        if writes.marks:
            commands.append(ScriptCall("mark", (self.keys.pulled,), tuple(sorted(writes.marks))))
        for owner_id, held in writes.entries.items():
            commands.append(self.write(self.keys.timeline(owner_id), held.items()))
        for owner_id, removed in writes.removals.items():
            commands.append(("ZREM", self.keys.timeline(owner_id), *sorted(removed)))
        return commands


class _Authors:
    """Follower counts and lists read once per batch, and whether an author is pulled."""

    def __init__(self, uow: UnitOfWork, settings: Settings) -> None:
        self._uow = uow
        self._threshold = settings.hybrid_threshold if settings.feed_strategy == "hybrid" else None
        self._counts: dict[int, int | None] = {}

    def pulled(self, author_id: int) -> bool:
        """Whether the author's posts are read from the database rather than pushed."""
        count = self._count(author_id)
        return self._threshold is not None and count is not None and count >= self._threshold

    def audience(self, author_id: int) -> list[int]:
        """The timelines an author's post goes to (or leaves): the author's, and the followers'.

        A pulled author's posts go to (and leave) their own timeline only: a
        fan-out as large as their audience is what hybrid avoids, and the
        read drops what their followers' timelines still hold of them. A
        deleted author has no timeline left.
        """
        if self._count(author_id) is None:
            return []
        if self.pulled(author_id):
            return [author_id]
        return [author_id, *self._uow.timeline_sources.follower_ids(author_id)]

    def _count(self, author_id: int) -> int | None:
        if author_id not in self._counts:
            user = self._uow.users.get(author_id)
            self._counts[author_id] = None if user is None else user.follower_count
        return self._counts[author_id]


@attrs.define
class _Writes:
    """The writes one batch of events makes, gathered to be sent together."""

    entries: dict[int, dict[str, int]] = attrs.Factory(dict)
    removals: dict[int, set[str]] = attrs.Factory(dict)
    marks: set[int] = attrs.Factory(set)

    def add(self, owner_id: int, entries: Iterable[TimelineEntry]) -> None:
        self.entries.setdefault(owner_id, {}).update(members(entries))

    def remove(self, owner_id: int, stored: str) -> None:
        self.removals.setdefault(owner_id, set()).add(stored)
