"""The home feed: the viewer's own posts and those of everyone they follow."""

from __future__ import annotations

from socialfeed.models import FeedItem, Page
from socialfeed.pagination import DEFAULT_LIMIT, PageRequest, page_of
from socialfeed.services._base import Service, require_user
from socialfeed.services.posts import post_position
from socialfeed.storage.base import UnitOfWork

__all__ = ["FeedService"]


class FeedService(Service):
    """The pull feed, computed at read time from follows and posts.

    A page is one query whatever its size: each item comes with its author's
    username, its counters and whether the viewer liked it.
    """

    def home(
        self,
        user_id: int,
        *,
        limit: int = DEFAULT_LIMIT,
        cursor: str | None = None,
        offset: int = 0,
    ) -> Page[FeedItem]:
        """Return a page of the user's home feed, newest first, without muted authors."""
        page = PageRequest.build(limit, cursor, offset)
        now = self._clock.now()

        def work(uow: UnitOfWork) -> list[FeedItem]:
            require_user(uow, user_id)
            return uow.posts.home_feed(user_id, page, now)

        return page_of(self._read(work), page, lambda item: post_position(item.post))
