"""Profiles: looking users up, editing a profile, and follower lists."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from socialfeed import validation
from socialfeed.errors import NotFoundError, ValidationError
from socialfeed.events import Event, ProfileUpdated, VisibilityChanged
from socialfeed.ids import UserId
from socialfeed.models import Page, User
from socialfeed.pagination import DEFAULT_LIMIT, PageRequest
from socialfeed.services._lookups import require_locked, require_user, user_page
from socialfeed.services._service import Service
from socialfeed.services._visibility import (
    require_content_owner,
    require_profile,
    visible_profile,
)
from socialfeed.services.follow_requests import approve_request
from socialfeed.storage.base import FollowEntry, UnitOfWork

__all__ = ["PROFILE_FIELDS", "UserService"]

PROFILE_FIELDS = frozenset({"full_name", "bio", "profile_image_url"})
"""The fields `UserService.update_profile` accepts; anything else is refused."""


class UserService(Service):
    """Public profiles and who follows whom."""

    def get(self, user_id: UserId, *, viewer_id: UserId | None = None) -> User:
        """Return a user's profile; `NotFoundError` if there is none.

        A user who blocked the viewer does not exist for them. A private
        account's profile is visible; its content is not.
        """
        return self._read(lambda uow: require_profile(uow, user_id, viewer_id))

    def get_by_username(self, username: str, *, viewer_id: UserId | None = None) -> User:
        """Return the user with this username, compared case-insensitively.

        Blanks around it are ignored, as `AccountService.login` ignores them.
        """
        try:
            key = validation.username_key(username)
        except ValidationError:
            raise NotFoundError("user") from None

        def work(uow: UnitOfWork) -> User:
            user = uow.users.get_by_username(key)
            if user is None:
                raise NotFoundError("user")
            return visible_profile(uow, user, viewer_id)

        return self._read(work)

    def set_private(self, user_id: UserId, is_private: bool) -> None:
        """Make an account private or public.

        Going private keeps every existing follower. Going public approves
        every pending follow request, as if the owner had approved each one;
        the one ``visibility_changed`` signal names them. The hashtags of the
        account's posts leave the public counts, search and trending when it
        goes private, and come back when it goes public.
        """
        now = self._clock.now()

        def work(uow: UnitOfWork) -> tuple[None, list[Event]]:
            # Going public turns the pending requests into follows, which count
            # on each requester: they are locked with the owner, in one order.
            requesters = [] if is_private else uow.follow_requests.requester_ids(user_id)
            [owner] = require_locked(uow, user_id, also=requesters)
            if owner.is_private == is_private:
                return None, []
            uow.users.set_private(user_id, is_private)
            # Tags count public accounts' posts only. The owner's lock keeps
            # their posts' links still meanwhile: whatever links or unlinks
            # their tags takes it first (`HashtagRepository`).
            uow.hashtags.count_author(user_id, -1 if is_private else +1)
            approved = [] if is_private else uow.follow_requests.requester_ids(user_id)
            approved_ids = tuple(UserId(requester_id) for requester_id in approved)
            for requester_id in approved:
                approve_request(uow, requester_id, user_id, now, self._timelines)
            changed = VisibilityChanged(
                occurred_at=now,
                user_id=user_id,
                is_private=is_private,
                approved_requester_ids=approved_ids,
            )
            return None, [changed]

        self._act(work)

    def update_profile(self, user_id: UserId, changes: Mapping[str, object]) -> User:
        """Change ``full_name``, ``bio`` and/or ``profile_image_url``; return the user.

        ``changes`` is typically a request body: only the keys present are
        applied, and ``None`` or an empty string clears a field. Any other key
        (``username``, ``email``, ``is_active``, a typo...) raises
        `ValidationError` naming it, and nothing is changed.
        """
        cleaned = _clean_profile(changes)
        now = self._clock.now()

        def work(uow: UnitOfWork) -> tuple[User, list[Event]]:
            user = require_user(uow, user_id)
            if not cleaned:
                return user, []
            updated = uow.users.update_profile(user_id, cleaned)
            return updated, [
                ProfileUpdated(occurred_at=now, user_id=user_id, fields=tuple(sorted(cleaned)))
            ]

        return self._act(work)

    def followers(
        self,
        user_id: UserId,
        *,
        viewer_id: UserId | None = None,
        limit: int = DEFAULT_LIMIT,
        cursor: str | None = None,
        offset: int = 0,
    ) -> Page[User]:
        """Return who follows a user, the most recent follow first.

        A private account's list is for its approved followers only.
        """
        page = PageRequest.build(limit, cursor, offset)
        return self._follow_list(
            user_id, viewer_id, page, lambda uow: uow.follows.followers(user_id, page, viewer_id)
        )

    def following(
        self,
        user_id: UserId,
        *,
        viewer_id: UserId | None = None,
        limit: int = DEFAULT_LIMIT,
        cursor: str | None = None,
        offset: int = 0,
    ) -> Page[User]:
        """Return whom a user follows, the most recent follow first.

        A private account's list is for its approved followers only.
        """
        page = PageRequest.build(limit, cursor, offset)
        return self._follow_list(
            user_id, viewer_id, page, lambda uow: uow.follows.following(user_id, page, viewer_id)
        )

    def _follow_list(
        self,
        user_id: int,
        viewer_id: int | None,
        page: PageRequest,
        fetch: Callable[[UnitOfWork], list[FollowEntry]],
    ) -> Page[User]:
        def work(uow: UnitOfWork) -> list[FollowEntry]:
            require_content_owner(uow, user_id, viewer_id)
            return fetch(uow)

        return user_page(self._read(work), page)


def _clean_profile(changes: Mapping[str, object]) -> dict[str, str | None]:
    cleaned: dict[str, str | None] = {}
    for name, value in changes.items():
        if name not in PROFILE_FIELDS:
            raise ValidationError(name, "is not a profile field that can be changed")
        if value is not None and not isinstance(value, str):
            raise ValidationError(name, "must be a string or null")
        if name == "profile_image_url":
            cleaned[name] = validation.optional_url(name, value)
        elif name == "full_name":
            cleaned[name] = validation.full_name(value)
        else:
            cleaned[name] = validation.bio(value)
    return cleaned
