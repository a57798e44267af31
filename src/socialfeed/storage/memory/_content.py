"""Memory repositories for posts, comments, likes and hashtags."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from datetime import datetime

import attrs

from socialfeed.ids import CommentId, HashtagId, PostId, UserId
from socialfeed.models import Comment, FeedItem, Hashtag, LikeState, Post, TrendingHashtag
from socialfeed.pagination import PageRequest, Position
from socialfeed.storage.base import FollowEntry
from socialfeed.storage.memory._tables import Repository, newest_first, post_position


class Posts(Repository):
    def add(
        self, author_id: int, content: str | None, image_url: str | None, created_at: datetime
    ) -> Post:
        post = Post(
            id=PostId(self._next_id("posts")),
            author_id=UserId(author_id),
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

    def lock(self, post_id: int) -> Post | None:
        # Transactions run one at a time here: nothing to lock.
        return self._t.posts.get(post_id)

    def set_content(self, post_id: int, content: str | None, edited_at: datetime) -> Post:
        post = attrs.evolve(self._t.posts[post_id], content=content, edited_at=edited_at)
        self._j.set(self._t.posts, post_id, post)
        return post

    def delete(self, post_id: int) -> None:
        self._delete_post(post_id)

    def by_author(self, author_id: int, page: PageRequest) -> list[Post]:
        mine = (p for p in self._t.posts.values() if p.author_id == author_id)
        return newest_first(mine, post_position, page)

    def home_feed(self, viewer_id: int, page: PageRequest, now: datetime) -> list[FeedItem]:
        followees = {b for a, b in self._t.follows if a == viewer_id}
        authors = {b for b in followees if not self._muting(viewer_id, b, now)} | {viewer_id}
        posts = (p for p in self._t.posts.values() if p.author_id in authors)
        return [
            FeedItem(post, (viewer_id, post.id) in self._t.likes)
            for post in newest_first(posts, post_position, page)
        ]


class Comments(Repository):
    def add(self, post_id: int, author_id: int, content: str, created_at: datetime) -> Comment:
        comment = Comment(
            id=CommentId(self._next_id("comments")),
            post_id=PostId(post_id),
            author_id=UserId(author_id),
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
        self._delete_comment(comment_id)

    def for_post(self, post_id: int, page: PageRequest, viewer_id: int | None) -> list[Comment]:
        rows = (
            c
            for c in self._t.comments.values()
            if c.post_id == post_id
            and (viewer_id is None or not self._blocked_between(viewer_id, c.author_id))
        )
        return newest_first(rows, lambda c: Position(c.created_at, c.id), page)


class Likes(Repository):
    def add(self, user_id: int, post_id: int, created_at: datetime) -> int | None:
        if (user_id, post_id) in self._t.likes:
            return None
        self._j.set(self._t.likes, (user_id, post_id), created_at)
        return self._bump_post(post_id, like_count=1).like_count

    def remove(self, user_id: int, post_id: int) -> int | None:
        return self._remove_like(user_id, post_id)

    def state(self, user_id: int, post_id: int) -> LikeState | None:
        post = self._t.posts.get(post_id)
        return (
            None
            if post is None
            else LikeState((user_id, post_id) in self._t.likes, post.like_count)
        )

    def liked_post_ids(self, user_id: int, post_ids: Collection[int]) -> set[int]:
        return {post_id for post_id in post_ids if (user_id, post_id) in self._t.likes}

    def likers(self, post_id: int, page: PageRequest, viewer_id: int | None) -> list[FollowEntry]:
        pairs = (
            (user_id, at) for (user_id, liked), at in self._t.likes.items() if liked == post_id
        )
        return self._entries(pairs, page, viewer_id)


class Hashtags(Repository):
    def set_post_tags(self, post_id: int, names: Sequence[str], *, counted: bool) -> None:
        t = self._t
        wanted = {self._tag_id(name) for name in names}
        current = {tag_id for tag_id, linked in t.post_hashtags if linked == post_id}
        step = 1 if counted else 0
        for tag_id in current - wanted:
            self._j.delete(t.post_hashtags, (tag_id, post_id))
            self._count(tag_id, -step)
        for tag_id in wanted - current:
            self._j.set(t.post_hashtags, (tag_id, post_id), t.posts[post_id].created_at)
            self._count(tag_id, step)

    def count_author(self, author_id: int, delta: int) -> None:
        for tag_id, post_id in list(self._t.post_hashtags):
            if self._t.posts[post_id].author_id == author_id:
                self._count(tag_id, delta)

    def get(self, name: str) -> Hashtag | None:
        tag_id = self._t.hashtag_names.get(name)
        return None if tag_id is None else self._t.hashtags[tag_id]

    def posts(self, hashtag_id: int, page: PageRequest, viewer_id: int | None) -> list[Post]:
        tagged = (
            self._t.posts[p]
            for tag, p in self._t.post_hashtags
            if tag == hashtag_id and self._visible_author(viewer_id, self._t.posts[p].author_id)
        )
        return newest_first(tagged, post_position, page)

    def search(self, prefix: str, limit: int) -> list[Hashtag]:
        found = [
            tag
            for tag in self._t.hashtags.values()
            if tag.name.startswith(prefix) and tag.post_count > 0
        ]
        found.sort(key=lambda tag: (-tag.post_count, tag.name))
        return found[:limit]

    def trending(self, since: datetime, limit: int) -> list[TrendingHashtag]:
        uses = Counter(
            tag
            for (tag, post_id), at in self._t.post_hashtags.items()
            if at >= since and self._by_public_author(post_id)
        )
        ranked = sorted(uses.items(), key=lambda item: (-item[1], self._t.hashtags[item[0]].name))
        return [TrendingHashtag(self._t.hashtags[tag], count) for tag, count in ranked[:limit]]

    def _tag_id(self, name: str) -> int:
        tag_id = self._t.hashtag_names.get(name)
        if tag_id is None:
            tag_id = self._next_id("hashtags")
            self._j.set(self._t.hashtags, tag_id, Hashtag(HashtagId(tag_id), name, 0))
            self._j.set(self._t.hashtag_names, name, tag_id)
        return tag_id

    def _count(self, tag_id: int, delta: int) -> None:
        if not delta:
            return
        tag = self._t.hashtags[tag_id]
        self._j.set(self._t.hashtags, tag_id, attrs.evolve(tag, post_count=tag.post_count + delta))
