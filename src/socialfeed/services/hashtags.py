"""Hashtags: the index of posts by tag, tag search and trending tags."""

from __future__ import annotations

import unicodedata
from datetime import timedelta

from socialfeed import text, validation
from socialfeed.errors import ValidationError
from socialfeed.events import Event, HashtagsExtracted
from socialfeed.ids import PostId, UserId
from socialfeed.models import Hashtag, Page, Post, TrendingHashtag
from socialfeed.pagination import DEFAULT_LIMIT, PageRequest, page_of
from socialfeed.services._lookups import lock_users, require_locked_post, require_post
from socialfeed.services._service import Service
from socialfeed.services.posts import post_position
from socialfeed.storage.base import UnitOfWork

__all__ = ["HashtagService", "normalize_tag"]


class HashtagService(Service):
    """Posts by hashtag. The index is kept by `HashtagHandler`."""

    def index_post(self, post_id: PostId) -> tuple[str, ...]:
        """Make the post's hashtag links match its current content; return its tags.

        It reads the content itself rather than trusting an event's copy, so a
        late or repeated call after an edit cannot bring back old tags.
        """
        now = self._clock.now()

        def work(uow: UnitOfWork) -> tuple[tuple[str, ...], list[Event]]:
            # The author first (users before posts, the order a deletion takes
            # them in): their privacy decides whether the links count, and
            # their lock keeps it still until this commits (`HashtagRepository`).
            author = lock_users(uow, require_post(uow, post_id).author_id)
            # The post locked, so that an edit or a deletion of the post waits
            # until the links match what this reads, or this reads what they left.
            post = require_locked_post(uow, post_id)
            tags = text.extract_hashtags(post.content)
            counted = not author[post.author_id].is_private
            uow.hashtags.set_post_tags(post_id, tags, counted=counted)
            return tags, [HashtagsExtracted(occurred_at=now, post_id=post_id, tags=tags)]

        return self._act(work)

    def get(self, tag: str) -> Hashtag | None:
        """Return the hashtag (``"#Café"`` finds ``café``), or ``None`` if no public post has it.

        Its ``post_count`` is the public count: the posts of public accounts
        that carry it, the same for every reader. A tag that only private
        accounts use is ``None`` here, as it is absent from search and trending.
        """
        name = normalize_tag(tag)
        found = self._read(lambda uow: uow.hashtags.get(name)) if name else None
        return found if found is not None and found.post_count > 0 else None

    def posts(
        self,
        tag: str,
        *,
        viewer_id: UserId | None = None,
        limit: int = DEFAULT_LIMIT,
        cursor: str | None = None,
        offset: int = 0,
    ) -> Page[Post]:
        """Return the posts carrying a hashtag that the viewer may see, newest first.

        An unknown tag has none. A private account's posts are listed for its
        approved followers (and itself) even when the tag's public count, which
        `get` shows, is 0.
        """
        page = PageRequest.build(limit, cursor, offset)
        name = normalize_tag(tag)

        def work(uow: UnitOfWork) -> list[Post]:
            hashtag = uow.hashtags.get(name) if name else None
            return [] if hashtag is None else uow.hashtags.posts(hashtag.id, page, viewer_id)

        return page_of(self._read(work), page, post_position)

    def trending(
        self, *, within: timedelta | None = None, limit: int = 10
    ) -> tuple[TrendingHashtag, ...]:
        """Return the hashtags used by the most posts created within the window.

        Only the posts of public accounts count, the same for every reader,
        and each hashtag carries its public count. The window defaults to
        ``Settings.trending_window`` (24 hours).
        """
        PageRequest.build(limit, None, 0)  # validates limit
        window = self._settings.trending_window if within is None else within
        if not timedelta(0) < window <= validation.MAX_DURATION:
            raise ValidationError("within", "must be a positive duration of at most 100 years")
        since = self._clock.now() - window
        return tuple(self._read(lambda uow: uow.hashtags.trending(since, limit)))


def normalize_tag(tag: str) -> str:
    """Return a tag as it is indexed: NFKC, without a leading ``#``, lowercased.

    Text that no tag can match (empty, far too long, holding a NUL or a lone
    surrogate, which no database can be asked about) gives ``""``.
    """
    # Blanks around it and a "#" in front are allowed for, before NFKC.
    if validation.too_long_to_normalize(tag.strip(), text.MAX_TAG_LENGTH + 1):
        return ""
    name = unicodedata.normalize("NFKC", tag).strip().removeprefix("#").lower()
    return name if validation.storable(name) else ""
