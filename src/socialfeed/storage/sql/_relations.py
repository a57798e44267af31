"""SQL repositories for blocks, mutes and follow requests, and counter repair."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    bindparam,
    delete,
    exists,
    false,
    func,
    or_,
    select,
    update,
)

from socialfeed.pagination import PageRequest
from socialfeed.storage.base import FollowEntry, Interactions, MuteEntry, RemovedLike
from socialfeed.storage.sql._common import (
    NOW,
    POSTS_WITH_AUTHOR,
    USER_COLUMNS,
    Repository,
    id_param,
    mute_running,
    newest_first,
    not_blocked,
    to_user,
)
from socialfeed.storage.sql.schema import (
    blocks,
    comments,
    follow_requests,
    follows,
    hashtags,
    likes,
    mutes,
    post_hashtags,
    posts,
    users,
)


class _SQLPairs(Repository):
    """What blocks, mutes and follow requests share: tables keyed by a pair of users."""

    def _add_pair(self, table: Table, **row: object) -> bool:
        inserted = self._conn.execute(
            self._insert_ignoring_duplicates(table).values(**row).returning(*table.primary_key)
        ).first()
        return inserted is not None

    def _remove_pair(
        self, table: Table, first: ColumnElement[bool], second: ColumnElement[bool]
    ) -> bool:
        return self._conn.execute(delete(table).where(first, second)).rowcount == 1


class SQLBlocks(_SQLPairs):
    def add(self, blocker_id: int, blocked_id: int, created_at: datetime) -> bool:
        return self._add_pair(
            blocks, blocker_id=blocker_id, blocked_id=blocked_id, created_at=created_at
        )

    def remove(self, blocker_id: int, blocked_id: int) -> bool:
        return self._remove_pair(
            blocks, blocks.c.blocker_id == blocker_id, blocks.c.blocked_id == blocked_id
        )

    def exists(self, blocker_id: int, blocked_id: int) -> bool:
        params = {"blocker_id": blocker_id, "blocked_id": blocked_id}
        return bool(self._conn.execute(_BLOCKING, params).scalar())

    def blocked_users(self, blocker_id: int, page: PageRequest) -> list[FollowEntry]:
        b = blocks.c
        return self._user_entries(
            blocks, b.blocked_id, b.created_at, b.blocker_id == blocker_id, page, None
        )

    def remove_interactions(self, user_id: int, other_id: int) -> Interactions:
        params = {"a": user_id, "b": other_id}
        # The rows first, then their posts' counters: the order of an unlike
        # and of a comment's deletion, so none of them deadlocks with this.
        liked = self._conn.execute(_REMOVE_LIKES_ACROSS, params).all()
        authors: dict[int, int] = {}
        if liked:
            post_ids = sorted(post_id for _, post_id in liked)
            uncounted = self._conn.execute(_UNCOUNT_LIKES, {"post_ids": post_ids})
            authors = {row.id: row.author_id for row in uncounted}
        # A post deleted meanwhile took its likes with it, and is left out.
        removed = [
            RemovedLike(liker, post_id, authors[post_id])
            for liker, post_id in sorted(liked)
            if post_id in authors
        ]
        commented = sorted(self._conn.execute(_REMOVE_COMMENTS_ACROSS, params).all())
        per_post = Counter(post_id for _, post_id in commented)
        if per_post:
            rows = [{"post_id": p, "removed": n} for p, n in sorted(per_post.items())]
            self._conn.execute(_UNCOUNT_COMMENTS, rows)
        return Interactions(removed, [(c, p) for c, p in commented])


class SQLMutes(_SQLPairs):
    def set(
        self, muter_id: int, muted_id: int, created_at: datetime, until: datetime | None
    ) -> None:
        upsert = self._insert(mutes).values(
            muter_id=muter_id, muted_id=muted_id, created_at=created_at, until=until
        )
        self._conn.execute(
            upsert.on_conflict_do_update(
                index_elements=[mutes.c.muter_id, mutes.c.muted_id],
                set_={"created_at": upsert.excluded.created_at, "until": upsert.excluded.until},
            )
        )

    def remove(self, muter_id: int, muted_id: int) -> bool:
        return self._remove_pair(mutes, mutes.c.muter_id == muter_id, mutes.c.muted_id == muted_id)

    def running(self, muter_id: int, muted_id: int, now: datetime) -> bool:
        params = {"muter_id": muter_id, "muted_id": muted_id, "now": now}
        return bool(self._conn.execute(_MUTING, params).scalar())

    def blocked_or_muted(self, user_id: int, other_id: int, now: datetime) -> bool:
        params = {"user_id": user_id, "other_id": other_id, "now": now}
        return bool(self._conn.execute(_BLOCKED_OR_MUTED, params).scalar())

    def muted_users(self, muter_id: int, now: datetime, page: PageRequest) -> list[MuteEntry]:
        query = (
            select(*USER_COLUMNS, mutes.c.created_at.label("muted_at"), mutes.c.until)
            .select_from(mutes.join(users, users.c.id == mutes.c.muted_id))
            .where(mutes.c.muter_id == muter_id, mute_running(now))
        )
        query = newest_first(query, mutes.c.created_at, mutes.c.muted_id, page)
        return [
            MuteEntry(to_user(row), row.muted_at, row.until) for row in self._conn.execute(query)
        ]


class SQLFollowRequests(_SQLPairs):
    def add(self, requester_id: int, owner_id: int, created_at: datetime) -> bool:
        return self._add_pair(
            follow_requests, requester_id=requester_id, owner_id=owner_id, created_at=created_at
        )

    def remove(self, requester_id: int, owner_id: int) -> bool:
        r = follow_requests.c
        return self._remove_pair(
            follow_requests, r.requester_id == requester_id, r.owner_id == owner_id
        )

    def incoming(self, owner_id: int, page: PageRequest) -> list[FollowEntry]:
        r = follow_requests.c
        return self._user_entries(
            follow_requests, r.requester_id, r.created_at, r.owner_id == owner_id, page, None
        )

    def outgoing(self, requester_id: int, page: PageRequest) -> list[FollowEntry]:
        r = follow_requests.c
        return self._user_entries(
            follow_requests, r.owner_id, r.created_at, r.requester_id == requester_id, page, None
        )

    def requester_ids(self, owner_id: int) -> list[int]:
        r = follow_requests.c
        query = (
            select(r.requester_id)
            .where(r.owner_id == owner_id)
            .order_by(r.created_at, r.requester_id)
        )
        return list(self._conn.execute(query).scalars())


# The checks every action runs, built once (see PagedQuery for why).
_BLOCKING = select(
    exists().where(
        blocks.c.blocker_id == id_param("blocker_id"), blocks.c.blocked_id == id_param("blocked_id")
    )
)
_USER, _OTHER = id_param("user_id"), id_param("other_id")
_BLOCKED_OR_MUTED = select(
    ~not_blocked(_USER, _OTHER)
    | exists().where(mutes.c.muter_id == _USER, mutes.c.muted_id == _OTHER, mute_running(NOW))
)
_MUTING = select(
    exists().where(
        mutes.c.muter_id == id_param("muter_id"),
        mutes.c.muted_id == id_param("muted_id"),
        mute_running(NOW),
    )
)


class SQLMaintenance(Repository):
    def reconcile_counters(self) -> int:
        """Set each counter to a count of its rows, touching only the rows that are wrong."""
        fixes = [
            (users, users.c.post_count, _count(posts, posts.c.author_id == users.c.id)),
            (users, users.c.follower_count, _count(follows, follows.c.followee_id == users.c.id)),
            (users, users.c.following_count, _count(follows, follows.c.follower_id == users.c.id)),
            (posts, posts.c.like_count, _count(likes, likes.c.post_id == posts.c.id)),
            (posts, posts.c.comment_count, _count(comments, comments.c.post_id == posts.c.id)),
            # A tag counts the posts of public accounts only (HashtagRepository).
            (hashtags, hashtags.c.post_count, _public_uses()),
        ]
        wrong = 0
        for table, counter, right in fixes:
            statement = update(table).where(counter != right).values({counter.name: right})
            wrong += self._conn.execute(statement).rowcount
        return wrong


def _count(table: Table, condition: ColumnElement[bool]) -> ColumnElement[int]:
    return select(func.count()).select_from(table).where(condition).scalar_subquery()


def _public_uses() -> ColumnElement[int]:
    """How many posts of public accounts carry the hashtag of the row being updated."""
    return (
        select(func.count())
        .select_from(post_hashtags.join(POSTS_WITH_AUTHOR, posts.c.id == post_hashtags.c.post_id))
        .where(post_hashtags.c.hashtag_id == hashtags.c.id, users.c.is_private == false())
        .scalar_subquery()
    )


def _across(actor: ColumnElement[int], post_id: ColumnElement[int]) -> ColumnElement[bool]:
    """True for a row of ``actor`` on a post of the other user of the pair ``a``, ``b``."""
    a, b = id_param("a"), id_param("b")
    of_a = select(posts.c.id).where(posts.c.author_id == a)
    of_b = select(posts.c.id).where(posts.c.author_id == b)
    return or_(and_(actor == a, post_id.in_(of_b)), and_(actor == b, post_id.in_(of_a)))


_REMOVE_LIKES_ACROSS = (
    delete(likes)
    .where(_across(likes.c.user_id, likes.c.post_id))
    .returning(likes.c.user_id, likes.c.post_id)
)
_UNCOUNT_LIKES = (
    update(posts)
    .where(posts.c.id.in_(bindparam("post_ids", expanding=True)))
    .values(like_count=posts.c.like_count - 1)
    .returning(posts.c.id, posts.c.author_id)
)
_REMOVE_COMMENTS_ACROSS = (
    delete(comments)
    .where(_across(comments.c.author_id, comments.c.post_id))
    .returning(comments.c.id, comments.c.post_id)
)
_UNCOUNT_COMMENTS = (
    update(posts)
    .where(posts.c.id == id_param("post_id"))
    .values(comment_count=posts.c.comment_count - bindparam("removed"))
)
