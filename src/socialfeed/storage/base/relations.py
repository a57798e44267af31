"""The relations area of the contract: blocks, mutes and follow requests, and counter repair.

Each backend implements these repositories in its own ``_relations`` module.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from attrs import frozen

from socialfeed.models import User
from socialfeed.pagination import PageRequest
from socialfeed.storage.base.people import FollowEntry

__all__ = [
    "BlockRepository",
    "FollowRequestRepository",
    "Interactions",
    "MaintenanceRepository",
    "MuteEntry",
    "MuteRepository",
    "RemovedLike",
]


@frozen
class MuteEntry:
    """One row of a mutes list: the muted user, since when, and until when."""

    user: User
    muted_at: datetime
    until: datetime | None


@frozen
class RemovedLike:
    """A like that a block removed: who liked which post, and that post's author."""

    user_id: int
    post_id: int
    post_author_id: int


@frozen
class Interactions:
    """What a block removed between two users: likes, and comments as (comment id, post id)."""

    likes: list[RemovedLike]
    comments: list[tuple[int, int]]


class BlockRepository(Protocol):
    """Blocks: one user shutting another out of their account and their content."""

    def add(self, blocker_id: int, blocked_id: int, created_at: datetime) -> bool:
        """Record a block; ``False`` if it already existed."""
        ...

    def remove(self, blocker_id: int, blocked_id: int) -> bool:
        """Lift a block; ``False`` if there was none."""
        ...

    def exists(self, blocker_id: int, blocked_id: int) -> bool:
        """Tell whether ``blocker_id`` blocks ``blocked_id``."""
        ...

    def blocked_users(self, blocker_id: int, page: PageRequest) -> list[FollowEntry]:
        """Return up to ``page.limit + 1`` users a user blocks, the latest block first."""
        ...

    def remove_interactions(self, user_id: int, other_id: int) -> Interactions:
        """Delete the likes and comments each of the two left on the other's posts; return them.

        The posts' like and comment counts drop with them, and the
        notifications of the comments go too.
        """
        ...


class MuteRepository(Protocol):
    """Mutes: one user keeping another out of their feeds and notifications, for good or a while."""

    def set(
        self, muter_id: int, muted_id: int, created_at: datetime, until: datetime | None
    ) -> None:
        """Mute a user, or change until when an existing mute runs."""
        ...

    def remove(self, muter_id: int, muted_id: int) -> bool:
        """Lift a mute; ``False`` if there was none."""
        ...

    def running(self, muter_id: int, muted_id: int, now: datetime) -> bool:
        """Tell whether a mute of ``muted_id`` by ``muter_id`` runs at ``now``."""
        ...

    def blocked_or_muted(self, user_id: int, other_id: int, now: datetime) -> bool:
        """Tell whether either user blocks the other or ``user_id`` mutes ``other_id``.

        One lookup: the check before notifying ``user_id`` of what ``other_id``
        did. It belongs to the mutes because it asks the mute's question
        (should ``user_id`` hear of ``other_id`` at ``now``, the mute's
        clock), to which a block either way is the strongest answer.
        """
        ...

    def muted_users(self, muter_id: int, now: datetime, page: PageRequest) -> list[MuteEntry]:
        """Return up to ``page.limit + 1`` mutes running at ``now``, the latest first."""
        ...


class FollowRequestRepository(Protocol):
    """Follow requests: who asks to follow a private account, until it approves or declines."""

    def add(self, requester_id: int, owner_id: int, created_at: datetime) -> bool:
        """Record a follow request; ``False`` if it already existed."""
        ...

    def remove(self, requester_id: int, owner_id: int) -> bool:
        """Remove a follow request; ``False`` if there was none."""
        ...

    def incoming(self, owner_id: int, page: PageRequest) -> list[FollowEntry]:
        """Return up to ``page.limit + 1`` users asking to follow ``owner_id``, latest first."""
        ...

    def outgoing(self, requester_id: int, page: PageRequest) -> list[FollowEntry]:
        """Return up to ``page.limit + 1`` users ``requester_id`` asked to follow, latest first."""
        ...

    def requester_ids(self, owner_id: int) -> list[int]:
        """Return everyone with a pending request to ``owner_id``, oldest request first."""
        ...


class MaintenanceRepository(Protocol):
    """Repairs that look at every row."""

    def reconcile_counters(self) -> int:
        """Recompute every denormalised counter from the rows; return how many were wrong."""
        ...
