"""The content area of the contract: posts and the pull home feed, comments, likes, hashtags.

Each backend implements these repositories in its own ``_content`` module.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol

from socialfeed.models import Comment, FeedItem, Hashtag, LikeState, Post, TrendingHashtag
from socialfeed.pagination import PageRequest
from socialfeed.storage.base.people import FollowEntry

__all__ = ["CommentRepository", "HashtagRepository", "LikeRepository", "PostRepository"]


class PostRepository(Protocol):
    """Posts, the author's post count, and the home feed."""

    def add(
        self, author_id: int, content: str | None, image_url: str | None, created_at: datetime
    ) -> Post:
        """Insert a post and count it on its author."""
        ...

    def get(self, post_id: int) -> Post | None:
        """Return the post, or ``None``."""
        ...

    def lock(self, post_id: int) -> Post | None:
        """Lock the post's row until the transaction ends and return the post, or ``None``.

        What rewrites the rows that hang on a post (its hashtag links, by the
        hashtag index) locks it first, as `delete` does, so that a deletion
        never misses a link written beside it. A plain read where writes run
        one at a time.
        """
        ...

    def set_content(self, post_id: int, content: str | None, edited_at: datetime) -> Post:
        """Replace a post's content and return it."""
        ...

    def delete(self, post_id: int) -> None:
        """Delete a post with its comments, likes, hashtag links and notifications.

        The author's post count and the hashtags' post counts go down.
        """
        ...

    def by_author(self, author_id: int, page: PageRequest) -> list[Post]:
        """Return up to ``page.limit + 1`` of an author's posts, newest first."""
        ...

    def home_feed(self, viewer_id: int, page: PageRequest, now: datetime) -> list[FeedItem]:
        """Return up to ``page.limit + 1`` posts of the viewer and their followees, newest first.

        Authors the viewer has muted (a mute still running at ``now``) are left out.
        """
        ...


class CommentRepository(Protocol):
    """Comments and their posts' comment counts."""

    def add(self, post_id: int, author_id: int, content: str, created_at: datetime) -> Comment:
        """Insert a comment and count it on its post."""
        ...

    def get(self, comment_id: int) -> Comment | None:
        """Return the comment, or ``None``."""
        ...

    def delete(self, comment_id: int) -> None:
        """Delete a comment with its notifications, and uncount it on its post."""
        ...

    def for_post(self, post_id: int, page: PageRequest, viewer_id: int | None) -> list[Comment]:
        """Return up to ``page.limit + 1`` comments of a post, newest first.

        Comments by users with a block between them and the viewer are left out.
        """
        ...


class LikeRepository(Protocol):
    """Likes and their posts' like counts."""

    def add(self, user_id: int, post_id: int, created_at: datetime) -> int | None:
        """Like a post; return its new like count, or ``None`` if the like already existed."""
        ...

    def remove(self, user_id: int, post_id: int) -> int | None:
        """Unlike a post; return its new like count, or ``None`` if there was no like."""
        ...

    def state(self, user_id: int, post_id: int) -> LikeState | None:
        """Return whether the user likes the post and its like count, read together.

        ``None`` when the post does not exist.
        """
        ...

    def liked_post_ids(self, user_id: int, post_ids: Collection[int]) -> set[int]:
        """Return which of ``post_ids`` the user likes, in one lookup."""
        ...

    def likers(self, post_id: int, page: PageRequest, viewer_id: int | None) -> list[FollowEntry]:
        """Return up to ``page.limit + 1`` users who like a post, the latest like first.

        Users with a block between them and the viewer are left out.
        """
        ...


class HashtagRepository(Protocol):
    """Hashtags, the posts that carry them, and their public post counts.

    A tag's ``post_count`` counts the posts of public accounts that carry it:
    it is what anyone may be shown. Every change of a link moves it only if
    the post's author is public at that time, and `count_author` moves it
    when an account changes sides; the caller holds the author's lock
    (`UserRepository.lock`) across either, so the two cannot interleave.
    """

    def set_post_tags(self, post_id: int, names: Sequence[str], *, counted: bool) -> None:
        """Make ``names`` the post's hashtags, creating tags as needed.

        The links added and removed move the tags' counts when ``counted``
        (the author, locked by the caller, is public), and only then.
        """
        ...

    def count_author(self, author_id: int, delta: int) -> None:
        """Add ``delta`` to each tag's count once per post of the author's that carries it.

        +1 when the account goes public, -1 when it goes private, with the
        author's row locked by the caller.
        """
        ...

    def get(self, name: str) -> Hashtag | None:
        """Return the hashtag with this (normalised) name, or ``None``."""
        ...

    def posts(self, hashtag_id: int, page: PageRequest, viewer_id: int | None) -> list[Post]:
        """Return up to ``page.limit + 1`` posts carrying a hashtag that the viewer may see.

        Newest first. Posts of private authors the viewer does not follow, and
        of authors with a block between them and the viewer, are left out.
        """
        ...

    def search(self, prefix: str, limit: int) -> list[Hashtag]:
        """Return the hashtags that start with ``prefix`` (literally) with a public count.

        The most used come first, then by name.
        """
        ...

    def trending(self, since: datetime, limit: int) -> list[TrendingHashtag]:
        """Return the hashtags most used by public accounts' posts created since ``since``."""
        ...
