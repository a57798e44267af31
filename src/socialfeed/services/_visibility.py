"""Who may see whose profile, posts and lists: the rules every reading path applies.

What a viewer may not see is reported as not found, so that a hidden post
and a deleted one look the same from outside.
"""

from __future__ import annotations

from socialfeed.errors import NotFoundError, PermissionDeniedError, SocialFeedError
from socialfeed.models import Post, User
from socialfeed.services._lookups import is_id, require_post, require_user
from socialfeed.storage.base import UnitOfWork

__all__ = [
    "can_see_author",
    "can_see_content",
    "refusal",
    "require_content_owner",
    "require_profile",
    "require_visible_post",
    "visible_profile",
]


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
    return visible_profile(uow, require_user(uow, user_id), viewer_id)


def visible_profile(uow: UnitOfWork, user: User, viewer_id: int | None) -> User:
    """Return ``user``, already read, or NotFoundError("user") if they blocked the viewer."""
    if viewer_id is not None and viewer_id != user.id and uow.blocks.exists(user.id, viewer_id):
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
