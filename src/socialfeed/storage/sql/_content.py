"""SQL repositories for posts, comments, likes and hashtags."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import delete, exists, func, insert, literal, select, union_all, update

from socialfeed.models import Comment, FeedItem, Hashtag, Post, TrendingHashtag
from socialfeed.pagination import PageRequest
from socialfeed.storage.base import FollowEntry
from socialfeed.storage.sql._common import (
    COMMENT_COLUMNS,
    COMMENTS_WITH_AUTHOR,
    POST_COLUMNS,
    POSTS_WITH_AUTHOR,
    Repository,
    escape_like,
    newest_first,
    not_blocked,
    not_muted,
    to_comment,
    to_post,
    uncount_hashtags,
    visible_author,
)
from socialfeed.storage.sql.schema import (
    comments,
    follows,
    hashtags,
    likes,
    post_hashtags,
    posts,
    users,
)


class SQLPosts(Repository):
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
        query = select(*POST_COLUMNS).select_from(POSTS_WITH_AUTHOR).where(posts.c.id == post_id)
        row = self._conn.execute(query).first()
        return None if row is None else to_post(row)

    def set_content(self, post_id: int, content: str | None, edited_at: datetime) -> Post:
        self._conn.execute(
            update(posts).where(posts.c.id == post_id).values(content=content, edited_at=edited_at)
        )
        post = self.get(post_id)
        assert post is not None
        return post

    def delete(self, post_id: int) -> None:
        # Comments, likes, hashtag links and notifications go with the post
        # through ON DELETE CASCADE; only the counters need a hand.
        self._conn.execute(uncount_hashtags(post_hashtags.c.post_id == post_id))
        author_id = self._conn.execute(
            delete(posts).where(posts.c.id == post_id).returning(posts.c.author_id)
        ).scalar_one()
        self._conn.execute(
            update(users).where(users.c.id == author_id).values(post_count=users.c.post_count - 1)
        )

    def by_author(self, author_id: int, page: PageRequest) -> list[Post]:
        query = (
            select(*POST_COLUMNS)
            .select_from(POSTS_WITH_AUTHOR)
            .where(posts.c.author_id == author_id)
        )
        query = newest_first(query, posts.c.created_at, posts.c.id, page)
        return [to_post(row) for row in self._conn.execute(query)]

    def home_feed(self, viewer_id: int, page: PageRequest, now: datetime) -> list[FeedItem]:
        # One IN list for "followees and me" (rather than an OR) lets the
        # planner walk the (author_id, created_at, id) index for each author.
        authors = union_all(
            select(follows.c.followee_id).where(
                follows.c.follower_id == viewer_id,
                not_muted(viewer_id, follows.c.followee_id, now),
            ),
            select(literal(viewer_id, users.c.id.type)),
        )
        liked = exists().where(likes.c.post_id == posts.c.id, likes.c.user_id == viewer_id)
        query = (
            select(*POST_COLUMNS, liked.label("liked"))
            .select_from(POSTS_WITH_AUTHOR)
            .where(posts.c.author_id.in_(authors))
        )
        query = newest_first(query, posts.c.created_at, posts.c.id, page)
        return [FeedItem(to_post(row), bool(row.liked)) for row in self._conn.execute(query)]


class SQLComments(Repository):
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
            select(*COMMENT_COLUMNS)
            .select_from(COMMENTS_WITH_AUTHOR)
            .where(comments.c.id == comment_id)
        )
        row = self._conn.execute(query).first()
        return None if row is None else to_comment(row)

    def delete(self, comment_id: int) -> None:
        post_id = self._conn.execute(
            delete(comments).where(comments.c.id == comment_id).returning(comments.c.post_id)
        ).scalar_one()
        self._conn.execute(
            update(posts)
            .where(posts.c.id == post_id)
            .values(comment_count=posts.c.comment_count - 1)
        )

    def for_post(self, post_id: int, page: PageRequest, viewer_id: int | None) -> list[Comment]:
        query = (
            select(*COMMENT_COLUMNS)
            .select_from(COMMENTS_WITH_AUTHOR)
            .where(comments.c.post_id == post_id, not_blocked(viewer_id, comments.c.author_id))
        )
        query = newest_first(query, comments.c.created_at, comments.c.id, page)
        return [to_comment(row) for row in self._conn.execute(query)]


class SQLLikes(Repository):
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

    def likers(self, post_id: int, page: PageRequest, viewer_id: int | None) -> list[FollowEntry]:
        return self._user_entries(
            likes, likes.c.user_id, likes.c.created_at, likes.c.post_id == post_id, page, viewer_id
        )


class SQLHashtags(Repository):
    def set_post_tags(self, post_id: int, names: Sequence[str]) -> None:
        wanted = self._ids_creating_missing(names)
        current = set(
            self._conn.execute(
                select(post_hashtags.c.hashtag_id).where(post_hashtags.c.post_id == post_id)
            ).scalars()
        )
        gone, new = current - wanted, wanted - current
        if gone:
            self._conn.execute(
                delete(post_hashtags).where(
                    post_hashtags.c.post_id == post_id, post_hashtags.c.hashtag_id.in_(gone)
                )
            )
            self._count(gone, -1)
        if new:
            created_at = self._conn.execute(
                select(posts.c.created_at).where(posts.c.id == post_id)
            ).scalar_one()
            self._conn.execute(
                insert(post_hashtags),
                [
                    {"hashtag_id": tag_id, "post_id": post_id, "created_at": created_at}
                    for tag_id in sorted(new)
                ],
            )
            self._count(new, +1)

    def get(self, name: str) -> Hashtag | None:
        query = select(hashtags.c.id, hashtags.c.name, hashtags.c.post_count).where(
            hashtags.c.name == name
        )
        row = self._conn.execute(query).first()
        return None if row is None else Hashtag(*row)

    def posts(self, hashtag_id: int, page: PageRequest, viewer_id: int | None) -> list[Post]:
        query = (
            select(*POST_COLUMNS)
            .select_from(
                post_hashtags.join(posts, posts.c.id == post_hashtags.c.post_id).join(
                    users, users.c.id == posts.c.author_id
                )
            )
            .where(
                post_hashtags.c.hashtag_id == hashtag_id,
                visible_author(viewer_id, posts.c.author_id),
            )
        )
        query = newest_first(query, post_hashtags.c.created_at, post_hashtags.c.post_id, page)
        return [to_post(row) for row in self._conn.execute(query)]

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
        uses = func.count().label("uses")
        query = (
            select(hashtags.c.id, hashtags.c.name, hashtags.c.post_count, uses)
            .join(post_hashtags, post_hashtags.c.hashtag_id == hashtags.c.id)
            .where(post_hashtags.c.created_at >= since)
            .group_by(hashtags.c.id, hashtags.c.name, hashtags.c.post_count)
            .order_by(uses.desc(), hashtags.c.name)
            .limit(limit)
        )
        return [
            TrendingHashtag(Hashtag(tag_id, name, count), recent)
            for tag_id, name, count, recent in self._conn.execute(query)
        ]

    def _ids_creating_missing(self, names: Sequence[str]) -> set[int]:
        if not names:
            return set()
        # Sorted, so that two posts adding the same new tags lock them in one order.
        rows = [{"name": name, "post_count": 0} for name in sorted(names)]
        self._conn.execute(self._insert_ignoring_duplicates(hashtags), rows)
        query = select(hashtags.c.id).where(hashtags.c.name.in_(list(names)))
        return set(self._conn.execute(query).scalars())

    def _count(self, tag_ids: set[int], delta: int) -> None:
        self._conn.execute(
            update(hashtags)
            .where(hashtags.c.id.in_(tag_ids))
            .values(post_count=hashtags.c.post_count + delta)
        )
