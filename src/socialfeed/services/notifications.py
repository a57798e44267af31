"""Notifications: stored by the notification handler, read and cleared here."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from socialfeed import text, validation
from socialfeed.errors import NotFoundError, ValidationError
from socialfeed.events import AllNotificationsRead, Event, NotificationCreated, NotificationRead
from socialfeed.ids import CommentId, NotificationId, PostId, UserId
from socialfeed.models import Notification, NotificationGroup, NotificationKind, Page, Post, User
from socialfeed.pagination import DEFAULT_LIMIT, PageRequest, Position, page_of
from socialfeed.services._context import Context
from socialfeed.services._lookups import (
    is_id,
    require_comment,
    require_ids,
    require_post,
    require_user,
    require_users_of,
)
from socialfeed.services._service import Service
from socialfeed.services._visibility import can_see_content
from socialfeed.storage.base import NewNotification, NotificationRow, UnitOfWork
from socialfeed.validation import identity_key

__all__ = ["DefaultNotificationRenderer", "NotificationRenderer", "NotificationService"]

GROUP_ACTORS = 3
"""How many actors a notification group names ("alice, bob and 3 others")."""


_VERBS: Mapping[NotificationKind, str] = {
    "like": "liked your post",
    "comment": "commented on your post",
    "follow": "started following you",
    "mention": "mentioned you",
}


class NotificationRenderer(Protocol):
    """Turns a notification, or a group of them, into the line a user reads."""

    def render(self, kind: NotificationKind, actor: str) -> str:
        """Return the message of one notification by ``actor``."""
        ...

    def render_group(self, kind: NotificationKind, actors: Sequence[str], total: int) -> str:
        """Return the message of ``total`` notifications, naming the most recent ``actors``."""
        ...


class DefaultNotificationRenderer:
    """English messages: "alice liked your post", "alice and 3 others liked your post"."""

    def render(self, kind: NotificationKind, actor: str) -> str:
        """Return "<actor> <verb>"."""
        return f"{actor} {_VERBS[kind]}"

    def render_group(self, kind: NotificationKind, actors: Sequence[str], total: int) -> str:
        """Return "<first actor> and N others <verb>", or the single message for one actor."""
        if total <= 1 or not actors:
            return self.render(kind, actors[0] if actors else "someone")
        others = total - 1
        return f"{actors[0]} and {others} other{'s' if others > 1 else ''} {_VERBS[kind]}"


class NotificationService(Service):
    """A user's notifications. Nobody else can read or mark them.

    Notifications are created by `NotificationHandler`
    (connect it to have them) through `notify` and `notify_mentions`.
    ``renderer`` writes the messages users read.
    """

    def __init__(self, context: Context, renderer: NotificationRenderer) -> None:
        super().__init__(context)
        self._renderer = renderer

    def notify(
        self,
        actor_id: UserId,
        *,
        recipient_id: UserId,
        kind: NotificationKind,
        event_id: uuid.UUID,
        post_id: PostId | None = None,
        comment_id: CommentId | None = None,
        occurred_at: datetime | None = None,
    ) -> Notification | None:
        """Store a notification keyed by ``event_id``; return it if the recipient may see it now.

        ``occurred_at`` (now by default) is the time of the event, which dates
        the notification. Nothing is stored when the actor is the recipient
        (nobody is notified of their own doing), when the recipient's account
        is newer than the event, or when this key already notified this
        recipient (a redelivered event; the stored one is then dated by the
        earlier of the two). A block between the two users, a mute of the
        actor by the recipient, or a post the recipient may not see do not
        stop it being stored: they hide it from every read for as long as
        they hold, whichever came first (and this returns ``None``). A
        recipient, actor, post or comment that no longer exists raises
        `NotFoundError`. `NotificationCreated` is sent for what is returned.
        """
        if kind != "follow" and post_id is None:
            raise ValidationError("post_id", f"a {kind} notification refers to a post")
        when = None if occurred_at is None else validation.utc_time("occurred_at", occurred_at)
        if recipient_id == actor_id:
            return None
        now = self._clock.now()
        at = now if when is None else when
        new = NewNotification(recipient_id, actor_id, kind, post_id, comment_id, event_id, at)

        def work(uow: UnitOfWork) -> tuple[NotificationRow | None, list[Event]]:
            recipient, post = _require_refs(uow, new)
            if recipient.created_at > new.created_at:
                return None, []
            row = uow.notifications.add(new)
            if row is None or not _visible(uow, new, post, now):
                return None, []
            created = NotificationCreated(
                occurred_at=now,
                notification_id=NotificationId(row.id),
                recipient_id=recipient_id,
                actor_id=actor_id,
                kind=kind,
                post_id=post_id,
                comment_id=comment_id,
            )
            return row, [created]

        row = self._act(work)
        return None if row is None else self._render(row)

    def notify_mentions(
        self,
        actor_id: UserId,
        content: str | None,
        *,
        event_id: uuid.UUID,
        post_id: PostId,
        comment_id: CommentId | None = None,
        occurred_at: datetime | None = None,
    ) -> list[Notification]:
        """Notify every user ``@mentioned`` in ``content`` who existed at ``occurred_at``.

        ``event_id`` keys the notifications as in `notify`: give a post and
        its edits one key (`NotificationHandler.mention_key` does) and each
        user is notified once per post, dated by the earliest mention.
        Unknown names are ignored, and so is the actor. Returns the
        notifications stored now that their recipients may see.
        """
        names = text.extract_mentions(content)
        if not names:
            return []
        found = self._read(lambda uow: uow.users.ids_by_username([identity_key(n) for n in names]))
        created = []
        for recipient_id in dict.fromkeys(found.values()):
            try:
                notification = self.notify(
                    actor_id,
                    recipient_id=UserId(recipient_id),
                    kind="mention",
                    event_id=event_id,
                    post_id=post_id,
                    comment_id=comment_id,
                    occurred_at=occurred_at,
                )
            except NotFoundError as error:
                if error.entity != "user":
                    raise  # the post or comment is gone: nobody is left to notify
                continue  # this one user was deleted since the lookup
            if notification is not None:
                created.append(notification)
        return created

    def list(
        self,
        user_id: UserId,
        *,
        limit: int = DEFAULT_LIMIT,
        cursor: str | None = None,
        offset: int = 0,
    ) -> Page[Notification]:
        """Return a user's notifications, newest first."""
        page = PageRequest.build(limit, cursor, offset)
        require_ids(user_id)

        def work(uow: UnitOfWork) -> list[NotificationRow]:
            return require_users_of(
                uow, uow.notifications.for_recipient(user_id, page, self._clock.now()), user_id
            )

        rows = page_of(self._read(work), page, lambda n: Position(n.created_at, n.id))
        return Page(tuple(self._render(row) for row in rows.items), rows.next_cursor)

    def grouped(
        self,
        user_id: UserId,
        *,
        limit: int = DEFAULT_LIMIT,
        cursor: str | None = None,
        offset: int = 0,
    ) -> Page[NotificationGroup]:
        """Return notifications folded by kind and post: "alice and 3 others liked your post".

        Follows fold into one group. Groups come newest first by their latest
        notification; each names its most recent actors and counts them all.
        A group that gets a new notification moves to the top: paging on with
        a cursor does not show it again (not even if it was on a later page);
        a fresh first page does.
        """
        page = PageRequest.build(limit, cursor, offset)
        require_ids(user_id)

        def work(uow: UnitOfWork) -> list[NotificationGroup]:
            rows = uow.notifications.groups(user_id, page, GROUP_ACTORS, self._clock.now())
            require_users_of(uow, rows, user_id)
            return [
                NotificationGroup(
                    kind=row.kind,
                    post_id=_post_id(row.post_id),
                    actors=row.actor_usernames,
                    total=row.total,
                    unread=row.unread,
                    latest_at=row.latest_at,
                    message=self._renderer.render_group(row.kind, row.actor_usernames, row.total),
                    latest_id=NotificationId(row.latest_id),
                )
                for row in rows
            ]

        return page_of(self._read(work), page, lambda g: Position(g.latest_at, g.latest_id))

    def unread_count(self, user_id: UserId) -> int:
        """Count a user's unread notifications, for a badge."""
        require_ids(user_id)

        def work(uow: UnitOfWork) -> int:
            count = uow.notifications.unread_count(user_id, self._clock.now())
            if not count:
                require_user(uow, user_id)  # a count above 0 proves the user exists
            return count

        return self._read(work)

    def mark_read(self, user_id: UserId, notification_id: NotificationId) -> None:
        """Mark one notification read.

        It must be the user's own and one they may see now (see `list`):
        anyone else, or a notification hidden by a block, a mute or a cause
        that is gone, gets NotFoundError, as the lists would not show it.
        """
        now = self._clock.now()

        def work(uow: UnitOfWork) -> tuple[None, list[Event]]:
            row = uow.notifications.get(notification_id) if is_id(notification_id) else None
            if row is None or row.recipient_id != user_id:
                raise NotFoundError("notification")
            post = require_post(uow, row.post_id) if row.post_id is not None else None
            if not _visible(uow, row, post, now):
                raise NotFoundError("notification")
            if not uow.notifications.mark_read(notification_id):
                return None, []
            return None, [
                NotificationRead(occurred_at=now, notification_id=notification_id, user_id=user_id)
            ]

        self._act(work)

    def mark_all_read(self, user_id: UserId) -> int:
        """Mark all the notifications the user may see now read; return how many were unread.

        The count is `unread_count`'s: hidden notifications (a block, a mute,
        a cause that is gone) stay as they were, so one that shows again
        later is unread, never seen. Like `mark_read`, it sends its signal
        only when something changed.
        """
        require_ids(user_id)
        now = self._clock.now()

        def work(uow: UnitOfWork) -> tuple[int, list[Event]]:
            count = uow.notifications.mark_all_read(user_id, now)
            if not count:
                # Asked after the update: a deletion of the user that took
                # their notifications before it is seen here, not read as 0.
                require_user(uow, user_id)
                return count, []
            return count, [AllNotificationsRead(occurred_at=now, user_id=user_id, count=count)]

        return self._act(work)

    def _render(self, row: NotificationRow) -> Notification:
        # The storage's rows hold plain ints; the model names what each id is.
        return Notification(
            id=NotificationId(row.id),
            recipient_id=UserId(row.recipient_id),
            actor_id=UserId(row.actor_id),
            actor_username=row.actor_username,
            kind=row.kind,
            post_id=_post_id(row.post_id),
            comment_id=None if row.comment_id is None else CommentId(row.comment_id),
            message=self._renderer.render(row.kind, row.actor_username),
            is_read=row.is_read,
            created_at=row.created_at,
        )


