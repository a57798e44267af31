"""The response shapes of the API contract, built from the library's models.

Each shape is a ``TypedDict`` whose keys are in the contract's order, which
the JSON provider keeps. Datetimes stay datetimes here; the provider writes
them as Pydantic does.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal, TypedDict

from socialfeed import models

__all__ = [
    "CommentBody",
    "ConversationBody",
    "CountBody",
    "FollowRequestedBody",
    "FollowingBody",
    "HashtagBody",
    "LikeBody",
    "MessageBody",
    "MuteBody",
    "NotificationBody",
    "NotificationGroupBody",
    "PostBody",
    "ProfileBody",
    "StatusBody",
    "StoryBody",
    "TokenBody",
    "TrendingHashtagBody",
    "UserBody",
    "comment_body",
    "conversation_body",
    "hashtag_body",
    "message_body",
    "mute_body",
    "notification_body",
    "notification_group_body",
    "post_body",
    "profile_body",
    "status_ok",
    "story_body",
    "token_body",
    "trending_hashtag_body",
    "user_body",
]


class UserBody(TypedDict):
    """``User``: ``email`` only in the caller's own record, otherwise ``null``."""

    id: int
    username: str
    email: str | None
    full_name: str | None
    bio: str | None
    profile_image_url: str | None
    is_active: bool
    created_at: datetime


class ProfileBody(TypedDict):
    """``Profile``: a user's public card with its counters."""

    id: int
    username: str
    full_name: str | None
    bio: str | None
    profile_image_url: str | None
    post_count: int
    follower_count: int
    following_count: int


class PostBody(TypedDict):
    """``Post``."""

    id: int
    author_id: int
    author_username: str
    content: str | None
    image_url: str | None
    like_count: int
    comment_count: int
    created_at: datetime


class CommentBody(TypedDict):
    """``Comment``."""

    id: int
    post_id: int
    author_id: int
    author_username: str
    content: str
    created_at: datetime


class StoryBody(TypedDict):
    """``Story``."""

    id: int
    author_id: int
    author_username: str
    image_url: str | None
    content: str | None
    created_at: datetime


class MessageBody(TypedDict):
    """``Message``."""

    id: int
    sender_id: int
    receiver_id: int
    content: str
    is_read: bool
    created_at: datetime


class ConversationBody(TypedDict):
    """``Conversation``: the other participant and the last message."""

    other_user_id: int
    last_message: MessageBody


class NotificationBody(TypedDict):
    """``Notification``: ``reference_id`` is the post, or the follower for a follow."""

    id: int
    user_id: int
    actor_id: int
    type: models.NotificationKind
    reference_id: int
    message: str
    is_read: bool
    created_at: datetime


class NotificationGroupBody(TypedDict):
    """A row of the grouped notifications: "alice and 3 others liked your post"."""

    type: models.NotificationKind
    post_id: int | None
    actors: list[str]
    total: int
    is_read: bool
    latest_at: datetime
    message: str


class MuteBody(TypedDict):
    """A user the caller mutes, and until when (``null``: until unmuted)."""

    user: UserBody
    until: datetime | None


class HashtagBody(TypedDict):
    """``Hashtag``."""

    id: int
    name: str


class TrendingHashtagBody(TypedDict):
    """A trending hashtag and how many posts of the trending window carry it."""

    id: int
    name: str
    post_count: int


class TokenBody(TypedDict):
    """``Token``: the session token to send back as ``Authorization: Bearer``."""

    access_token: str
    token_type: Literal["bearer"]


class LikeBody(TypedDict):
    """What a like toggle left: whether the caller likes the post, and its like count."""

    liked: bool
    like_count: int


class FollowingBody(TypedDict):
    """Whether the caller follows the user after a follow or unfollow."""

    following: bool


class FollowRequestedBody(TypedDict):
    """The answer to following a private account: not following yet, a request is pending."""

    following: Literal[False]
    requested: Literal[True]


class StatusBody(TypedDict):
    """``{"status": "ok"}``."""

    status: Literal["ok"]


class CountBody(TypedDict):
    """An unread count, for a badge."""

    count: int


