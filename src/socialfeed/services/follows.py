"""Follows between users."""

from __future__ import annotations

from socialfeed.errors import AlreadyFollowingError, NotFollowingError, SelfActionError
from socialfeed.events import UserFollowed, UserUnfollowed
from socialfeed.services._base import Service, is_id, require_user
from socialfeed.storage.base import UnitOfWork

__all__ = ["FollowService"]


class FollowService(Service):
    """Following and unfollowing."""

    def follow(self, follower_id: int, followee_id: int) -> None:
        """Start following a user.

        Following yourself is a :class:`ValidationError`, following twice an
        :class:`AlreadyFollowingError`, an unknown user a :class:`NotFoundError`.
        """
        if follower_id == followee_id:
            raise SelfActionError("followee_id", "Cannot follow yourself")
        now = self._clock.now()

        def work(uow: UnitOfWork) -> None:
            require_user(uow, follower_id)
            require_user(uow, followee_id)
            if not uow.follows.add(follower_id, followee_id, now):
                raise AlreadyFollowingError("Already following")

        self._write(work)
        self._send(UserFollowed(occurred_at=now, follower_id=follower_id, followee_id=followee_id))

    def unfollow(self, follower_id: int, followee_id: int) -> None:
        """Stop following a user; :class:`NotFollowingError` if not following them."""
        if follower_id == followee_id:
            raise SelfActionError("followee_id", "Cannot unfollow yourself")
        now = self._clock.now()

        def work(uow: UnitOfWork) -> None:
            require_user(uow, follower_id)
            require_user(uow, followee_id)
            if not uow.follows.remove(follower_id, followee_id):
                raise NotFollowingError("Not following")

        self._write(work)
        self._send(
            UserUnfollowed(occurred_at=now, follower_id=follower_id, followee_id=followee_id)
        )

    def is_following(self, follower_id: int, followee_id: int) -> bool:
        """Tell whether ``follower_id`` follows ``followee_id``."""
        if not (is_id(follower_id) and is_id(followee_id)):
            return False
        return self._read(lambda uow: uow.follows.exists(follower_id, followee_id))
