"""The JSON the API reads and writes: Pydantic models, in the contract's field order.

Request bodies are strict (``"5"`` is not an id, ``5`` is not a string) and
ignore unknown keys, except a profile update, whose unknown keys go on to the
library so that it can refuse them by name. Response models are built from the
library's attrs models by their ``of`` class methods; the library's rules
(validation, authorization, visibility) have already run by then.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict
from pydantic_core import PydanticCustomError

from socialfeed import models

__all__ = [
    "Comment",
    "CommentCreate",
    "Conversation",
    "Count",
    "Credentials",
    "Error",
    "FollowRequestSent",
    "FollowState",
    "Hashtag",
    "LikeState",
    "Message",
    "MessageCreate",
    "MuteOptions",
    "MutedUser",
    "Notification",
    "NotificationGroup",
    "PasswordChange",
    "PathId",
    "Post",
    "PostCreate",
    "PostEdit",
    "PrivacySetting",
    "Profile",
    "ProfileChanges",
    "Registration",
    "Status",
    "Story",
    "StoryCreate",
    "Timestamp",
    "Token",
    "TrendingHashtag",
    "User",
]


class _Body(BaseModel):
    """A request body: exact JSON types, unknown keys ignored."""

    model_config = ConfigDict(strict=True)


# ISO 8601 in its extended form, as RFC 3339 writes it: a "T" between date and
# time, ASCII digits only, and an offset that is "Z" or "+HH:MM" (a time without
# one goes on to the library, which refuses it with its own message).
_ISO_8601 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})?"
)


def _iso_8601_text(value: object) -> datetime:
    """Parse a time in a request body, which must be ISO 8601 text.

    Pydantic alone would also take a number, or a numeric string, as a Unix
    time, and a space for the "T"; the API promises ISO 8601 and nothing else.
    """
    if isinstance(value, str) and _ISO_8601.fullmatch(value):
        try:
            return datetime.fromisoformat(value)
        except ValueError:  # the right shape, but no such day or hour
            pass
    raise PydanticCustomError(
        "datetime_from_iso_8601",
        "Input should be an ISO 8601 date and time with its offset, like 2030-01-01T12:00:00Z",
    )


#: A time in a request body, as ISO 8601 text (see :func:`_iso_8601_text`).
Timestamp = Annotated[datetime, BeforeValidator(_iso_8601_text)]

# A canonical decimal integer: no sign but "-", no leading zero, no "_", no
# spaces, ASCII digits only. int() takes "+42", "1_000", " 42", "042" and
# full-width or Arabic-Indic digits as 42: each would be another name for a resource.
_CANONICAL_ID = re.compile(r"-?[1-9][0-9]*|0")


def _canonical_id(value: object) -> object:
    """Let only a canonical decimal integer through to the integer conversion."""
    if isinstance(value, str) and not _CANONICAL_ID.fullmatch(value):
        raise PydanticCustomError(
            "int_parsing", "Input should be a valid integer, unable to parse string as an integer"
        )
    return value


_Id = TypeVar("_Id", bound=int)

#: An id in a request's path, of the kind in brackets (``PathId[PostId]``):
#: only its canonical decimal form names a resource.
PathId = Annotated[_Id, BeforeValidator(_canonical_id)]


# Requests


class Registration(_Body):
    """``POST /api/auth/register``; the library checks the username, email and password."""

    username: str
    email: str
    password: str
    full_name: str | None = None


class Credentials(_Body):
    """``POST /api/auth/login``: ``email`` may also hold a username."""

    email: str
    password: str


class PasswordChange(_Body):
    """``PUT /api/auth/password``."""

    old_password: str
    new_password: str


class ProfileChanges(_Body):
    """``PUT /api/users/me``: only the keys present are applied; null clears a field."""

    # Unknown keys (``username``, ``email``...) are kept so that the library
    # refuses them by name instead of the API dropping them silently.
    model_config = ConfigDict(strict=True, extra="allow")

    full_name: str | None = None
    bio: str | None = None
    profile_image_url: str | None = None


class PostCreate(_Body):
    """``POST /api/posts``: content, an image URL, or both."""

    content: str | None = None
    image_url: str | None = None


class PostEdit(_Body):
    """``PUT /api/posts/{post_id}``: the new content (null keeps only the image)."""

    content: str | None


class CommentCreate(_Body):
    """``POST /api/posts/{post_id}/comments``."""

    content: str


class StoryCreate(_Body):
    """``POST /api/stories``: an image URL, content, or both."""

    image_url: str | None = None
    content: str | None = None


class MessageCreate(_Body):
    """``POST /api/messages``."""

    receiver_id: int
    content: str


class MuteOptions(_Body):
    """``POST /api/mutes/{user_id}``: until when (with its UTC offset); null or absent, for good."""

    until: Timestamp | None = None


class PrivacySetting(_Body):
    """``PUT /api/users/me/privacy``."""

    is_private: bool


# Responses


class Error(BaseModel):
    """Every error: ``{"detail": "<message>"}``."""

    detail: str


class User(BaseModel):
    """A user; ``email`` is set only in the caller's own record."""

    id: int
    username: str
    email: str | None
    full_name: str | None
    bio: str | None
    profile_image_url: str | None
    is_active: bool
    created_at: datetime

    @classmethod
    def of(cls, user: models.User, *, own: bool = False) -> User:
        """Serialize ``user``, showing the email only when it is the caller's (``own``)."""
        return cls(
            id=user.id,
            username=user.username,
            email=user.email if own else None,
            full_name=user.full_name,
            bio=user.bio,
            profile_image_url=user.profile_image_url,
            is_active=user.is_active,
            created_at=user.created_at,
        )


