"""Likes: like, unlike, toggle, and "liked by me" for a page of posts."""

from __future__ import annotations

from collections.abc import Collection

from socialfeed.errors import NotFoundError, StorageConflictError
from socialfeed.events import Event, PostLiked, PostUnliked
from socialfeed.ids import PostId, UserId
from socialfeed.models import LikeState, Page, User
from socialfeed.pagination import DEFAULT_LIMIT, PageRequest
from socialfeed.services._lookups import (
    is_id,
    require_held,
    require_locked,
    user_page,
)
from socialfeed.services._service import Service
from socialfeed.services._visibility import require_visible_post
from socialfeed.storage.base import FollowEntry, UnitOfWork

__all__ = ["LikeService"]


class LikeService(Service):
    """Likes on posts. Liking twice is not an error and never makes a second like."""

    def like(self, user_id: UserId, post_id: PostId) -> LikeState:
        """Like a post; a post already liked stays liked, and no signal is sent."""
        return self._change(user_id, post_id, like=True)

    def unlike(self, user_id: UserId, post_id: PostId) -> LikeState:
        """Take back a like; a post not liked stays not liked, and no signal is sent."""
        return self._change(user_id, post_id, like=False)

    def toggle(self, user_id: UserId, post_id: PostId) -> LikeState:
        """Like the post if the user does not like it yet, otherwise unlike it, atomically."""
        return self._change(user_id, post_id, like=None)

    def liked_post_ids(self, user_id: UserId, post_ids: Collection[PostId]) -> frozenset[PostId]:
        """Return which of ``post_ids`` the user likes, in one query however many there are."""
        if not is_id(user_id):
            return frozenset()
        ids = {post_id for post_id in post_ids if is_id(post_id)}
        liked = self._read(lambda uow: uow.likes.liked_post_ids(user_id, ids))
        return frozenset(PostId(post_id) for post_id in liked)

    def likers(
        self,
        post_id: PostId,
        *,
        viewer_id: UserId | None = None,
        limit: int = DEFAULT_LIMIT,
        cursor: str | None = None,
        offset: int = 0,
    ) -> Page[User]:
        """Return who likes a post, the latest like first, as far as the viewer may see."""
        page = PageRequest.build(limit, cursor, offset)

        def work(uow: UnitOfWork) -> list[FollowEntry]:
            require_visible_post(uow, post_id, viewer_id)
            return uow.likes.likers(post_id, page, viewer_id)

        return user_page(self._read(work), page)

    def _change(self, user_id: UserId, post_id: PostId, *, like: bool | None) -> LikeState:
        now = self._clock.now()

        def work(uow: UnitOfWork) -> tuple[LikeState, list[Event]]:
            if like is None:
                # A toggle decides from what it finds, so two toggles of one
                # user must not both find the same state: they take turns on
                # the user's row. A like or unlike needs no turn: its one
                # insert or delete is the decision. Either way the user's row
                # is held before the post is read, so a block racing this
                # runs wholly before it (and is seen) or after (and removes
                # the like): see UserRepository.hold.
                require_locked(uow, user_id)
            else:
                require_held(uow, user_id)
            author_id = require_visible_post(uow, post_id, user_id).author_id
            if like is not False:
                count = uow.likes.add(user_id, post_id, now)
                if count is not None:
                    liked = PostLiked(
                        occurred_at=now, user_id=user_id, post_id=post_id, post_author_id=author_id
                    )
                    return LikeState(True, count), [liked]
                if like is True:
                    return _unchanged(uow, user_id, post_id, liked=True), []
            count = uow.likes.remove(user_id, post_id)
            if count is None:
                if like is None:
                    # The like this toggle found was taken back by an unlike
                    # in between: from the start, it now finds no like.
                    raise StorageConflictError("the like changed while it was toggled")
                return _unchanged(uow, user_id, post_id, liked=False), []
            unliked = PostUnliked(
                occurred_at=now, user_id=user_id, post_id=post_id, post_author_id=author_id
            )
            return LikeState(False, count), [unliked]

        return self._act(work)


def _unchanged(uow: UnitOfWork, user_id: int, post_id: int, *, liked: bool) -> LikeState:
    """The answer of a like or unlike that found nothing to do: the state it found.

    Read again rather than reuse the post read at the start, and the like
    and its count in one statement: a concurrent like or unlike made this
    one a no-op, and committed since. If another has undone that one in
    between too, the state is no longer the one found, and the action runs
    again (its answer must be a state that existed).
    """
    state = uow.likes.state(user_id, post_id)
    if state is None:
        raise NotFoundError("post")
    if state.liked != liked:
        raise StorageConflictError("the like changed while it was read")
    return state
