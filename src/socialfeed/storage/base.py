"""The storage contract: one protocol per repository, grouped by a unit of work.

A backend implements :class:`Storage`. Each action of a service runs inside
one ``storage.transaction()``: a unit of work whose repositories all share
that transaction, committed when the block exits cleanly and rolled back when
it raises. Backends keep the denormalised counters (likes, comments, posts,
followers, following) in step with the rows they count, inside the same
transaction, so a service can never forget one. The contract test suite in
``tests/`` runs every backend against these promises.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol

from attrs import frozen

from socialfeed.models import Comment, FeedItem, Post, User
from socialfeed.pagination import PageRequest

__all__ = [
    "CommentRepository",
    "Credentials",
    "FollowEntry",
    "FollowRepository",
    "LikeRepository",
    "NewUser",
    "PostRepository",
    "SessionRepository",
    "Storage",
    "UnitOfWork",
    "UserRepository",
]


@frozen(repr=False)
class NewUser:
    """A user to insert, with its uniqueness keys already computed."""

    username: str
    username_key: str
    email: str | None
    email_key: str | None
    password_hash: str | None
    full_name: str | None
    created_at: datetime

    def __repr__(self) -> str:
        return f"NewUser(username={self.username!r})"


@frozen(repr=False)
class Credentials:
    """What login needs to know about an account. Kept out of every public model."""

    user_id: int
    password_hash: str | None
    is_active: bool

    def __repr__(self) -> str:
        return f"Credentials(user_id={self.user_id!r}, is_active={self.is_active!r})"


@frozen
class FollowEntry:
    """One row of a followers or following list: the other user and when the follow began."""

    user: User
    followed_at: datetime


class UserRepository(Protocol):
    """Users, their credentials and their counters."""

    def add(self, new: NewUser) -> User:
        """Insert a user. A taken username or email raises ConflictError naming the field."""
        ...

    def get(self, user_id: int) -> User | None:
        """Return the user, or ``None``."""
        ...

    def get_by_username(self, username_key: str) -> User | None:
        """Return the user whose username key is ``username_key``, or ``None``."""
        ...

    def email_taken(self, email_key: str) -> bool:
        """Tell whether a user has this email key."""
        ...

    def username_taken(self, username_key: str) -> bool:
        """Tell whether a user has this username key."""
        ...

    def credentials(self, user_id: int) -> Credentials | None:
        """Return the credentials of a user, or ``None``."""
        ...

    def credentials_for_login(self, login_key: str) -> Credentials | None:
        """Return the credentials of the user whose email key or username key matches."""
        ...

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        """Replace a user's password hash."""
        ...

    def update_profile(self, user_id: int, changes: Mapping[str, str | None]) -> User:
        """Set ``full_name``, ``bio`` and/or ``profile_image_url`` and return the user."""
        ...

    def deactivate(self, user_id: int) -> None:
        """Mark a user inactive."""
        ...

    def delete(self, user_id: int) -> None:
        """Erase a user and all that is theirs, fixing every counter it touched.

        Their posts (with those posts' comments and likes), their comments and
        likes on other posts, their follows in both directions and their
        sessions all go.
        """
        ...


class SessionRepository(Protocol):
    """Session tokens, stored only as hashes."""

    def add(
        self, user_id: int, token_hash: str, created_at: datetime, expires_at: datetime
    ) -> None:
        """Store a new session."""
        ...

    def user_id_for(self, token_hash: str, now: datetime) -> int | None:
        """Return the user of an unexpired session of an active user, or ``None``."""
        ...

    def delete(self, token_hash: str) -> int | None:
        """Delete one session and return its user id, or ``None`` if there was none."""
        ...

    def delete_for_user(self, user_id: int) -> int:
        """Delete every session of a user and return how many there were."""
        ...

    def delete_expired(self, now: datetime) -> int:
        """Delete every session that expired at or before ``now``; return how many."""
        ...


