"""``/api/search``: users, hashtags, and the posts of a hashtag.

They take an optional bearer token: with one, the caller finds what the
library shows them; without one, what it shows anyone.
"""

from __future__ import annotations

from flask import Blueprint, Response

from examples.flask_app.auth import current_viewer
from examples.flask_app.extension import current_feed
from examples.flask_app.inputs import LIMIT, OFFSET, SEARCH_QUERY, page_params, query_param
from examples.flask_app.responses import list_response
from examples.flask_app.shapes import hashtag_body, post_body, user_body

bp = Blueprint("search", __name__, url_prefix="/api/search")


@bp.get("/users")
def users() -> Response:
    """Find users by username or full name."""
    viewer = current_viewer()
    query = query_param("q", SEARCH_QUERY)
    limit = query_param("limit", LIMIT, 20)
    offset = query_param("offset", OFFSET, 0)
    found = current_feed().search.users(query, viewer_id=viewer, limit=limit, offset=offset)
    return list_response(map(user_body, found))


@bp.get("/hashtags")
def hashtags() -> Response:
    """Find hashtags that start with the query, most used first."""
    # A token is checked as on every search, but hashtags are nobody's content:
    # the library's hashtag search takes no viewer to hide anything from.
    current_viewer()
    query = query_param("q", SEARCH_QUERY)
    limit = query_param("limit", LIMIT, 20)
    return list_response(map(hashtag_body, current_feed().search.hashtags(query, limit=limit)))


@bp.get("/posts/hashtag/<tag>")
def hashtag_posts(tag: str) -> Response:
    """Return the posts carrying a hashtag that the caller may see, newest first."""
    viewer = current_viewer()
    page = page_params(20)
    found = current_feed().hashtags.posts(
        tag, viewer_id=viewer, limit=page.limit, offset=page.offset, cursor=page.cursor
    )
    return list_response(map(post_body, found.items), found.next_cursor)
