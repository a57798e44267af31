"""Follow requests: how private accounts choose their followers."""

from __future__ import annotations

from datetime import datetime

from socialfeed.errors import NotFoundError
from socialfeed.events import (
    Event,
    FollowRequestApproved,
    FollowRequestRejected,
    FollowRequestWithdrawn,
)
from socialfeed.ids import UserId
from socialfeed.models import Page, User
from socialfeed.pagination import DEFAULT_LIMIT, PageRequest
from socialfeed.services._lookups import is_id, lock_users, require_locked, require_user, user_page
from socialfeed.services._service import Service
from socialfeed.services._timelines import TimelineKeeper
from socialfeed.storage.base import FollowEntry, UnitOfWork

__all__ = ["FollowRequestService", "approve_request"]


class FollowRequestService(Service):
    """Requests to follow a private account: approve, reject, withdraw, and list them.

    `FollowService.follow` makes a request when the account is private.
    """

    def approve(self, owner_id: UserId, requester_id: UserId) -> None:
        """Approve a request: the requester now follows the owner.

        One action, one signal: ``follow_request_approved``, not also
        ``user_followed`` (the notification handler listens to both).
        """
        now = self._clock.now()

        def work(uow: UnitOfWork) -> tuple[None, list[Event]]:
            require_locked(uow, owner_id, also=[requester_id])
            approve_request(uow, requester_id, owner_id, now, self._timelines)
            return None, [
                FollowRequestApproved(occurred_at=now, requester_id=requester_id, owner_id=owner_id)
            ]

        self._act(work)

    def reject(self, owner_id: UserId, requester_id: UserId) -> None:
        """Reject a request; the requester may ask again later."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> tuple[None, list[Event]]:
            lock_users(uow, owner_id, requester_id)
            _remove(uow, requester_id, owner_id)
            return None, [
                FollowRequestRejected(occurred_at=now, requester_id=requester_id, owner_id=owner_id)
            ]

        self._act(work)

    def withdraw(self, requester_id: UserId, owner_id: UserId) -> None:
        """Take back your own request."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> tuple[None, list[Event]]:
            lock_users(uow, requester_id, owner_id)
            _remove(uow, requester_id, owner_id)
            return None, [
                FollowRequestWithdrawn(
                    occurred_at=now, requester_id=requester_id, owner_id=owner_id
                )
            ]

        self._act(work)

    def incoming(
        self,
        owner_id: UserId,
        *,
        limit: int = DEFAULT_LIMIT,
        cursor: str | None = None,
        offset: int = 0,
    ) -> Page[User]:
        """Return who asks to follow the owner, the latest request first."""
        page = PageRequest.build(limit, cursor, offset)

        def work(uow: UnitOfWork) -> list[FollowEntry]:
            require_user(uow, owner_id)
            return uow.follow_requests.incoming(owner_id, page)

        return user_page(self._read(work), page)

    def outgoing(
        self,
        requester_id: UserId,
        *,
        limit: int = DEFAULT_LIMIT,
        cursor: str | None = None,
        offset: int = 0,
    ) -> Page[User]:
        """Return whom the requester asked to follow, the latest request first."""
        page = PageRequest.build(limit, cursor, offset)

        def work(uow: UnitOfWork) -> list[FollowEntry]:
            require_user(uow, requester_id)
            return uow.follow_requests.outgoing(requester_id, page)

        return user_page(self._read(work), page)


def approve_request(
    uow: UnitOfWork, requester_id: int, owner_id: int, now: datetime, timelines: TimelineKeeper
) -> None:
    """Turn a pending request into a follow, in the caller's transaction."""
    _remove(uow, requester_id, owner_id)
    if uow.follows.add(requester_id, owner_id, now):
        timelines.followed(uow, requester_id, owner_id)


def _remove(uow: UnitOfWork, requester_id: int, owner_id: int) -> None:
    ids_valid = is_id(requester_id) and is_id(owner_id)
    if not (ids_valid and uow.follow_requests.remove(requester_id, owner_id)):
        raise NotFoundError("follow request", "Follow request not found")