class PostRepository(Protocol):
    """Posts, the author's post count, and the home feed."""

    def add(
        self, author_id: int, content: str | None, image_url: str | None, created_at: datetime
    ) -> Post:
        """Insert a post and count it on its author."""
        ...

    def get(self, post_id: int) -> Post | None:
        """Return the post, or ``None``."""
        ...

    def set_content(self, post_id: int, content: str | None, edited_at: datetime) -> Post:
        """Replace a post's content and return it."""
        ...

    def delete(self, post_id: int) -> None:
        """Delete a post with its comments and likes, and uncount it on its author."""
        ...

    def by_author(self, author_id: int, page: PageRequest) -> list[Post]:
        """Return up to ``page.limit + 1`` of an author's posts, newest first."""
        ...

    def home_feed(self, viewer_id: int, page: PageRequest) -> list[FeedItem]:
        """Return up to ``page.limit + 1`` posts of the viewer and their followees, newest first."""
        ...


class CommentRepository(Protocol):
    """Comments and their posts' comment counts."""

    def add(self, post_id: int, author_id: int, content: str, created_at: datetime) -> Comment:
        """Insert a comment and count it on its post."""
        ...

    def get(self, comment_id: int) -> Comment | None:
        """Return the comment, or ``None``."""
        ...

    def delete(self, comment_id: int) -> None:
        """Delete a comment and uncount it on its post."""
        ...

    def for_post(self, post_id: int, page: PageRequest) -> list[Comment]:
        """Return up to ``page.limit + 1`` comments of a post, newest first."""
        ...


class LikeRepository(Protocol):
    """Likes and their posts' like counts."""

    def add(self, user_id: int, post_id: int, created_at: datetime) -> int | None:
        """Like a post; return its new like count, or ``None`` if the like already existed."""
        ...

    def remove(self, user_id: int, post_id: int) -> int | None:
        """Unlike a post; return its new like count, or ``None`` if there was no like."""
        ...

    def liked_post_ids(self, user_id: int, post_ids: Collection[int]) -> set[int]:
        """Return which of ``post_ids`` the user likes, in one lookup."""
        ...


class FollowRepository(Protocol):
    """Follows and the follower and following counts."""

    def add(self, follower_id: int, followee_id: int, created_at: datetime) -> bool:
        """Create a follow and count it on both users; ``False`` if it already existed."""
        ...

    def remove(self, follower_id: int, followee_id: int) -> bool:
        """Remove a follow and uncount it; ``False`` if there was none."""
        ...

    def exists(self, follower_id: int, followee_id: int) -> bool:
        """Tell whether ``follower_id`` follows ``followee_id``."""
        ...

    def followers(self, user_id: int, page: PageRequest) -> list[FollowEntry]:
        """Return up to ``page.limit + 1`` followers of a user, newest follow first."""
        ...

    def following(self, user_id: int, page: PageRequest) -> list[FollowEntry]:
        """Return up to ``page.limit + 1`` users a user follows, newest follow first."""
        ...


class UnitOfWork(Protocol):
    """The repositories of one transaction."""

    @property
    def users(self) -> UserRepository:
        """Users and credentials."""
        ...

    @property
    def sessions(self) -> SessionRepository:
        """Session tokens."""
        ...

    @property
    def posts(self) -> PostRepository:
        """Posts and the home feed."""
        ...

    @property
    def comments(self) -> CommentRepository:
        """Comments."""
        ...

    @property
    def likes(self) -> LikeRepository:
        """Likes."""
        ...

    @property
    def follows(self) -> FollowRepository:
        """Follows."""
        ...


class Storage(Protocol):
    """A storage backend: where units of work come from."""

    def transaction(self, *, write: bool = True) -> AbstractContextManager[UnitOfWork]:
        """Open one transaction, committed on a clean exit and rolled back on an error.

        ``write=False`` promises that the block only reads, which lets a
        backend take fewer locks. Driver errors leave the block as
        :class:`~socialfeed.errors.StorageError` subclasses.
        """
        ...

    def create_schema(self) -> None:
        """Create the tables and indexes this backend needs, if they are missing."""
        ...

    def close(self) -> None:
        """Release connections; the storage cannot be used afterwards."""
        ...