def _post_id(post_id: int | None) -> PostId | None:
    return None if post_id is None else PostId(post_id)


def _visible(
    uow: UnitOfWork, new: NewNotification | NotificationRow, post: Post | None, now: datetime
) -> bool:
    """Whether the recipient may see it now: the rule of the reads (NotificationRepository)."""
    if uow.mutes.blocked_or_muted(new.recipient_id, new.actor_id, now):
        return False
    if not _cause_holds(uow, new):
        return False
    if post is None or post.author_id == new.recipient_id:
        return True  # nothing to see, or the recipient's own post
    return can_see_content(uow, new.recipient_id, require_user(uow, post.author_id))


def _cause_holds(uow: UnitOfWork, new: NewNotification | NotificationRow) -> bool:
    """Whether the like is still there, or the actor still follows the recipient."""
    if new.kind == "like" and new.post_id is not None:
        return bool(uow.likes.liked_post_ids(new.actor_id, [new.post_id]))
    if new.kind == "follow":
        return uow.follows.exists(new.actor_id, new.recipient_id)
    return True  # a deleted comment or post took its notifications with it


def _require_refs(uow: UnitOfWork, new: NewNotification) -> tuple[User, Post | None]:
    """Check that everything the notification names exists; return its recipient and post."""
    recipient = require_user(uow, new.recipient_id)
    require_user(uow, new.actor_id)
    post = require_post(uow, new.post_id) if new.post_id is not None else None
    if new.comment_id is not None:
        require_comment(uow, new.comment_id)
    return recipient, post
