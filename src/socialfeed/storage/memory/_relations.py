"""Memory repositories for blocks, mutes and follow requests, and counter repair."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import TypeVar

import attrs

from socialfeed.models import Hashtag, Post, User
from socialfeed.pagination import PageRequest, Position
from socialfeed.storage.base import FollowEntry, Interactions, MuteEntry, RemovedLike
from socialfeed.storage.memory._tables import Repository, newest_first

Row = TypeVar("Row", User, Post, Hashtag)
V = TypeVar("V")


class _Pairs(Repository):
    """What blocks, mutes and follow requests share: tables keyed by a pair of users."""

    def _add_pair(
        self, table: dict[tuple[int, int], datetime], key: tuple[int, int], at: datetime
    ) -> bool:
        if key in table:
            return False
        self._j.set(table, key, at)
        return True

    def _remove_pair(self, table: dict[tuple[int, int], V], key: tuple[int, int]) -> bool:
        if key not in table:
            return False
        self._j.delete(table, key)
        return True


class Blocks(_Pairs):
    def add(self, blocker_id: int, blocked_id: int, created_at: datetime) -> bool:
        return self._add_pair(self._t.blocks, (blocker_id, blocked_id), created_at)

    def remove(self, blocker_id: int, blocked_id: int) -> bool:
        return self._remove_pair(self._t.blocks, (blocker_id, blocked_id))

    def exists(self, blocker_id: int, blocked_id: int) -> bool:
        return (blocker_id, blocked_id) in self._t.blocks

    def blocked_users(self, blocker_id: int, page: PageRequest) -> list[FollowEntry]:
        pairs = ((b, at) for (a, b), at in self._t.blocks.items() if a == blocker_id)
        return self._entries(pairs, page, None)

    def remove_interactions(self, user_id: int, other_id: int) -> Interactions:
        t = self._t
        across = {(user_id, other_id), (other_id, user_id)}

        def crosses(actor_id: int, post_id: int) -> bool:
            return (actor_id, t.posts[post_id].author_id) in across

        removed = [
            RemovedLike(liker, post_id, t.posts[post_id].author_id)
            for liker, post_id in sorted(t.likes)
            if crosses(liker, post_id)
        ]
        for like in removed:
            self._remove_like(like.user_id, like.post_id)
        comments = [
            (c.id, c.post_id) for c in t.comments.values() if crosses(c.author_id, c.post_id)
        ]
        for comment_id, _ in comments:
            self._delete_comment(comment_id)
        return Interactions(removed, sorted(comments))


class Mutes(_Pairs):
    def set(
        self, muter_id: int, muted_id: int, created_at: datetime, until: datetime | None
    ) -> None:
        self._j.set(self._t.mutes, (muter_id, muted_id), (created_at, until))

    def remove(self, muter_id: int, muted_id: int) -> bool:
        return self._remove_pair(self._t.mutes, (muter_id, muted_id))

    def running(self, muter_id: int, muted_id: int, now: datetime) -> bool:
        return self._muting(muter_id, muted_id, now)

    def blocked_or_muted(self, user_id: int, other_id: int, now: datetime) -> bool:
        return self._blocked_between(user_id, other_id) or self._muting(user_id, other_id, now)

    def muted_users(self, muter_id: int, now: datetime, page: PageRequest) -> list[MuteEntry]:
        entries = (
            MuteEntry(self._t.users[b], muted_at, until)
            for (a, b), (muted_at, until) in self._t.mutes.items()
            if a == muter_id and self._muting(a, b, now)
        )
        return newest_first(entries, lambda e: Position(e.muted_at, e.user.id), page)


class FollowRequests(_Pairs):
    def add(self, requester_id: int, owner_id: int, created_at: datetime) -> bool:
        return self._add_pair(self._t.follow_requests, (requester_id, owner_id), created_at)

    def remove(self, requester_id: int, owner_id: int) -> bool:
        return self._remove_pair(self._t.follow_requests, (requester_id, owner_id))

    def incoming(self, owner_id: int, page: PageRequest) -> list[FollowEntry]:
        pairs = ((a, at) for (a, b), at in self._t.follow_requests.items() if b == owner_id)
        return self._entries(pairs, page, None)

    def outgoing(self, requester_id: int, page: PageRequest) -> list[FollowEntry]:
        pairs = ((b, at) for (a, b), at in self._t.follow_requests.items() if a == requester_id)
        return self._entries(pairs, page, None)

    def requester_ids(self, owner_id: int) -> list[int]:
        pending = [(at, a) for (a, b), at in self._t.follow_requests.items() if b == owner_id]
        return [requester for _, requester in sorted(pending)]


class Maintenance(Repository):
    def reconcile_counters(self) -> int:
        t = self._t
        posts_by = Counter(post.author_id for post in t.posts.values())
        followers = Counter(b for _, b in t.follows)
        following = Counter(a for a, _ in t.follows)
        wrong = 0
        for user in list(t.users.values()):
            right = attrs.evolve(
                user,
                post_count=posts_by[user.id],
                follower_count=followers[user.id],
                following_count=following[user.id],
            )
            wrong += self._fix(t.users, right)
        likes = Counter(post_id for _, post_id in t.likes)
        comments = Counter(comment.post_id for comment in t.comments.values())
        for post in list(t.posts.values()):
            fixed = attrs.evolve(post, like_count=likes[post.id], comment_count=comments[post.id])
            wrong += self._fix(t.posts, fixed)
        # A tag counts the posts of public accounts only (HashtagRepository).
        uses = Counter(
            tag_id for tag_id, post_id in t.post_hashtags if self._by_public_author(post_id)
        )
        for tag in list(t.hashtags.values()):
            wrong += self._fix(t.hashtags, attrs.evolve(tag, post_count=uses[tag.id]))
        return wrong

    def _fix(self, table: dict[int, Row], right: Row) -> int:
        if table[right.id] == right:
            return 0
        self._j.set(table, right.id, right)
        return 1
