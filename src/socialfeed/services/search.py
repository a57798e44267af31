"""Search for users and hashtags."""

from __future__ import annotations

from socialfeed import validation
from socialfeed.errors import ValidationError
from socialfeed.ids import UserId
from socialfeed.models import Hashtag, User
from socialfeed.pagination import DEFAULT_LIMIT, PageRequest
from socialfeed.services._service import Service
from socialfeed.services.hashtags import normalize_tag

__all__ = ["SearchService"]


class SearchService(Service):
    """Ranked search. Results are the best ``limit`` matches, not a feed, so they have no cursor.

    Queries are matched literally and case-insensitively: ``%``, ``_``, ``\\``
    and quotes are ordinary characters. A blank query or one over 100
    characters is a `ValidationError` on ``query``.
    """

    def users(
        self,
        query: str,
        *,
        viewer_id: UserId | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
    ) -> tuple[User, ...]:
        """Find users by username or full name; names that start with the query come first.

        Users with a block between them and the viewer are not found.
        """
        PageRequest.build(limit, None, offset)  # validates limit and offset
        key = validation.search_query(query)
        return tuple(self._read(lambda uow: uow.users.search(key, limit, offset, viewer_id)))

    def hashtags(self, query: str, *, limit: int = DEFAULT_LIMIT) -> tuple[Hashtag, ...]:
        """Find hashtags that start with the query (a leading ``#`` is ignored), most used first.

        Most used by public accounts' posts, the count each hashtag carries:
        tags that no public account's post carries (any more) are left out,
        so a private account's tags are not listed to anyone.
        """
        PageRequest.build(limit, None, 0)
        name = normalize_tag(validation.required_text("query", query, validation.MAX_QUERY_LENGTH))
        if not name:
            raise ValidationError("query", "must name a hashtag")
        return tuple(self._read(lambda uow: uow.hashtags.search(name, limit)))
