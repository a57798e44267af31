"""Blocks and mutes: how a user keeps another away."""

from __future__ import annotations

from datetime import datetime

from socialfeed.errors import SelfActionError
from socialfeed.events import (
    CommentDeleted,
    Event,
    PostUnliked,
    UserBlocked,
    UserMuted,
    UserUnblocked,
    UserUnmuted,
)
from socialfeed.ids import CommentId, PostId, UserId
from socialfeed.models import Mute, Page, User
from socialfeed.pagination import DEFAULT_LIMIT, PageRequest, Position, page_of
from socialfeed.services._lookups import (
    is_id,
    require_locked,
    require_user,
    user_page,
)
from socialfeed.services._service import Service
from socialfeed.storage.base import FollowEntry, MuteEntry, UnitOfWork
from socialfeed.validation import utc_time

__all__ = ["BlockService", "MuteService"]


class BlockService(Service):
    """Blocking another user.

    A block ends the follows between the two in both directions (counters
    fixed), rejects pending follow requests between them, and removes the
    likes and comments each left on the other's posts (counters fixed, one
    `PostUnliked` or `CommentDeleted`, by the blocker, for each, after
    `UserBlocked`); unblocking brings none of them back. From then on
    neither can follow, like, comment on, message or see the other's
    content, and the notifications between them, either way, are hidden
    from both; the blocked user finds the blocker not found. Unblocking
    restores no follow or request; the notifications show again.
    """

    def block(self, blocker_id: UserId, blocked_id: UserId) -> None:
        """Block a user; blocking them again changes nothing and sends nothing."""
        if blocker_id == blocked_id:
            raise SelfActionError("blocked_id", "Cannot block yourself")
        now = self._clock.now()

        def work(uow: UnitOfWork) -> tuple[None, list[Event]]:
            # Locked first, exclusively: a follow, request, approval, like or
            # comment racing the block waits for it, and then finds it (see
            # UserRepository.lock and hold).
            require_locked(uow, blocker_id, blocked_id, exclusive=True)
            if not uow.blocks.add(blocker_id, blocked_id, now):
                return None, []
            for a, b in ((blocker_id, blocked_id), (blocked_id, blocker_id)):
                if uow.follows.remove(a, b):
                    self._timelines.unfollowed(uow, a, b)
                uow.follow_requests.remove(a, b)
            removed = uow.blocks.remove_interactions(blocker_id, blocked_id)
            events: list[Event] = [
                UserBlocked(occurred_at=now, blocker_id=blocker_id, blocked_id=blocked_id)
            ]
            events += [
                PostUnliked(
                    occurred_at=now,
                    user_id=UserId(like.user_id),
                    post_id=PostId(like.post_id),
                    post_author_id=UserId(like.post_author_id),
                )
                for like in removed.likes
            ]
            events += [
                CommentDeleted(
                    occurred_at=now,
                    comment_id=CommentId(comment_id),
                    post_id=PostId(post_id),
                    deleted_by=blocker_id,
                )
                for comment_id, post_id in removed.comments
            ]
            return None, events

        self._act(work)

    def unblock(self, blocker_id: UserId, blocked_id: UserId) -> None:
        """Lift a block; lifting one that does not exist changes nothing and sends nothing."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> tuple[None, list[Event]]:
            require_locked(uow, blocker_id, also=[blocked_id])
            if not (is_id(blocked_id) and uow.blocks.remove(blocker_id, blocked_id)):
                return None, []
            return None, [
                UserUnblocked(occurred_at=now, blocker_id=blocker_id, blocked_id=blocked_id)
            ]

        self._act(work)

    def is_blocking(self, blocker_id: UserId, blocked_id: UserId) -> bool:
        """Tell whether ``blocker_id`` blocks ``blocked_id``."""
        if not (is_id(blocker_id) and is_id(blocked_id)):
            return False
        return self._read(lambda uow: uow.blocks.exists(blocker_id, blocked_id))

    def list(
        self,
        user_id: UserId,
        *,
        limit: int = DEFAULT_LIMIT,
        cursor: str | None = None,
        offset: int = 0,
    ) -> Page[User]:
        """Return the users a user blocks, the latest block first."""
        page = PageRequest.build(limit, cursor, offset)

        def work(uow: UnitOfWork) -> list[FollowEntry]:
            require_user(uow, user_id)
            return uow.blocks.blocked_users(user_id, page)

        return user_page(self._read(work), page)


class MuteService(Service):
    """Muting another user: their posts and stories leave my feeds, and they stop notifying me.

    Nothing is shown to the muted user, and nothing else changes between the two.
    """

    def mute(self, muter_id: UserId, muted_id: UserId, *, until: datetime | None = None) -> None:
        """Mute a user until ``until`` (a future time) or until unmuted; muting again updates it."""
        if muter_id == muted_id:
            raise SelfActionError("muted_id", "Cannot mute yourself")
        now = self._clock.now()
        if until is not None:
            until = utc_time("until", until, now=now, future=True)

        def work(uow: UnitOfWork) -> tuple[None, list[Event]]:
            require_user(uow, muter_id)
            require_user(uow, muted_id)
            uow.mutes.set(muter_id, muted_id, now, until)
            return None, [
                UserMuted(occurred_at=now, muter_id=muter_id, muted_id=muted_id, until=until)
            ]

        self._act(work)

    def unmute(self, muter_id: UserId, muted_id: UserId) -> None:
        """Lift a mute; lifting one that does not exist changes nothing and sends nothing."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> tuple[None, list[Event]]:
            require_user(uow, muter_id)
            if not (is_id(muted_id) and uow.mutes.remove(muter_id, muted_id)):
                return None, []
            return None, [UserUnmuted(occurred_at=now, muter_id=muter_id, muted_id=muted_id)]

        self._act(work)

    def is_muting(self, muter_id: UserId, muted_id: UserId) -> bool:
        """Tell whether a mute of ``muted_id`` by ``muter_id`` runs now."""
        if not (is_id(muter_id) and is_id(muted_id)):
            return False
        now = self._clock.now()
        return self._read(lambda uow: uow.mutes.running(muter_id, muted_id, now))

    def list(
        self,
        user_id: UserId,
        *,
        limit: int = DEFAULT_LIMIT,
        cursor: str | None = None,
        offset: int = 0,
    ) -> Page[Mute]:
        """Return the mutes of a user that still run, the latest first."""
        page = PageRequest.build(limit, cursor, offset)
        now = self._clock.now()

        def work(uow: UnitOfWork) -> list[MuteEntry]:
            require_user(uow, user_id)
            return uow.mutes.muted_users(user_id, now, page)

        entries = page_of(self._read(work), page, lambda e: Position(e.muted_at, e.user.id))
        return Page(tuple(Mute(e.user, e.until) for e in entries.items), entries.next_cursor)
