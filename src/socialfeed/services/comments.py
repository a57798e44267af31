"""Comments on posts."""

from __future__ import annotations

from socialfeed import validation
from socialfeed.events import CommentAdded, CommentDeleted, Event
from socialfeed.ids import CommentId, PostId, UserId
from socialfeed.models import Comment, Page
from socialfeed.pagination import DEFAULT_LIMIT, PageRequest, Position, page_of
from socialfeed.services._lookups import require_comment, require_held, require_post
from socialfeed.services._service import Service
from socialfeed.services._visibility import refusal, require_visible_post
from socialfeed.storage.base import UnitOfWork

__all__ = ["CommentService"]


class CommentService(Service):
    """Adding, listing and deleting comments."""

    def add(self, author_id: UserId, post_id: PostId, content: str) -> Comment:
        """Comment on a post: 1 to 2,200 characters once trimmed."""
        text = validation.comment_content(content)
        now = self._clock.now()

        def work(uow: UnitOfWork) -> tuple[Comment, list[Event]]:
            # Held before the post is read: a block racing this comes wholly
            # before it (and is seen) or after (and removes the comment).
            require_held(uow, author_id)
            post = require_visible_post(uow, post_id, author_id)
            comment = uow.comments.add(post_id, author_id, text, now)
            added = CommentAdded(
                occurred_at=now,
                comment_id=comment.id,
                post_id=post_id,
                post_author_id=post.author_id,
                author_id=author_id,
                content=text,
            )
            return comment, [added]

        return self._act(work)

    def for_post(
        self,
        post_id: PostId,
        *,
        viewer_id: UserId | None = None,
        limit: int = DEFAULT_LIMIT,
        cursor: str | None = None,
        offset: int = 0,
    ) -> Page[Comment]:
        """Return a post's comments that the viewer may see, newest first."""
        page = PageRequest.build(limit, cursor, offset)

        def work(uow: UnitOfWork) -> list[Comment]:
            require_visible_post(uow, post_id, viewer_id)
            return uow.comments.for_post(post_id, page, viewer_id)

        return page_of(self._read(work), page, lambda c: Position(c.created_at, c.id))

    def delete(self, user_id: UserId, comment_id: CommentId) -> None:
        """Delete a comment. Its author and the post's author may."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> tuple[None, list[Event]]:
            comment = require_comment(uow, comment_id)
            post = require_post(uow, comment.post_id)
            if user_id not in (comment.author_id, post.author_id):
                raise refusal(uow, post, user_id, "Not your comment")
            uow.comments.delete(comment_id)
            deleted = CommentDeleted(
                occurred_at=now, comment_id=comment_id, post_id=comment.post_id, deleted_by=user_id
            )
            return None, [deleted]

        self._act(work)