def user_body(user: models.User, *, own: bool = False) -> UserBody:
    """Return the ``User`` shape; the email only when ``own`` (the caller's own record)."""
    return {
        "id": user.id,
        "username": user.username,
        "email": user.email if own else None,
        "full_name": user.full_name,
        "bio": user.bio,
        "profile_image_url": user.profile_image_url,
        "is_active": user.is_active,
        "created_at": user.created_at,
    }


def profile_body(user: models.User) -> ProfileBody:
    """Return the ``Profile`` shape."""
    return {
        "id": user.id,
        "username": user.username,
        "full_name": user.full_name,
        "bio": user.bio,
        "profile_image_url": user.profile_image_url,
        "post_count": user.post_count,
        "follower_count": user.follower_count,
        "following_count": user.following_count,
    }


def post_body(post: models.Post) -> PostBody:
    """Return the ``Post`` shape."""
    return {
        "id": post.id,
        "author_id": post.author_id,
        "author_username": post.author_username,
        "content": post.content,
        "image_url": post.image_url,
        "like_count": post.like_count,
        "comment_count": post.comment_count,
        "created_at": post.created_at,
    }


def comment_body(comment: models.Comment) -> CommentBody:
    """Return the ``Comment`` shape."""
    return {
        "id": comment.id,
        "post_id": comment.post_id,
        "author_id": comment.author_id,
        "author_username": comment.author_username,
        "content": comment.content,
        "created_at": comment.created_at,
    }


def story_body(story: models.Story) -> StoryBody:
    """Return the ``Story`` shape."""
    return {
        "id": story.id,
        "author_id": story.author_id,
        "author_username": story.author_username,
        "image_url": story.image_url,
        "content": story.content,
        "created_at": story.created_at,
    }


def message_body(message: models.Message) -> MessageBody:
    """Return the ``Message`` shape."""
    return {
        "id": message.id,
        "sender_id": message.sender_id,
        "receiver_id": message.receiver_id,
        "content": message.content,
        "is_read": message.is_read,
        "created_at": message.created_at,
    }


def conversation_body(conversation: models.Conversation) -> ConversationBody:
    """Return the ``Conversation`` shape."""
    return {
        "other_user_id": conversation.other_user_id,
        "last_message": message_body(conversation.last_message),
    }


def notification_body(notification: models.Notification) -> NotificationBody:
    """Return the ``Notification`` shape."""
    return {
        "id": notification.id,
        "user_id": notification.recipient_id,
        "actor_id": notification.actor_id,
        "type": notification.kind,
        "reference_id": notification.reference_id,
        "message": notification.message,
        "is_read": notification.is_read,
        "created_at": notification.created_at,
    }


def notification_group_body(group: models.NotificationGroup) -> NotificationGroupBody:
    """Return a grouped-notifications row."""
    return {
        "type": group.kind,
        "post_id": group.post_id,
        "actors": list(group.actors),
        "total": group.total,
        "is_read": not group.unread,
        "latest_at": group.latest_at,
        "message": group.message,
    }


def mute_body(mute: models.Mute) -> MuteBody:
    """Return a muted user and the mute's end, in UTC like every other time the API writes."""
    # The memory backend hands ``until`` back in the offset it was given.
    until = None if mute.until is None else mute.until.astimezone(UTC)
    return {"user": user_body(mute.user), "until": until}


def hashtag_body(hashtag: models.Hashtag) -> HashtagBody:
    """Return the ``Hashtag`` shape."""
    return {"id": hashtag.id, "name": hashtag.name}


def trending_hashtag_body(trending: models.TrendingHashtag) -> TrendingHashtagBody:
    """Return a trending hashtag, counting the posts of the trending window."""
    return {
        "id": trending.hashtag.id,
        "name": trending.hashtag.name,
        "post_count": trending.recent_posts,
    }


def token_body(session: models.Session) -> TokenBody:
    """Return the ``Token`` shape of a new session."""
    return {"access_token": session.token, "token_type": "bearer"}


def status_ok() -> StatusBody:
    """Return ``{"status": "ok"}``, the answer of an action with nothing else to say."""
    return {"status": "ok"}