class Profile(BaseModel):
    """A user's public profile with its counters."""

    id: int
    username: str
    full_name: str | None
    bio: str | None
    profile_image_url: str | None
    post_count: int
    follower_count: int
    following_count: int

    @classmethod
    def of(cls, user: models.User) -> Profile:
        """Serialize ``user`` as a profile."""
        return cls(
            id=user.id,
            username=user.username,
            full_name=user.full_name,
            bio=user.bio,
            profile_image_url=user.profile_image_url,
            post_count=user.post_count,
            follower_count=user.follower_count,
            following_count=user.following_count,
        )


class Post(BaseModel):
    """A post with its author's username and counters."""

    id: int
    author_id: int
    author_username: str
    content: str | None
    image_url: str | None
    like_count: int
    comment_count: int
    created_at: datetime

    @classmethod
    def of(cls, post: models.Post) -> Post:
        """Serialize ``post``."""
        return cls(
            id=post.id,
            author_id=post.author_id,
            author_username=post.author_username,
            content=post.content,
            image_url=post.image_url,
            like_count=post.like_count,
            comment_count=post.comment_count,
            created_at=post.created_at,
        )


class Comment(BaseModel):
    """A comment with its author's username."""

    id: int
    post_id: int
    author_id: int
    author_username: str
    content: str
    created_at: datetime

    @classmethod
    def of(cls, comment: models.Comment) -> Comment:
        """Serialize ``comment``."""
        return cls(
            id=comment.id,
            post_id=comment.post_id,
            author_id=comment.author_id,
            author_username=comment.author_username,
            content=comment.content,
            created_at=comment.created_at,
        )


class Story(BaseModel):
    """An active story."""

    id: int
    author_id: int
    author_username: str
    image_url: str | None
    content: str | None
    created_at: datetime

    @classmethod
    def of(cls, story: models.Story) -> Story:
        """Serialize ``story``."""
        return cls(
            id=story.id,
            author_id=story.author_id,
            author_username=story.author_username,
            image_url=story.image_url,
            content=story.content,
            created_at=story.created_at,
        )


