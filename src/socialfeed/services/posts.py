"""Posts: create, read, edit and delete, and a user's own posts."""

from __future__ import annotations

from socialfeed import validation
from socialfeed.events import Event, PostCreated, PostDeleted, PostEdited
from socialfeed.ids import PostId, UserId
from socialfeed.models import Page, Post
from socialfeed.pagination import DEFAULT_LIMIT, PageRequest, Position, page_of
from socialfeed.services._lookups import (
    lock_users,
    require_post,
    require_user,
)
from socialfeed.services._service import Service
from socialfeed.services._visibility import refusal, require_content_owner, require_visible_post
from socialfeed.storage.base import UnitOfWork

__all__ = ["PostService", "post_position"]


class PostService(Service):
    """Posts and their authors' rights over them."""

    def create(
        self, author_id: UserId, *, content: str | None = None, image_url: str | None = None
    ) -> Post:
        """Publish a post with content (at most 2,200 characters), an image URL, or both."""
        text, url = validation.post_body(content, image_url)
        now = self._clock.now()

        def work(uow: UnitOfWork) -> tuple[Post, list[Event]]:
            require_user(uow, author_id)
            post = uow.posts.add(author_id, text, url, now)
            self._timelines.post_created(uow, post)
            return post, [
                PostCreated(occurred_at=now, post_id=post.id, author_id=author_id, content=text)
            ]

        return self._act(work)

    def get(self, post_id: PostId, *, viewer_id: UserId | None = None) -> Post:
        """Return a post; `NotFoundError` if there is none or the viewer may not see it."""
        return self._read(lambda uow: require_visible_post(uow, post_id, viewer_id))

    def edit(self, editor_id: UserId, post_id: PostId, content: str | None) -> Post:
        """Replace a post's content. Only its author may; a post keeps content or an image."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> tuple[Post, list[Event]]:
            post = require_post(uow, post_id)
            if post.author_id != editor_id:
                raise refusal(uow, post, editor_id, "Not your post")
            text, _ = validation.post_body(content, post.image_url)
            edited = uow.posts.set_content(post_id, text, now)
            return edited, [
                PostEdited(
                    occurred_at=now, post_id=post_id, author_id=editor_id, content=edited.content
                )
            ]

        return self._act(work)

    def delete(self, user_id: UserId, post_id: PostId) -> None:
        """Delete a post with its comments and likes. Only its author may."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> tuple[None, list[Event]]:
            # Users before posts, the order an account's deletion locks them
            # in (the deletion then locks the post: see PostRepository.delete).
            lock_users(uow, user_id)
            post = require_post(uow, post_id)
            if post.author_id != user_id:
                raise refusal(uow, post, user_id, "Not your post")
            uow.posts.delete(post_id)
            return None, [PostDeleted(occurred_at=now, post_id=post_id, author_id=user_id)]

        self._act(work)

    def by_author(
        self,
        author_id: UserId,
        *,
        viewer_id: UserId | None = None,
        limit: int = DEFAULT_LIMIT,
        cursor: str | None = None,
        offset: int = 0,
    ) -> Page[Post]:
        """Return a user's posts, newest first; a private account's only to its followers."""
        page = PageRequest.build(limit, cursor, offset)

        def work(uow: UnitOfWork) -> list[Post]:
            require_content_owner(uow, author_id, viewer_id)
            return uow.posts.by_author(author_id, page)

        return page_of(self._read(work), page, post_position)


def post_position(post: Post) -> Position:
    """Where a post stands in a newest-first list."""
    return Position(post.created_at, post.id)
