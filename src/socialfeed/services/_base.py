"""What every service shares: the transaction runner and the signal dispatcher."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from attrs import frozen

from socialfeed.clock import Clock
from socialfeed.errors import (
    NotFoundError,
    PermissionDeniedError,
    SocialFeedError,
    StorageConflictError,
)
from socialfeed.events import Event
from socialfeed.models import MAX_ID, Comment, Page, Post, User
from socialfeed.pagination import PageRequest, Position, page_of
from socialfeed.security import PasswordHasher
from socialfeed.services._delivery import Delivery
from socialfeed.services._timelines import TimelineKeeper
from socialfeed.settings import Settings
from socialfeed.storage.base import FollowEntry, Storage, UnitOfWork
from socialfeed.timelines import TimelineStore

if TYPE_CHECKING:
    from socialfeed.services.notifications import NotificationRenderer

T = TypeVar("T")


@frozen
class Context:
    """The parts a facade wires once and every service of it shares."""

    sender: object
    storage: Storage
    settings: Settings
    clock: Clock
    hasher: PasswordHasher
    renderer: NotificationRenderer
    delivery: Delivery
    timeline_store: TimelineStore | None = None


class Service:
    """Base of the services: runs actions in transactions and sends their events."""

    def __init__(self, context: Context) -> None:
        self._context = context
        self._storage = context.storage
        self._settings = context.settings
        self._clock = context.clock
        self._timelines = TimelineKeeper(context.settings, context.timeline_store)

    def _write(self, work: Callable[[UnitOfWork], T]) -> T:
        """Run ``work`` in one write transaction and return what it returned.

        When the database reports a serialization failure or a deadlock, the
        whole transaction runs again, up to ``Settings.max_attempts`` times,
        with a short random pause so that the competitors spread out.
        """
        attempt = 1
        while True:
            try:
                with self._storage.transaction() as uow:
                    return work(uow)
            except StorageConflictError:
                if attempt >= self._settings.max_attempts:
                    raise
                time.sleep(random.uniform(0, 0.01 * 2**attempt))
                attempt += 1

    def _read(self, work: Callable[[UnitOfWork], T]) -> T:
        """Run ``work`` in one read-only transaction."""
        with self._storage.transaction(write=False) as uow:
            return work(uow)

    def _act(self, work: Callable[[UnitOfWork], tuple[T, Sequence[Event]]]) -> T:
        """Run an action that announces events: ``work`` returns its result and its events.

        The events are recorded in the outbox inside the action's transaction
        (with ``Settings.outbox``) and sent to the receivers after the commit;
        see `Delivery`. An action that changed nothing returns no events.
        """
        delivery = self._context.delivery

        def run(uow: UnitOfWork) -> tuple[T, Sequence[Event], list[int]]:
            result, events = work(uow)
            return result, events, delivery.record(uow, events)

        result, events, record_ids = self._write(run)
        delivery.deliver(events, record_ids)
        return result


def is_id(value: int) -> bool:
    """Tell whether ``value`` can name a stored row (ids are positive 64-bit integers)."""
    return 0 < value <= MAX_ID


def require_user(uow: UnitOfWork, user_id: int) -> User:
    """Return the user, or raise NotFoundError("user")."""
    user = uow.users.get(user_id) if is_id(user_id) else None
    if user is None:
        raise NotFoundError("user")
    return user


def require_post(uow: UnitOfWork, post_id: int) -> Post:
    """Return the post, or raise NotFoundError("post")."""
    post = uow.posts.get(post_id) if is_id(post_id) else None
    if post is None:
        raise NotFoundError("post")
    return post


def require_comment(uow: UnitOfWork, comment_id: int) -> Comment:
    """Return the comment, or raise NotFoundError("comment")."""
    comment = uow.comments.get(comment_id) if is_id(comment_id) else None
    if comment is None:
        raise NotFoundError("comment")
    return comment


def can_see_content(uow: UnitOfWork, viewer_id: int | None, owner: User) -> bool:
    """Tell whether the viewer may see ``owner``'s posts, stories and lists.

    The owner always; nobody across a block; a private account's content only
    its approved followers; anyone else's content everyone, anonymous included.
    The storage backends apply the same rule inside their list queries.
    """
    if viewer_id == owner.id:
        return True
    if viewer_id is None:
        return not owner.is_private
    return uow.users.can_see(viewer_id, owner.id)


def require_profile(uow: UnitOfWork, user_id: int, viewer_id: int | None) -> User:
    """Return a user's profile, or NotFoundError("user") if they blocked the viewer."""
    user = require_user(uow, user_id)
    if viewer_id is not None and viewer_id != user_id and uow.blocks.exists(user_id, viewer_id):
        raise NotFoundError("user")
    return user


def require_content_owner(uow: UnitOfWork, user_id: int, viewer_id: int | None) -> None:
    """Raise NotFoundError("user") unless the user exists and the viewer may see their content."""
    if viewer_id is None or viewer_id == user_id:
        if not can_see_content(uow, viewer_id, require_user(uow, user_id)):
            raise NotFoundError("user")
    elif not (is_id(user_id) and uow.users.can_see(viewer_id, user_id)):
        # One query: can_see is false for a user who does not exist.
        raise NotFoundError("user")


def can_see_author(uow: UnitOfWork, viewer_id: int | None, author_id: int) -> bool:
    """Tell whether the viewer may see the content of ``author_id``, an existing user.

    The same rule as `can_see_content`, but from the author's id: only an
    anonymous viewer needs the author read (for their privacy); for anyone
    else one ``can_see`` lookup decides.
    """
    if viewer_id is None:
        return can_see_content(uow, None, require_user(uow, author_id))
    return viewer_id == author_id or uow.users.can_see(viewer_id, author_id)


def require_visible_post(uow: UnitOfWork, post_id: int, viewer_id: int | None) -> Post:
    """Return the post, or NotFoundError("post") if it does not exist or is hidden."""
    post = require_post(uow, post_id)
    if not can_see_author(uow, viewer_id, post.author_id):
        raise NotFoundError("post")
    return post


def refusal(uow: UnitOfWork, post: Post, user_id: int, message: str) -> SocialFeedError:
    """Return the error for a user who may not change ``post`` or what hangs on it.

    Who may not even see the post is told it does not exist, as the reading paths
    would; only who can see it learns that it is not theirs.
    """
    if not can_see_author(uow, user_id, post.author_id):
        return NotFoundError("post")
    return PermissionDeniedError(message)


def require_users_of(uow: UnitOfWork, rows: list[T], *user_ids: int) -> list[T]:
    """Return a page of ``rows`` read for ``user_ids``, or NotFoundError("user") for one missing.

    A row of the page names these users, and rows go with their users (ON
    DELETE CASCADE), so only an empty page needs the users looked up: a
    page costs one query, not one per user and one for the list. Check the
    ids with `require_ids` before the list query.
    """
    if not rows:
        for user_id in user_ids:
            require_user(uow, user_id)
    return rows


def require_ids(*user_ids: int) -> None:
    """Raise NotFoundError("user") for an id no stored user can have, before any query."""
    if not all(is_id(user_id) for user_id in user_ids):
        raise NotFoundError("user")


def user_page(entries: list[FollowEntry], page: PageRequest) -> Page[User]:
    """Turn (user, time) entries fetched for ``page`` into a page of users."""
    entry_page = page_of(entries, page, lambda e: Position(e.followed_at, e.user.id))
    return Page(tuple(entry.user for entry in entry_page.items), entry_page.next_cursor)
