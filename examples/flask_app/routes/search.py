"""``/api/search``: users, hashtags, and the posts of a hashtag."""

from __future__ import annotations

from flask import Blueprint, Response

from examples.flask_app.extension import current_feed
from examples.flask_app.inputs import LIMIT, OFFSET, SEARCH_QUERY, page_params, query_param
from examples.flask_app.responses import list_response
from examples.flask_app.shapes import hashtag_body, post_body, user_body

bp = Blueprint("search", __name__, url_prefix="/api/search")


@bp.get("/users")
def users() -> Response:
    """Find users by username or full name."""
    query = query_param("q", SEARCH_QUERY)
    limit = query_param("limit", LIMIT, 20)
    offset = query_param("offset", OFFSET, 0)
    found = current_feed().search.users(query, limit=limit, offset=offset)
    return list_response(map(user_body, found))


@bp.get("/hashtags")
def hashtags() -> Response:
    """Find hashtags that start with the query, most used first."""
    query = query_param("q", SEARCH_QUERY)
    limit = query_param("limit", LIMIT, 20)
    return list_response(map(hashtag_body, current_feed().search.hashtags(query, limit=limit)))


@bp.get("/posts/hashtag/<tag>")
def hashtag_posts(tag: str) -> Response:
    """Return the posts carrying a hashtag, newest first."""
    page = page_params(20)
    found = current_feed().hashtags.posts(
        tag, limit=page.limit, offset=page.offset, cursor=page.cursor
    )
    return list_response(map(post_body, found.items), found.next_cursor)
