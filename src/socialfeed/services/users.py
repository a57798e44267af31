"""Profiles: looking users up, editing a profile, and follower lists."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from socialfeed import validation
from socialfeed.errors import NotFoundError, ValidationError
from socialfeed.events import ProfileUpdated
from socialfeed.models import Page, User
from socialfeed.pagination import DEFAULT_LIMIT, PageRequest, Position, page_of
from socialfeed.services._base import Service, require_user
from socialfeed.storage.base import FollowEntry, UnitOfWork

__all__ = ["PROFILE_FIELDS", "UserService"]

#: The fields :meth:`UserService.update_profile` accepts; anything else is refused.
PROFILE_FIELDS = frozenset({"full_name", "bio", "profile_image_url"})


class UserService(Service):
    """Public profiles and who follows whom."""

    def get(self, user_id: int) -> User:
        """Return a user's profile; :class:`NotFoundError` if there is none."""
        return self._read(lambda uow: require_user(uow, user_id))

    def get_by_username(self, username: str) -> User:
        """Return the user with this username, compared case-insensitively."""
        try:
            key = validation.identity_key(validation.username(username))
        except ValidationError:
            raise NotFoundError("user") from None
        user = self._read(lambda uow: uow.users.get_by_username(key))
        if user is None:
            raise NotFoundError("user")
        return user

    def update_profile(self, user_id: int, changes: Mapping[str, object]) -> User:
        """Change ``full_name``, ``bio`` and/or ``profile_image_url``; return the user.

        ``changes`` is typically a request body: only the keys present are
        applied, and ``None`` or an empty string clears a field. Any other key
        (``username``, ``email``, ``is_active``, a typo...) raises
        :class:`ValidationError` naming it, and nothing is changed.
        """
        cleaned = _clean_profile(changes)
        now = self._clock.now()

        def work(uow: UnitOfWork) -> User:
            user = require_user(uow, user_id)
            return uow.users.update_profile(user_id, cleaned) if cleaned else user

        user = self._write(work)
        if cleaned:
            self._send(
                ProfileUpdated(occurred_at=now, user_id=user_id, fields=tuple(sorted(cleaned)))
            )
        return user

    def followers(
        self,
        user_id: int,
        *,
        limit: int = DEFAULT_LIMIT,
        cursor: str | None = None,
        offset: int = 0,
    ) -> Page[User]:
        """Return who follows a user, the most recent follow first."""
        page = PageRequest.build(limit, cursor, offset)
        return self._follow_list(user_id, page, lambda uow: uow.follows.followers(user_id, page))

    def following(
        self,
        user_id: int,
        *,
        limit: int = DEFAULT_LIMIT,
        cursor: str | None = None,
        offset: int = 0,
    ) -> Page[User]:
        """Return whom a user follows, the most recent follow first."""
        page = PageRequest.build(limit, cursor, offset)
        return self._follow_list(user_id, page, lambda uow: uow.follows.following(user_id, page))

    def _follow_list(
        self, user_id: int, page: PageRequest, fetch: Callable[[UnitOfWork], list[FollowEntry]]
    ) -> Page[User]:
        def work(uow: UnitOfWork) -> list[FollowEntry]:
            require_user(uow, user_id)
            return fetch(uow)

        entries = page_of(self._read(work), page, lambda e: Position(e.followed_at, e.user.id))
        return Page(tuple(entry.user for entry in entries.items), entries.next_cursor)


def _clean_profile(changes: Mapping[str, object]) -> dict[str, str | None]:
    cleaned: dict[str, str | None] = {}
    for name, value in changes.items():
        if name not in PROFILE_FIELDS:
            raise ValidationError(name, "is not a profile field that can be changed")
        if value is not None and not isinstance(value, str):
            raise ValidationError(name, "must be a string or null")
        if name == "profile_image_url":
            cleaned[name] = validation.optional_url(name, value)
        else:
            limit = (
                validation.MAX_FULL_NAME_LENGTH
                if name == "full_name"
                else validation.MAX_BIO_LENGTH
            )
            cleaned[name] = validation.optional_text(name, value, limit)
    return cleaned
