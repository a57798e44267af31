"""``/api/stories``: stories, the story feed, and who saw a story."""

from __future__ import annotations

from flask import Blueprint, Response

from examples.flask_app.auth import current_user
from examples.flask_app.bodies import StoryIn
from examples.flask_app.extension import current_feed
from examples.flask_app.inputs import json_body, page_params, path_id, validate_body
from examples.flask_app.responses import json_response, list_response, no_content
from examples.flask_app.shapes import story_body, user_body
from socialfeed.ids import StoryId

bp = Blueprint("stories", __name__, url_prefix="/api/stories")


@bp.post("")
def create() -> Response:
    """Post a story: 201 ``Story``."""
    raw = json_body()
    me = current_user()
    body = validate_body(StoryIn, raw)
    story = current_feed().stories.create(me, content=body.content, image_url=body.image_url)
    return json_response(story_body(story), 201)


@bp.get("")
def mine() -> Response:
    """Return the caller's active stories, newest first."""
    me = current_user()
    # The caller reads as themselves: anonymous, a private account's own stories are hidden.
    return list_response(map(story_body, current_feed().stories.active(me, viewer_id=me)))


@bp.get("/feed")
def story_feed() -> Response:
    """Return the active stories of the users the caller follows and their own, newest first."""
    groups = current_feed().stories.feed(current_user())
    # The library groups stories by author; this API's clients want one flat list.
    stories = sorted(
        (item.story for group in groups for item in group.items),
        key=lambda story: (story.created_at, story.id),
        reverse=True,
    )
    return list_response(map(story_body, stories))


@bp.delete("/<story_id>")
def delete(story_id: str) -> Response:
    """Delete a story (its author only)."""
    me = current_user()
    current_feed().stories.delete(me, StoryId(path_id("story_id", story_id)))
    return no_content()


@bp.post("/<story_id>/view")
def view(story_id: str) -> Response:
    """Record that the caller saw a story."""
    me = current_user()
    current_feed().stories.view(me, StoryId(path_id("story_id", story_id)))
    return no_content()


@bp.get("/<story_id>/viewers")
def viewers(story_id: str) -> Response:
    """Return who saw a story, most recent first (its author only)."""
    me = current_user()
    target = StoryId(path_id("story_id", story_id))
    page = page_params(50)
    found = current_feed().stories.viewers(
        target, viewer_id=me, limit=page.limit, offset=page.offset, cursor=page.cursor
    )
    return list_response((user_body(viewer.user) for viewer in found.items), found.next_cursor)
