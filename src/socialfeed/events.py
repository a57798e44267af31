"""The events socialfeed's signals carry: one frozen class per domain action.

Each is named in the past tense and carries an ``event_id`` (unique, so a
handler can ignore a redelivered event) and ``occurred_at`` (the time of the
action, from the facade's clock).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from attrs import field, frozen

from socialfeed.ids import CommentId, MessageId, NotificationId, PostId, StoryId, UserId
from socialfeed.models import NotificationKind

__all__ = [
    "AllNotificationsRead",
    "CommentAdded",
    "CommentDeleted",
    "Event",
    "FollowRequestApproved",
    "FollowRequestRejected",
    "FollowRequestWithdrawn",
    "FollowRequested",
    "HashtagsExtracted",
    "MessageSent",
    "MessagesRead",
    "NotificationCreated",
    "NotificationRead",
    "PasswordChanged",
    "PostCreated",
    "PostDeleted",
    "PostEdited",
    "PostLiked",
    "PostUnliked",
    "ProfileUpdated",
    "SessionRevoked",
    "StoryCreated",
    "StoryDeleted",
    "StoryViewed",
    "UserBlocked",
    "UserDeactivated",
    "UserDeleted",
    "UserFollowed",
    "UserLoggedIn",
    "UserMuted",
    "UserRegistered",
    "UserUnblocked",
    "UserUnfollowed",
    "UserUnmuted",
    "VisibilityChanged",
]


@frozen(kw_only=True)
class Event:
    """What every event carries."""

    occurred_at: datetime
    event_id: uuid.UUID = field(factory=uuid.uuid4)


@frozen(kw_only=True)
class UserRegistered(Event):
    """A user was created; ``has_password`` is false for an app-managed profile."""

    user_id: UserId
    username: str
    has_password: bool


@frozen(kw_only=True)
class UserLoggedIn(Event):
    """A user logged in and a session was issued."""

    user_id: UserId


@frozen(kw_only=True)
class PasswordChanged(Event):
    """A user changed their password."""

    user_id: UserId


@frozen(kw_only=True)
class ProfileUpdated(Event):
    """A user's profile fields changed; ``fields`` names the ones that were set."""

    user_id: UserId
    fields: tuple[str, ...]


@frozen(kw_only=True)
class UserDeactivated(Event):
    """A user was deactivated: they can no longer log in, and their sessions ended."""

    user_id: UserId


@frozen(kw_only=True)
class UserDeleted(Event):
    """A user and everything that belonged to them were deleted."""

    user_id: UserId
    username: str


@frozen(kw_only=True)
class SessionRevoked(Event):
    """One session (``all_sessions`` false) or all of a user's sessions ended."""

    user_id: UserId
    all_sessions: bool


@frozen(kw_only=True)
class PostCreated(Event):
    """A post was created."""

    post_id: PostId
    author_id: UserId
    content: str | None


@frozen(kw_only=True)
class PostEdited(Event):
    """A post's content was changed by its author."""

    post_id: PostId
    author_id: UserId
    content: str | None


@frozen(kw_only=True)
class PostDeleted(Event):
    """A post was deleted, with its comments and likes."""

    post_id: PostId
    author_id: UserId


@frozen(kw_only=True)
class CommentAdded(Event):
    """A comment was added to a post."""

    comment_id: CommentId
    post_id: PostId
    post_author_id: UserId
    author_id: UserId
    content: str


@frozen(kw_only=True)
class CommentDeleted(Event):
    """A comment was deleted, by its author or by the post's author (or by their block)."""

    comment_id: CommentId
    post_id: PostId
    deleted_by: UserId


@frozen(kw_only=True)
class PostLiked(Event):
    """A user liked a post that they had not liked before."""

    user_id: UserId
    post_id: PostId
    post_author_id: UserId


@frozen(kw_only=True)
class PostUnliked(Event):
    """A user's like of a post ended: they took it back, or a block removed it."""

    user_id: UserId
    post_id: PostId
    post_author_id: UserId