class Message(BaseModel):
    """A direct message."""

    id: int
    sender_id: int
    receiver_id: int
    content: str
    is_read: bool
    created_at: datetime

    @classmethod
    def of(cls, message: models.Message) -> Message:
        """Serialize ``message``."""
        return cls(
            id=message.id,
            sender_id=message.sender_id,
            receiver_id=message.receiver_id,
            content=message.content,
            is_read=message.is_read,
            created_at=message.created_at,
        )


class Conversation(BaseModel):
    """A row of the conversations list: the other participant and the last message."""

    other_user_id: int
    last_message: Message

    @classmethod
    def of(cls, conversation: models.Conversation) -> Conversation:
        """Serialize ``conversation``."""
        return cls(
            other_user_id=conversation.other_user_id,
            last_message=Message.of(conversation.last_message),
        )


class Notification(BaseModel):
    """A notification; ``reference_id`` is the post, or the follower for a follow."""

    id: int
    user_id: int
    actor_id: int
    type: models.NotificationKind
    reference_id: int
    message: str
    is_read: bool
    created_at: datetime

    @classmethod
    def of(cls, notification: models.Notification) -> Notification:
        """Serialize ``notification``."""
        return cls(
            id=notification.id,
            user_id=notification.recipient_id,
            actor_id=notification.actor_id,
            type=notification.kind,
            reference_id=notification.reference_id,
            message=notification.message,
            is_read=notification.is_read,
            created_at=notification.created_at,
        )


class NotificationGroup(BaseModel):
    """Notifications of one type about one post (or all follows), folded into one line."""

    type: models.NotificationKind
    post_id: int | None
    actors: list[str]
    total: int
    is_read: bool
    latest_at: datetime
    message: str

    @classmethod
    def of(cls, group: models.NotificationGroup) -> NotificationGroup:
        """Serialize ``group``; it is read when none of its notifications is unread."""
        return cls(
            type=group.kind,
            post_id=group.post_id,
            actors=list(group.actors),
            total=group.total,
            is_read=not group.unread,
            latest_at=group.latest_at,
            message=group.message,
        )


class MutedUser(BaseModel):
    """A user the caller mutes, and until when (``null``: until unmuted)."""

    user: User
    until: datetime | None

    @classmethod
    def of(cls, mute: models.Mute) -> MutedUser:
        """Serialize ``mute``, its end in UTC like every other time the API writes."""
        # The memory backend hands ``until`` back in the offset it was given.
        until = None if mute.until is None else mute.until.astimezone(UTC)
        return cls(user=User.of(mute.user), until=until)


class Hashtag(BaseModel):
    """A hashtag."""

    id: int
    name: str

    @classmethod
    def of(cls, hashtag: models.Hashtag) -> Hashtag:
        """Serialize ``hashtag``."""
        return cls(id=hashtag.id, name=hashtag.name)


class TrendingHashtag(BaseModel):
    """A trending hashtag; ``post_count`` counts public accounts' posts in the trending window."""

    id: int
    name: str
    post_count: int

    @classmethod
    def of(cls, trending: models.TrendingHashtag) -> TrendingHashtag:
        """Serialize ``trending`` with the count it was ranked by."""
        return cls(
            id=trending.hashtag.id,
            name=trending.hashtag.name,
            post_count=trending.recent_posts,
        )


class Token(BaseModel):
    """A session token to send as ``Authorization: Bearer <access_token>``."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"


class LikeState(BaseModel):
    """Whether the caller likes the post after the toggle, and its like count."""

    liked: bool
    like_count: int


class FollowState(BaseModel):
    """Whether the caller follows the user after the action."""

    following: bool


class FollowRequestSent(BaseModel):
    """The answer to following a private account: not following yet, a request is pending."""

    following: Literal[False] = False
    requested: Literal[True] = True


class Status(BaseModel):
    """The answer of an action that has nothing else to say."""

    status: Literal["ok"] = "ok"


class Count(BaseModel):
    """A count, for a badge."""

    count: int
