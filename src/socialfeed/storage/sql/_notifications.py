"""The SQL repository of notifications.

A notification is stored for every event that calls for one; who may see it
is decided by the reads (`may_see`), so that a block, a mute or a change of
privacy hides the same rows whether it came before or after the handler
stored them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    tuple_,
    update,
)

from socialfeed.pagination import PageRequest
from socialfeed.storage.base import NewNotification, NotificationGroupRow, NotificationRow
from socialfeed.storage.sql._common import (
    NOW,
    PagedQuery,
    Repository,
    id_param,
    not_blocked,
    not_muted,
    time_param,
    visible_author,
)
from socialfeed.storage.sql.schema import (
    UTCDateTime,
    follows,
    likes,
    notifications,
    posts,
    users,
)

_NOTIFICATION_COLUMNS = (
    notifications.c.id,
    notifications.c.recipient_id,
    notifications.c.actor_id,
    users.c.username,
    notifications.c.kind,
    notifications.c.post_id,
    notifications.c.comment_id,
    notifications.c.is_read,
    notifications.c.created_at,
)
_WITH_ACTOR = notifications.join(users, users.c.id == notifications.c.actor_id)


def may_see(
    recipient_id: int | ColumnElement[int], now: datetime | ColumnElement[datetime]
) -> ColumnElement[bool]:
    """True for a notification of ``recipient_id`` that they may see at ``now``.

    No block either way between recipient and actor, no mute of the actor by
    the recipient running at ``now``, a post (if any) whose author the
    recipient may see, and a cause that still holds: the like is still
    there, the actor still follows the recipient. (A deleted comment or post
    takes its notifications with it.)
    """
    n = notifications.c
    # The like and the follow are read by their keys, as scalar subqueries:
    # PostgreSQL turns an EXISTS under OR into a hash of the whole table,
    # built on every read, where a page needs a few index lookups.
    like_holds = (
        select(likes.c.user_id)
        .where(likes.c.user_id == n.actor_id, likes.c.post_id == n.post_id)
        .scalar_subquery()
        .is_not(None)
    )
    follow_holds = (
        select(follows.c.follower_id)
        .where(follows.c.follower_id == n.actor_id, follows.c.followee_id == n.recipient_id)
        .scalar_subquery()
        .is_not(None)
    )
    post_visible = (
        select(posts.c.id)
        .select_from(posts.join(users, users.c.id == posts.c.author_id))
        .where(posts.c.id == n.post_id, visible_author(recipient_id, posts.c.author_id))
        .correlate(notifications)
        .exists()
    )
    return and_(
        not_blocked(recipient_id, n.actor_id),
        not_muted(recipient_id, n.actor_id, now),
        or_(n.post_id.is_(None), post_visible),
        or_(
            n.kind.not_in(("like", "follow")),
            and_(n.kind == "like", like_holds),
            and_(n.kind == "follow", follow_holds),
        ),
    )


class SQLNotifications(Repository):
    def add(self, new: NewNotification) -> NotificationRow | None:
        params = {
            "recipient_id": new.recipient_id,
            "actor_id": new.actor_id,
            "kind": new.kind,
            "post_id": new.post_id,
            "comment_id": new.comment_id,
            "event_id": new.event_id,
            "created_at": new.created_at,
        }
        row = self._conn.execute(_add(self._conn.dialect.name), params).first()
        if row is not None:
            return NotificationRow(*row)
        # Stored before, by this event or another with the same key: the
        # earliest of them dates it, whatever order they came in.
        moved = {"key": new.event_id, "to": new.recipient_id, "earlier": new.created_at}
        self._conn.execute(_MOVE_BACK, moved)
        return None

    def get(self, notification_id: int) -> NotificationRow | None:
        row = self._conn.execute(_NOTIFICATION, {"notification_id": notification_id}).first()
        return None if row is None else NotificationRow(*row)

    def for_recipient(
        self, recipient_id: int, page: PageRequest, now: datetime
    ) -> list[NotificationRow]:
        rows = _NOTIFICATIONS_OF.run(self._conn, page, {"recipient_id": recipient_id, "now": now})
        return [NotificationRow(*tuple(row)) for row in rows]

    def groups(
        self, recipient_id: int, page: PageRequest, actors_per_group: int, now: datetime
    ) -> list[NotificationGroupRow]:
        n = notifications.c
        latest_at = func.max(n.created_at)
        latest_id = func.max(n.id)
        query = (
            select(
                n.kind,
                n.post_id,
                func.count(n.actor_id.distinct()),
                func.max(case((n.is_read, 0), else_=1)),
                latest_at,
                latest_id,
            )
            .where(n.recipient_id == recipient_id, may_see(recipient_id, now))
            .group_by(n.kind, n.post_id)
        )
        if page.after is not None:
            after = tuple_(literal(page.after.at, UTCDateTime()), literal(page.after.id))
            query = query.having(tuple_(latest_at, latest_id) < after)
        query = (
            query.order_by(latest_at.desc(), latest_id.desc())
            .offset(page.offset)
            .limit(page.limit + 1)
        )
        groups = self._conn.execute(query).all()
        actors = self._recent_actors(recipient_id, [(g[0], g[1]) for g in groups], now)
        return [
            NotificationGroupRow(
                kind=kind,
                post_id=post_id,
                actor_usernames=tuple(actors[(kind, post_id)][:actors_per_group]),
                total=total,
                unread=bool(unread),
                latest_at=at,
                latest_id=group_id,
            )
            for kind, post_id, total, unread, at, group_id in groups
        ]

    def _recent_actors(
        self, recipient_id: int, keys: list[tuple[str, int | None]], now: datetime
    ) -> dict[tuple[str, int | None], list[str]]:
        """Return each group's distinct actors, the most recent first, in one query."""
        found: defaultdict[tuple[str, int | None], list[str]] = defaultdict(list)
        if not keys:
            return found
        n = notifications.c
        in_groups = or_(
            *(
                and_(
                    n.kind == kind, n.post_id.is_(None) if post_id is None else n.post_id == post_id
                )
                for kind, post_id in keys
            )
        )
        query = (
            select(n.kind, n.post_id, users.c.username)
            .select_from(_WITH_ACTOR)
            .where(n.recipient_id == recipient_id, in_groups, may_see(recipient_id, now))
            .group_by(n.kind, n.post_id, n.actor_id, users.c.username)
            # By time: a late handler stores an older notification with a newer id.
            .order_by(func.max(n.created_at).desc(), func.max(n.id).desc())
        )
        for kind, post_id, username in self._conn.execute(query):
            found[(kind, post_id)].append(username)
        return found

    def unread_count(self, recipient_id: int, now: datetime) -> int:
        params = {"recipient_id": recipient_id, "now": now}
        count: int = self._conn.execute(_UNREAD, params).scalar_one()
        return count

    def mark_read(self, notification_id: int) -> bool:
        result = self._conn.execute(
            update(notifications)
            .where(notifications.c.id == notification_id, ~notifications.c.is_read)
            .values(is_read=true())
        )
        return result.rowcount == 1

    def mark_all_read(self, recipient_id: int, now: datetime) -> int:
        result = self._conn.execute(
            update(notifications)
            .where(
                notifications.c.recipient_id == recipient_id,
                ~notifications.c.is_read,
                may_see(recipient_id, now),
            )
            .values(is_read=true())
        )
        return result.rowcount


