"""The people area of the contract: users and their credentials, sessions, and follows.

Each backend implements these repositories in its own ``_people`` module.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Protocol

from attrs import frozen

from socialfeed.models import User
from socialfeed.pagination import PageRequest

__all__ = [
    "Credentials",
    "FollowEntry",
    "FollowRepository",
    "NewUser",
    "SessionRepository",
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
    """Users, their credentials and their counters, and who may see a user's content."""

    def add(self, new: NewUser) -> User:
        """Insert a user. A taken username or email raises ConflictError naming the field."""
        ...

    def get(self, user_id: int) -> User | None:
        """Return the user, or ``None``."""
        ...

    def lock(
        self, user_ids: Collection[int], *, deleting: bool = False, exclusive: bool = False
    ) -> dict[int, User]:
        """Lock these users' rows until the transaction ends; return those that exist, by id.

        An action that changes or decides what holds between users (a follow,
        a request, a block, an account's privacy or its deletion) locks every
        user it involves before it reads anything else: two such actions that
        share a user then run one after the other, and the second reads what
        the first committed. Rows are locked in id order, so actions that
        share users cannot deadlock on them. ``deleting`` first locks, in the
        same order, everyone these users follow or are followed by (whose
        counters the deletion updates), then takes the stronger lock a
        deletion needs on these users, which waits for, then holds off,
        every insert that refers to them (a like, a comment, a message of
        theirs); only these users are returned. ``exclusive`` takes that
        stronger lock on these users alone: a block takes it, so that a like
        or comment of either user (which `hold` their author first) runs
        wholly before or wholly after it. Where write transactions already
        run one at a time (memory, SQLite) this is a plain read.
        """
        ...

    def hold(self, user_id: int) -> User | None:
        """Return the user, and hold their row against an exclusive `lock` until the end.

        The weakest lock (the one a foreign key check takes): many holds and
        counter updates run side by side, but an exclusive lock (a block or
        a deletion) waits for them, and they for it. An action that must not
        miss a block racing it (a like, a comment) holds its author before
        it reads anything else. Where write transactions already run one at
        a time (memory, SQLite) this is a plain read.
        """
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

    def ids_by_username(self, username_keys: Collection[str]) -> dict[str, int]:
        """Map each username key that names a user to that user's id, in one lookup."""
        ...

    def search(self, query_key: str, limit: int, offset: int, viewer_id: int | None) -> list[User]:
        """Find users whose username key or full-name key contains ``query_key``.

        Matches at the start of either come first, then the rest; each part is
        ordered by username key. ``query_key`` is matched literally. Users with
        a block between them and the viewer are left out.
        """
        ...

    def can_see(self, viewer_id: int, owner_id: int) -> bool:
        """Tell whether the viewer may see the owner's content, in one lookup.

        The owner always; nobody across a block; a private account's content
        only its approved followers; anyone else's content everyone. False
        when the owner does not exist.

        It belongs to the users, not to the blocks or the follows: it answers
        for the owner's account (does it exist, is it private), and a block or
        a follow is only one of the facts it reads to do so.
        """
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
        """Set ``full_name``, ``bio`` and/or ``profile_image_url`` and return the user.

        A new ``full_name`` also updates the key that search matches it by.
        """
        ...

    def deactivate(self, user_id: int) -> None:
        """Mark a user inactive."""
        ...

    def set_private(self, user_id: int, is_private: bool) -> None:
        """Make an account private or public."""
        ...

    def delete(self, user_id: int) -> None:
        """Erase a user and all that is theirs, fixing every counter it touched.

        Their posts (with those posts' comments, likes, hashtag links and
        notifications), their comments and likes on other posts, their follows
        in both directions, stories and story views, the messages they sent and
        received, the notifications they caused or received, their blocks,
        mutes and follow requests both ways, and their sessions all go.
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

    def followers(
        self, user_id: int, page: PageRequest, viewer_id: int | None
    ) -> list[FollowEntry]:
        """Return up to ``page.limit + 1`` followers of a user, newest follow first.

        Users with a block between them and the viewer are left out.
        """
        ...

    def following(
        self, user_id: int, page: PageRequest, viewer_id: int | None
    ) -> list[FollowEntry]:
        """Return up to ``page.limit + 1`` users a user follows, newest follow first.

        Users with a block between them and the viewer are left out.
        """
        ...
