"""Follows between users."""

from __future__ import annotations

from socialfeed.errors import (
    AlreadyFollowingError,
    BlockedError,
    ConflictError,
    NotFollowingError,
    SelfActionError,
)
from socialfeed.events import Event, FollowRequested, UserFollowed, UserUnfollowed
from socialfeed.ids import UserId
from socialfeed.models import FollowOutcome
from socialfeed.services._lookups import is_id, require_locked
from socialfeed.services._service import Service
from socialfeed.services._visibility import visible_profile
from socialfeed.storage.base import UnitOfWork

__all__ = ["FollowService"]


class FollowService(Service):
    """Following and unfollowing."""

    def follow(self, follower_id: UserId, followee_id: UserId) -> FollowOutcome:
        """Follow a user, or ask to when their account is private.

        Returns ``"following"``, or ``"requested"`` when a follow request was
        made (see `FollowRequestService`). Following yourself is a
        `SelfActionError`, following twice an `AlreadyFollowingError`
        (asking twice a `ConflictError`), and an unknown user, or one who
        blocked you, a `NotFoundError`; following someone you blocked is
        a `BlockedError`.
        """
        if follower_id == followee_id:
            raise SelfActionError("followee_id", "Cannot follow yourself")
        now = self._clock.now()

        def work(uow: UnitOfWork) -> tuple[FollowOutcome, list[Event]]:
            # Locked first: a block, a change of privacy or a deletion racing
            # this follow waits for it, or it for them (see UserRepository.lock).
            _, followee = require_locked(uow, follower_id, followee_id)
            visible_profile(uow, followee, follower_id)
            if uow.blocks.exists(follower_id, followee_id):
                raise BlockedError("You blocked this user")
            if followee.is_private and not uow.follows.exists(follower_id, followee_id):
                if not uow.follow_requests.add(follower_id, followee_id, now):
                    raise ConflictError("Follow request already sent")
                return "requested", [
                    FollowRequested(occurred_at=now, requester_id=follower_id, owner_id=followee_id)
                ]
            # The insert itself decides a race between two identical follows.
            if not uow.follows.add(follower_id, followee_id, now):
                raise AlreadyFollowingError("Already following")
            self._timelines.followed(uow, follower_id, followee_id)
            return "following", [
                UserFollowed(occurred_at=now, follower_id=follower_id, followee_id=followee_id)
            ]

        return self._act(work)

    def unfollow(self, follower_id: UserId, followee_id: UserId) -> None:
        """Stop following a user; `NotFollowingError` if not following them."""
        if follower_id == followee_id:
            raise SelfActionError("followee_id", "Cannot unfollow yourself")
        now = self._clock.now()

        def work(uow: UnitOfWork) -> tuple[None, list[Event]]:
            require_locked(uow, follower_id, followee_id)
            if not uow.follows.remove(follower_id, followee_id):
                raise NotFollowingError("Not following")
            self._timelines.unfollowed(uow, follower_id, followee_id)
            return None, [
                UserUnfollowed(occurred_at=now, follower_id=follower_id, followee_id=followee_id)
            ]

        self._act(work)

    def is_following(self, follower_id: UserId, followee_id: UserId) -> bool:
        """Tell whether ``follower_id`` follows ``followee_id``."""
        if not (is_id(follower_id) and is_id(followee_id)):
            return False
        return self._read(lambda uow: uow.follows.exists(follower_id, followee_id))