@frozen(kw_only=True)
class UserFollowed(Event):
    """``follower_id`` started following ``followee_id``."""

    follower_id: UserId
    followee_id: UserId


@frozen(kw_only=True)
class UserUnfollowed(Event):
    """``follower_id`` stopped following ``followee_id``."""

    follower_id: UserId
    followee_id: UserId


@frozen(kw_only=True)
class StoryCreated(Event):
    """A story was posted."""

    story_id: StoryId
    author_id: UserId


@frozen(kw_only=True)
class StoryDeleted(Event):
    """A story was deleted by its author before it expired."""

    story_id: StoryId
    author_id: UserId


@frozen(kw_only=True)
class StoryViewed(Event):
    """A user saw a story for the first time."""

    story_id: StoryId
    author_id: UserId
    viewer_id: UserId


@frozen(kw_only=True)
class MessageSent(Event):
    """A direct message was sent."""

    message_id: MessageId
    sender_id: UserId
    receiver_id: UserId


@frozen(kw_only=True)
class MessagesRead(Event):
    """``reader_id`` read the ``count`` unread messages ``sender_id`` had sent them."""

    reader_id: UserId
    sender_id: UserId
    count: int


@frozen(kw_only=True)
class NotificationCreated(Event):
    """A notification was stored for ``recipient_id`` (the notifications handler does this)."""

    notification_id: NotificationId
    recipient_id: UserId
    actor_id: UserId
    kind: NotificationKind
    post_id: PostId | None
    comment_id: CommentId | None


@frozen(kw_only=True)
class NotificationRead(Event):
    """A user marked one of their notifications read."""

    notification_id: NotificationId
    user_id: UserId


@frozen(kw_only=True)
class AllNotificationsRead(Event):
    """A user marked all their notifications read; ``count`` were unread."""

    user_id: UserId
    count: int


@frozen(kw_only=True)
class HashtagsExtracted(Event):
    """The hashtags of a post were indexed (on create and on edit); ``tags`` is the new set."""

    post_id: PostId
    tags: tuple[str, ...]


@frozen(kw_only=True)
class UserBlocked(Event):
    """``blocker_id`` blocked ``blocked_id``; follows both ways and requests between them ended."""

    blocker_id: UserId
    blocked_id: UserId


@frozen(kw_only=True)
class UserUnblocked(Event):
    """``blocker_id`` lifted a block; nothing it ended comes back."""

    blocker_id: UserId
    blocked_id: UserId


@frozen(kw_only=True)
class UserMuted(Event):
    """``muter_id`` muted ``muted_id``, until ``until`` or until unmuted (``None``)."""

    muter_id: UserId
    muted_id: UserId
    until: datetime | None


@frozen(kw_only=True)
class UserUnmuted(Event):
    """``muter_id`` unmuted ``muted_id``."""

    muter_id: UserId
    muted_id: UserId


@frozen(kw_only=True)
class FollowRequested(Event):
    """``requester_id`` asked to follow the private account ``owner_id``."""

    requester_id: UserId
    owner_id: UserId


@frozen(kw_only=True)
class FollowRequestApproved(Event):
    """``owner_id`` approved a request; a `UserFollowed` event follows."""

    requester_id: UserId
    owner_id: UserId


@frozen(kw_only=True)
class FollowRequestRejected(Event):
    """``owner_id`` rejected ``requester_id``'s request."""

    requester_id: UserId
    owner_id: UserId


@frozen(kw_only=True)
class FollowRequestWithdrawn(Event):
    """``requester_id`` took back their request to follow ``owner_id``."""

    requester_id: UserId
    owner_id: UserId


@frozen(kw_only=True)
class VisibilityChanged(Event):
    """A user made their account private (``is_private``) or public again.

    Going public approves every pending follow request: ``approved_requester_ids``
    names the users who now follow.
    """

    user_id: UserId
    is_private: bool
    approved_requester_ids: tuple[UserId, ...] = ()
