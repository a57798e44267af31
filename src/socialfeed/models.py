"""The values socialfeed hands back: frozen attrs classes, never live rows.

Timestamps are timezone-aware UTC, ids are integers, and no model carries a
password hash, so printing or logging one can never leak it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar

from attrs import frozen

__all__ = ["MAX_ID", "Comment", "FeedItem", "LikeState", "Page", "Post", "Session", "User"]

T = TypeVar("T")

#: Ids are positive 64-bit integers on every backend; a larger one names nothing.
MAX_ID = 2**63 - 1


@frozen
class User:
    """A user's public profile and its counters.

    ``email`` is ``None`` for a profile created without socialfeed's own
    accounts (see :meth:`AccountService.create_profile`).
    """

    id: int
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


@frozen
class Post:
    """A post with its author's username and its counters."""

    id: int
    author_id: int
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

    id: int
    post_id: int
    author_id: int
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
    user_id: int
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
