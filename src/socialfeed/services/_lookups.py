"""Reading the rows an action names, with one answer for an id that names nothing."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from socialfeed.errors import NotFoundError
from socialfeed.models import MAX_ID, Comment, Page, Post, User
from socialfeed.pagination import PageRequest, Position, page_of
from socialfeed.storage.base import FollowEntry, UnitOfWork

__all__ = [
    "is_id",
    "lock_users",
    "require_comment",
    "require_held",
    "require_ids",
    "require_locked",
    "require_locked_post",
    "require_post",
    "require_user",
    "require_users_of",
    "user_page",
]

T = TypeVar("T")


def is_id(value: int) -> bool:
    """Tell whether ``value`` can name a stored row (ids are positive 64-bit integers)."""
    return 0 < value <= MAX_ID


def require_user(uow: UnitOfWork, user_id: int) -> User:
    """Return the user, or raise NotFoundError("user")."""
    user = uow.users.get(user_id) if is_id(user_id) else None
    if user is None:
        raise NotFoundError("user")
    return user


def lock_users(
    uow: UnitOfWork, *user_ids: int, deleting: bool = False, exclusive: bool = False
) -> dict[int, User]:
    """Lock the rows of these users until the transaction ends; return those that exist, by id.

    See `UserRepository.lock`: the first step of every action that changes
    or decides what holds between users. Ids no row can have are left out.
    """
    ids = {user_id for user_id in user_ids if is_id(user_id)}
    return uow.users.lock(ids, deleting=deleting, exclusive=exclusive)


def require_held(uow: UnitOfWork, user_id: int) -> User:
    """Return the user, held against a block until the end (`UserRepository.hold`).

    NotFoundError("user") if there is no such user.
    """
    user = uow.users.hold(user_id) if is_id(user_id) else None
    if user is None:
        raise NotFoundError("user")
    return user


def require_locked(
    uow: UnitOfWork,
    *user_ids: int,
    also: Iterable[int] = (),
    deleting: bool = False,
    exclusive: bool = False,
) -> list[User]:
    """Lock the rows of ``user_ids`` and ``also`` (`lock_users`); return the former, in order.

    NotFoundError("user") if one of ``user_ids`` does not exist; users of
    ``also`` are locked if they exist, and not required.
    """
    found = lock_users(uow, *user_ids, *also, deleting=deleting, exclusive=exclusive)
    if not all(user_id in found for user_id in user_ids):
        raise NotFoundError("user")
    return [found[user_id] for user_id in user_ids]


def require_post(uow: UnitOfWork, post_id: int) -> Post:
    """Return the post, or raise NotFoundError("post")."""
    post = uow.posts.get(post_id) if is_id(post_id) else None
    if post is None:
        raise NotFoundError("post")
    return post


def require_locked_post(uow: UnitOfWork, post_id: int) -> Post:
    """Lock the post's row until the transaction ends (`PostRepository.lock`) and return it.

    NotFoundError("post") if there is no such post.
    """
    post = uow.posts.lock(post_id) if is_id(post_id) else None
    if post is None:
        raise NotFoundError("post")
    return post


def require_comment(uow: UnitOfWork, comment_id: int) -> Comment:
    """Return the comment, or raise NotFoundError("comment")."""
    comment = uow.comments.get(comment_id) if is_id(comment_id) else None
    if comment is None:
        raise NotFoundError("comment")
    return comment


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
