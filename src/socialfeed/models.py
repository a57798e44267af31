"""The values socialfeed hands back: frozen attrs classes, never live rows.

Timestamps are timezone-aware UTC, ids are integers typed by what they name
(`socialfeed.ids`), and no model carries a password hash, so printing or
logging one can never leak it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Generic, Literal, TypeVar

from attrs import frozen

from socialfeed.ids import CommentId, HashtagId, MessageId, NotificationId, PostId, StoryId, UserId

__all__ = [
    "MAX_ID",
    "Comment",
    "Conversation",
    "FeedItem",
    "FollowOutcome",
    "Hashtag",
    "LikeState",
    "Message",
    "Mute",
    "Notification",
    "NotificationGroup",
    "NotificationKind",
    "Page",
    "Post",
    "Session",
    "Story",
    "StoryGroup",
    "StoryItem",
    "StoryViewer",
    "TrendingHashtag",
    "User",
]

T = TypeVar("T")

MAX_ID = 2**63 - 1
"""Ids are positive 64-bit integers on every backend; a larger one names nothing."""


@frozen
class User:
    """A user's public profile and its counters.

    ``email`` is ``None`` for a profile created without socialfeed's own
    accounts (see `AccountService.create_profile`). A private user's
    posts, stories and follower lists are visible to approved followers only.
    """

    id: UserId
    username: str
    email: str | None
    full_name: str | None
    bio: str | None
    profile_image_url: str | None
    is_active: bool
    created_at: datetime
    post_count: int
    follower_count: int
    following_count: int
    is_private: bool = False


@frozen
class Post:
    """A post with its author's username and its counters."""

    id: PostId
    author_id: UserId
    author_username: str
    content: str | None
    image_url: str | None
    like_count: int
    comment_count: int
    created_at: datetime
    edited_at: datetime | None


@frozen
class FeedItem:
    """A post as one viewer sees it: the post and whether the viewer liked it."""

    post: Post
    liked_by_viewer: bool


@frozen
class Comment:
    """A comment on a post, with its author's username."""

    id: CommentId
    post_id: PostId
    author_id: UserId
    author_username: str
    content: str
    created_at: datetime


@frozen
class LikeState:
    """Whether a user likes a post after an action, and the post's like count."""

    liked: bool
    like_count: int


@frozen(repr=False)
class Session:
    """A logged-in session: the opaque token to hand to the client.

    The token is shown only here, once; socialfeed stores only its hash. It
    is left out of the repr so that logging a session does not leak it.
    """

    token: str
    user_id: UserId
    expires_at: datetime

    def __repr__(self) -> str:
        return f"Session(user_id={self.user_id!r}, expires_at={self.expires_at!r})"


@frozen
class Page(Generic[T]):
    """One page of a list, newest first, and the cursor of the next page.

    ``next_cursor`` is ``None`` on the last page. Pass it back as ``cursor``
    to get the page that follows; it stays valid when new items are added.
    """

    items: tuple[T, ...]
    next_cursor: str | None


@frozen
class Story:
    """A story: an image and/or text that disappears when ``expires_at`` passes."""

    id: StoryId
    author_id: UserId
    author_username: str
    content: str | None
    image_url: str | None
    created_at: datetime
    expires_at: datetime


@frozen
class StoryItem:
    """A story in the story feed, and whether the viewer has already seen it."""

    story: Story
    seen: bool


@frozen
class StoryGroup:
    """One author's active stories in the story feed, newest first."""

    author_id: UserId
    author_username: str
    items: tuple[StoryItem, ...]

    @property
    def has_unseen(self) -> bool:
        """Whether the viewer has not yet seen at least one of these stories."""
        return not all(item.seen for item in self.items)


@frozen
class StoryViewer:
    """Who saw a story, and when they first did."""

    user: User
    viewed_at: datetime


@frozen
class Message:
    """A direct message from one user to another."""

    id: MessageId
    sender_id: UserId
    receiver_id: UserId
    content: str
    is_read: bool
    created_at: datetime


@frozen
class Conversation:
    """A row of the conversations list: the other participant, the last message, my unread count."""

    other_user_id: UserId
    other_username: str
    last_message: Message
    unread_count: int


NotificationKind = Literal["like", "comment", "follow", "mention"]
"""What a notification is about."""


@frozen
class Notification:
    """Something that happened to a user's content or account, caused by another user.

    ``post_id`` is set for likes, comments and mentions; ``comment_id`` for
    comments and for mentions made in a comment.
    """

    id: NotificationId
    recipient_id: UserId
    actor_id: UserId
    actor_username: str
    kind: NotificationKind
    post_id: PostId | None
    comment_id: CommentId | None
    message: str
    is_read: bool
    created_at: datetime

    @property
    def reference_id(self) -> PostId | UserId:
        """The post a like, comment or mention is about, or the follower of a follow."""
        return self.post_id if self.post_id is not None else self.actor_id


@frozen
class NotificationGroup:
    """Notifications of one kind about one post (or all follows), folded into one line.

    ``actors`` are the most recent few, newest first; ``total`` counts them all.
    ``latest_id`` is the id of the group's newest notification.
    """

    kind: NotificationKind
    post_id: PostId | None
    actors: tuple[str, ...]
    total: int
    unread: bool
    latest_at: datetime
    latest_id: NotificationId
    message: str


@frozen
class Hashtag:
    """A hashtag and how many posts of public accounts carry it (the count anyone may see)."""

    id: HashtagId
    name: str
    post_count: int


@frozen
class Mute:
    """A muted user, and until when (``None``: until unmuted)."""

    user: User
    until: datetime | None


FollowOutcome = Literal["following", "requested"]
"""What `FollowService.follow` did: followed, or asked a private account."""


@frozen
class TrendingHashtag:
    """A hashtag and how many posts used it within the trending window."""

    hashtag: Hashtag
    recent_posts: int
