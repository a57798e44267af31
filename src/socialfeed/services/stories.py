"""Stories: posts that disappear after a while, and who saw them."""

from __future__ import annotations

from datetime import datetime

import attrs

from socialfeed import validation
from socialfeed.errors import NotFoundError, PermissionDeniedError
from socialfeed.events import Event, StoryCreated, StoryDeleted, StoryViewed
from socialfeed.ids import StoryId, UserId
from socialfeed.models import Page, Story, StoryGroup, StoryItem, StoryViewer
from socialfeed.pagination import DEFAULT_LIMIT, PageRequest, Position, page_of
from socialfeed.services._lookups import is_id, require_user
from socialfeed.services._service import Service
from socialfeed.services._visibility import can_see_content, require_content_owner
from socialfeed.storage.base import UnitOfWork

__all__ = ["StoryService"]


class StoryService(Service):
    """Stories expire ``Settings.story_lifetime`` after they were posted (24 hours by default).

    An expired story is in no list, and to anyone but its author it does not
    exist: reading, viewing or deleting it is `NotFoundError`. An
    active story can be read and viewed by whoever may see its author's
    content (everyone for a public account, approved followers for a private
    one, nobody across a block); muted authors leave the story feed.
    """

    def create(
        self, author_id: UserId, *, content: str | None = None, image_url: str | None = None
    ) -> Story:
        """Post a story with text (at most 2,200 characters), an image URL, or both."""
        text, url = validation.post_body(content, image_url, kind="story")
        now = self._clock.now()
        expires_at = now + self._settings.story_lifetime

        def work(uow: UnitOfWork) -> tuple[Story, list[Event]]:
            require_user(uow, author_id)
            story = uow.stories.add(author_id, text, url, now, expires_at)
            return story, [StoryCreated(occurred_at=now, story_id=story.id, author_id=author_id)]

        return self._act(work)

    def get(self, story_id: StoryId, *, viewer_id: UserId) -> Story:
        """Return a story; expired ones only to their author."""
        now = self._clock.now()
        return self._read(lambda uow: _require_story(uow, story_id, viewer_id, now))

    def delete(self, user_id: UserId, story_id: StoryId) -> None:
        """Delete a story. Only its author may."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> tuple[None, list[Event]]:
            story = _require_story(uow, story_id, user_id, now)
            if story.author_id != user_id:
                raise PermissionDeniedError("Not your story")
            uow.stories.delete(story_id)
            return None, [StoryDeleted(occurred_at=now, story_id=story_id, author_id=user_id)]

        self._act(work)

    def active(self, author_id: UserId, *, viewer_id: UserId | None = None) -> tuple[Story, ...]:
        """Return a user's unexpired stories, newest first, if the viewer may see them."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> list[Story]:
            require_content_owner(uow, author_id, viewer_id)
            return uow.stories.active_by_author(author_id, now)

        return tuple(self._read(work))

    def feed(self, user_id: UserId) -> tuple[StoryGroup, ...]:
        """Return the active stories of the people the user follows, and their own.

        Stories are grouped by author, newest first within a group. Authors
        with a story the user has not seen come first; within each part,
        the author with the newest story leads. The user's own stories
        count as seen.
        """
        now = self._clock.now()

        def work(uow: UnitOfWork) -> list[StoryItem]:
            require_user(uow, user_id)
            return uow.stories.feed(user_id, now)

        by_author: dict[UserId, list[StoryItem]] = {}
        for item in self._read(work):
            own = item.story.author_id == user_id
            by_author.setdefault(item.story.author_id, []).append(
                attrs.evolve(item, seen=True) if own else item
            )
        groups = [
            StoryGroup(author_id, items[0].story.author_username, tuple(items))
            for author_id, items in by_author.items()
        ]
        return tuple(sorted(groups, key=lambda group: not group.has_unseen))

    def view(self, viewer_id: UserId, story_id: StoryId) -> None:
        """Record that a user saw a story; seeing it again, or your own, records nothing."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> tuple[None, list[Event]]:
            story = _require_story(uow, story_id, viewer_id, now)
            require_user(uow, viewer_id)
            if story.author_id == viewer_id or not uow.stories.add_view(story_id, viewer_id, now):
                return None, []
            viewed = StoryViewed(
                occurred_at=now, story_id=story_id, author_id=story.author_id, viewer_id=viewer_id
            )
            return None, [viewed]

        self._act(work)

    def viewers(
        self,
        story_id: StoryId,
        *,
        viewer_id: UserId,
        limit: int = DEFAULT_LIMIT,
        cursor: str | None = None,
        offset: int = 0,
    ) -> Page[StoryViewer]:
        """Return who saw a story, most recent first. Only its author may ask."""
        page = PageRequest.build(limit, cursor, offset)
        now = self._clock.now()

        def work(uow: UnitOfWork) -> list[StoryViewer]:
            story = _require_story(uow, story_id, viewer_id, now)
            if story.author_id != viewer_id:
                raise PermissionDeniedError("Not your story")
            return uow.stories.viewers(story_id, page, viewer_id)

        return page_of(self._read(work), page, lambda v: Position(v.viewed_at, v.user.id))


def _require_story(uow: UnitOfWork, story_id: int, viewer_id: int, now: datetime) -> Story:
    story = uow.stories.get(story_id) if is_id(story_id) else None
    if story is None or (story.expires_at <= now and story.author_id != viewer_id):
        raise NotFoundError("story")
    if not can_see_content(uow, viewer_id, require_user(uow, story.author_id)):
        raise NotFoundError("story")
    return story
