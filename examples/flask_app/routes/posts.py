"""``/api/posts``: posts, their likes and likers, and their comments.

The reads take an optional bearer token: with one, the caller sees what the
library shows them; without one, what it shows anyone. A post the caller may
not see (a private account's, or across a block) is not found.
"""

from __future__ import annotations

from flask import Blueprint, Response

from examples.flask_app.auth import current_user, current_viewer
from examples.flask_app.bodies import CommentIn, PostEditIn, PostIn
from examples.flask_app.extension import current_feed
from examples.flask_app.inputs import json_body, page_params, path_id, validate_body
from examples.flask_app.responses import json_response, list_response, no_content
from examples.flask_app.shapes import LikeBody, comment_body, post_body, user_body
from socialfeed.ids import CommentId, PostId

bp = Blueprint("posts", __name__, url_prefix="/api/posts")


@bp.post("")
def create() -> Response:
    """Publish a post: 201 ``Post``."""
    raw = json_body()
    me = current_user()
    body = validate_body(PostIn, raw)
    post = current_feed().posts.create(me, content=body.content, image_url=body.image_url)
    return json_response(post_body(post), 201)


@bp.get("/<post_id>")
def get(post_id: str) -> Response:
    """Return a post."""
    viewer = current_viewer()
    return json_response(
        post_body(current_feed().posts.get(PostId(path_id("post_id", post_id)), viewer_id=viewer))
    )


@bp.put("/<post_id>")
def edit(post_id: str) -> Response:
    """Replace a post's content (its author only) and return the post."""
    raw = json_body()
    me = current_user()
    target = PostId(path_id("post_id", post_id))
    body = validate_body(PostEditIn, raw)
    return json_response(post_body(current_feed().posts.edit(me, target, body.content)))


@bp.delete("/<post_id>")
def delete(post_id: str) -> Response:
    """Delete a post (its author only)."""
    me = current_user()
    current_feed().posts.delete(me, PostId(path_id("post_id", post_id)))
    return no_content()


@bp.post("/<post_id>/likes")
def toggle_like(post_id: str) -> Response:
    """Like the post, or take the like back if the caller already likes it."""
    me = current_user()
    state = current_feed().likes.toggle(me, PostId(path_id("post_id", post_id)))
    body: LikeBody = {"liked": state.liked, "like_count": state.like_count}
    return json_response(body)


@bp.get("/<post_id>/likes")
def likers(post_id: str) -> Response:
    """Return who likes a post, the latest like first, as far as the caller may see them."""
    viewer = current_viewer()
    target = PostId(path_id("post_id", post_id))
    page = page_params(50)
    found = current_feed().likes.likers(
        target, viewer_id=viewer, limit=page.limit, offset=page.offset, cursor=page.cursor
    )
    return list_response(map(user_body, found.items), found.next_cursor)


@bp.get("/<post_id>/comments")
def comments(post_id: str) -> Response:
    """Return a post's comments that the caller may see, newest first."""
    viewer = current_viewer()
    target = PostId(path_id("post_id", post_id))
    page = page_params(50)
    found = current_feed().comments.for_post(
        target, viewer_id=viewer, limit=page.limit, offset=page.offset, cursor=page.cursor
    )
    return list_response(map(comment_body, found.items), found.next_cursor)


@bp.post("/<post_id>/comments")
def add_comment(post_id: str) -> Response:
    """Comment on a post: 201 ``Comment``."""
    raw = json_body()
    me = current_user()
    target = PostId(path_id("post_id", post_id))
    body = validate_body(CommentIn, raw)
    return json_response(comment_body(current_feed().comments.add(me, target, body.content)), 201)


@bp.delete("/comments/<comment_id>")
def delete_comment(comment_id: str) -> Response:
    """Delete a comment (its author or the post's author)."""
    me = current_user()
    current_feed().comments.delete(me, CommentId(path_id("comment_id", comment_id)))
    return no_content()
