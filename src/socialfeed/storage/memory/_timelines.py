"""Memory timelines: the push and hybrid strategies' home feeds, and a timeline store's reads."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from socialfeed.models import FeedItem, Post
from socialfeed.pagination import PageRequest
from socialfeed.storage.base import PulledPosts, TimelineEntry
from socialfeed.storage.memory._tables import Repository, newest_first, post_position


class _TimelineReads(Repository):
    """The follows and posts that both the timelines and their sources read."""

    def _followers(self, user_id: int) -> list[int]:
        return [follower for follower, followee in self._t.follows if followee == user_id]

    def _followees(self, user_id: int) -> list[int]:
        return [followee for follower, followee in self._t.follows if follower == user_id]

    def _newest(self, author_id: int, limit: int) -> list[Post]:
        theirs = (post for post in self._t.posts.values() if post.author_id == author_id)
        return _newest_first(theirs)[:limit]


class Timelines(_TimelineReads):
    def fan_out(
        self, post_id: int, author_id: int, created_at: datetime, pulled_from: int | None
    ) -> int:
        owners = [author_id]
        if pulled_from is None or self._t.users[author_id].follower_count < pulled_from:
            owners.extend(self._followers(author_id))
        for owner_id in owners:
            self._j.set(self._t.timeline_entries, (owner_id, post_id), (author_id, created_at))
        return len(owners)

    def backfill(self, owner_id: int, author_id: int, limit: int) -> int:
        return self._add_missing([owner_id], self._newest(author_id, limit))

    def backfill_followers(self, author_id: int, limit: int) -> int:
        return self._add_missing(self._followers(author_id), self._newest(author_id, limit))

    def purge(self, owner_id: int, author_id: int) -> int:
        return self._delete_where(
            self._t.timeline_entries,
            lambda key, entry: key[0] == owner_id and entry[0] == author_id,
        )

    def rebuild(self, owner_id: int, limit: int) -> int:
        self._delete_where(self._t.timeline_entries, lambda key, _: key[0] == owner_id)
        return sum(
            self._add_missing([owner_id], self._newest(source_id, limit))
            for source_id in [owner_id, *self._followees(owner_id)]
        )

    def owners_after(self, after_id: int, limit: int) -> list[int]:
        return sorted(user_id for user_id in self._t.users if user_id > after_id)[:limit]

    def followees_with_followers(self, follower_id: int, follower_count: int) -> list[int]:
        return sorted(
            followee_id
            for followee_id in self._followees(follower_id)
            if self._t.users[followee_id].follower_count == follower_count
        )

    def home_feed(
        self, viewer_id: int, page: PageRequest, now: datetime, pulled_from: int | None
    ) -> list[FeedItem]:
        t = self._t
        pulled = set()
        if pulled_from is not None:
            pulled = {
                followee_id
                for followee_id in self._followees(viewer_id)
                if t.users[followee_id].follower_count >= pulled_from
            }
        pushed = (
            t.posts[post_id]
            for (owner_id, post_id), (author_id, _) in t.timeline_entries.items()
            if owner_id == viewer_id and author_id not in pulled
        )
        pulled_posts = (post for post in t.posts.values() if post.author_id in pulled)
        candidates = (
            post
            for post in (*pushed, *pulled_posts)
            if not self._muting(viewer_id, post.author_id, now)
        )
        return [
            FeedItem(post, (viewer_id, post.id) in t.likes)
            for post in newest_first(candidates, post_position, page)
        ]

    def _add_missing(self, owner_ids: Iterable[int], new_posts: list[Post]) -> int:
        added = 0
        for owner_id in owner_ids:
            for post in new_posts:
                if (owner_id, post.id) not in self._t.timeline_entries:
                    entry = (post.author_id, post.created_at)
                    self._j.set(self._t.timeline_entries, (owner_id, post.id), entry)
                    added += 1
        return added


class TimelineSources(_TimelineReads):
    def follower_ids(self, author_id: int) -> list[int]:
        return sorted(self._followers(author_id))

    def newest_entries(self, author_id: int, limit: int) -> list[TimelineEntry]:
        return [_entry(post) for post in self._newest(author_id, limit)]

    def rebuild_entries(self, owner_id: int, per_author: int, limit: int) -> list[TimelineEntry]:
        sources = [owner_id, *self._followees(owner_id)]
        held = [post for author_id in sources for post in self._newest(author_id, per_author)]
        return [_entry(post) for post in _newest_first(held)[:limit]]

    def feed_items(
        self, viewer_id: int, post_ids: Sequence[int], now: datetime, pulled: PulledPosts | None
    ) -> list[FeedItem]:
        t = self._t
        followees = set(self._followees(viewer_id))
        pulled_authors: set[int] = set()
        if pulled is not None:
            pulled_authors = {
                followee_id
                for followee_id in followees
                if t.users[followee_id].follower_count >= pulled.min_followers
                or followee_id in pulled.also
            }

        def shown(author_id: int) -> bool:
            return (
                (author_id == viewer_id or author_id in followees)
                and author_id not in pulled_authors
                and not self._muting(viewer_id, author_id, now)
            )

        chosen = {post_id: t.posts[post_id] for post_id in post_ids if post_id in t.posts}
        posts = [post for post in chosen.values() if shown(post.author_id)]
        if pulled is not None and pulled.limit:
            after = pulled.after
            theirs = (
                post
                for post in t.posts.values()
                if post.author_id in pulled_authors
                and not self._muting(viewer_id, post.author_id, now)
                and (after is None or (post.created_at, post.id) < (after.at, after.id))
            )
            posts.extend(_newest_first(theirs)[: pulled.limit])
        return [FeedItem(post, (viewer_id, post.id) in t.likes) for post in _newest_first(posts)]


def _newest_first(posts: Iterable[Post]) -> list[Post]:
    return sorted(posts, key=lambda post: (post.created_at, post.id), reverse=True)


def _entry(post: Post) -> TimelineEntry:
    return TimelineEntry(post.id, post.author_id, post.created_at)