# The statements of the hot paths, built once (see PagedQuery for why).
_RECIPIENT = id_param("recipient_id")
_NOTIFICATION: Select[Any] = (
    select(*_NOTIFICATION_COLUMNS)
    .select_from(_WITH_ACTOR)
    .where(notifications.c.id == id_param("notification_id"))
)
_NOTIFICATIONS_OF = PagedQuery.build(
    select(*_NOTIFICATION_COLUMNS)
    .select_from(_WITH_ACTOR)
    .where(notifications.c.recipient_id == _RECIPIENT, may_see(_RECIPIENT, NOW)),
    notifications.c.created_at,
    notifications.c.id,
)
_UNREAD = (
    select(func.count())
    .select_from(notifications)
    .where(
        notifications.c.recipient_id == _RECIPIENT,
        ~notifications.c.is_read,
        may_see(_RECIPIENT, NOW),
    )
)
_MOVE_BACK = (
    update(notifications)
    .where(
        notifications.c.event_id == bindparam("key", type_=notifications.c.event_id.type),
        notifications.c.recipient_id == id_param("to"),
        notifications.c.created_at > time_param("earlier"),
    )
    .values(created_at=time_param("earlier"))
)


@cache
def _add(dialect: str) -> Any:
    # The actor's username comes back with the row, so a stored notification
    # costs one statement rather than an insert and a read.
    # SQLAlchemy neither correlates a subquery in RETURNING nor qualifies the
    # columns there on SQLite: spell both sides of the join out.
    actor = users.alias("actor")
    same_actor = literal_column("actor.id") == literal_column(f"{notifications.name}.actor_id")
    actor_username = select(actor.c.username).where(same_actor).scalar_subquery()
    columns = [actor_username if c is users.c.username else c for c in _NOTIFICATION_COLUMNS]
    return (
        Repository.insert_for(dialect, notifications)
        .values(
            recipient_id=id_param("recipient_id"),
            actor_id=id_param("actor_id"),
            kind=bindparam("kind"),
            post_id=id_param("post_id"),
            comment_id=id_param("comment_id"),
            event_id=bindparam("event_id", type_=notifications.c.event_id.type),
            is_read=False,
            created_at=time_param("created_at"),
        )
        .on_conflict_do_nothing()
        .returning(*columns)
    )
