"""The social area of the contract: stories and their views, direct messages, notifications.

Each backend implements these repositories in its own ``_social`` module.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from attrs import frozen

from socialfeed.models import (
    Conversation,
    Message,
    NotificationKind,
    Story,
    StoryItem,
    StoryViewer,
)
from socialfeed.pagination import PageRequest

__all__ = [
    "MessageRepository",
    "NewNotification",
    "NotificationGroupRow",
    "NotificationRepository",
    "NotificationRow",
    "StoryRepository",
]


@frozen
class NewNotification:
    """A notification to store.

    ``event_id`` is its key: one notification per key and recipient, so an
    event delivered again stores nothing. It is the id of the event that
    caused it, or an id derived from it when several events stand for one
    notification (the mentions of a post and its edits; a like or follow
    repeated within the handler's quiet period).
    """

    recipient_id: int
    actor_id: int
    kind: NotificationKind
    post_id: int | None
    comment_id: int | None
    event_id: uuid.UUID
    created_at: datetime


@frozen
class NotificationRow:
    """A stored notification, before its message is rendered."""

    id: int
    recipient_id: int
    actor_id: int
    actor_username: str
    kind: NotificationKind
    post_id: int | None
    comment_id: int | None
    is_read: bool
    created_at: datetime


@frozen
class NotificationGroupRow:
    """Notifications of one kind about one post (``post_id`` None: all follows).

    ``latest_id`` (the newest notification's id) breaks ties in the group order.
    """

    kind: NotificationKind
    post_id: int | None
    actor_usernames: tuple[str, ...]
    total: int
    unread: bool
    latest_at: datetime
    latest_id: int


class StoryRepository(Protocol):
    """Stories and who saw them."""

    def add(
        self,
        author_id: int,
        content: str | None,
        image_url: str | None,
        created_at: datetime,
        expires_at: datetime,
    ) -> Story:
        """Insert a story."""
        ...

    def get(self, story_id: int) -> Story | None:
        """Return the story, expired or not, or ``None``."""
        ...

    def delete(self, story_id: int) -> None:
        """Delete a story and its views."""
        ...

    def active_by_author(self, author_id: int, now: datetime) -> list[Story]:
        """Return an author's stories that expire after ``now``, newest first."""
        ...

    def feed(self, viewer_id: int, now: datetime) -> list[StoryItem]:
        """Return the active stories of the viewer and their followees, newest first.

        Authors the viewer has muted (a mute still running at ``now``) are left out.
        """
        ...

    def add_view(self, story_id: int, viewer_id: int, viewed_at: datetime) -> bool:
        """Record a view; ``False`` if this viewer had already seen the story."""
        ...

    def viewers(self, story_id: int, page: PageRequest, viewer_id: int) -> list[StoryViewer]:
        """Return up to ``page.limit + 1`` viewers of a story, most recent first.

        Users with a block between them and ``viewer_id`` (the one asking) are left out.
        """
        ...


class MessageRepository(Protocol):
    """Direct messages and the per-user conversations list.

    The reads and `mark_read` leave out the messages between two users with
    a block between them (either way): while it stands, the conversation and
    its history are hidden from both, and its unread messages not counted.
    """

    def add(self, sender_id: int, receiver_id: int, content: str, created_at: datetime) -> Message:
        """Insert a message and make it the last one of the conversation for both users."""
        ...

    def conversation(self, user_id: int, other_id: int, page: PageRequest) -> list[Message]:
        """Return up to ``page.limit + 1`` messages between two users, newest first."""
        ...

    def conversations(self, user_id: int, page: PageRequest) -> list[Conversation]:
        """Return up to ``page.limit + 1`` conversations of a user, most recent first.

        The cursor position of a conversation is its last message's time and the
        other user's id.
        """
        ...

    def mark_read(self, reader_id: int, sender_id: int) -> int:
        """Mark every unread message from ``sender_id`` to ``reader_id`` read; return how many."""
        ...

    def unread_count(self, user_id: int) -> int:
        """Count the unread messages sent to a user."""
        ...


class NotificationRepository(Protocol):
    """Notifications. They go with the post, comment or user they refer to.

    What a recipient may see is decided when they read, not when the
    notification is stored: the reads leave out a notification whose actor
    and recipient have a block between them (either way), whose actor the
    recipient mutes at ``now``, whose post the recipient may not see (see
    `UserRepository.can_see`), or whose cause no longer holds: a like that
    was taken back, a follow that ended. So a block, a mute, a change of
    privacy or an unlike hides the same notifications whether the handler
    stored them before or after it (docs: "Handlers and timing").
    """

    def add(self, new: NewNotification) -> NotificationRow | None:
        """Store a notification, or ``None`` if one with this key and recipient exists.

        When it exists with a later ``created_at``, its time moves back to
        ``new.created_at``: whatever order events arrive in, the earliest
        dates the notification.
        """
        ...

    def get(self, notification_id: int) -> NotificationRow | None:
        """Return the notification, or ``None`` (whether or not its recipient may see it now)."""
        ...

    def for_recipient(
        self, recipient_id: int, page: PageRequest, now: datetime
    ) -> list[NotificationRow]:
        """Return up to ``page.limit + 1`` of the user's visible notifications, newest first.

        Visible at ``now``: see the class.
        """
        ...

    def groups(
        self, recipient_id: int, page: PageRequest, actors_per_group: int, now: datetime
    ) -> list[NotificationGroupRow]:
        """Return up to ``page.limit + 1`` groups, the one with the newest notification first.

        A group is one kind about one post (follows: one group), of the
        notifications the user may see at ``now``. The cursor position of a
        group is ``(latest_at, latest_id)``.
        """
        ...

    def unread_count(self, recipient_id: int, now: datetime) -> int:
        """Count the user's unread notifications that they may see at ``now``."""
        ...

    def mark_read(self, notification_id: int) -> bool:
        """Mark one notification read; ``False`` if it already was."""
        ...

    def mark_all_read(self, recipient_id: int, now: datetime) -> int:
        """Mark the user's notifications they may see at ``now`` read; return how many were unread.

        The rule of `for_recipient`: hidden ones stay as they are.
        """
        ...
