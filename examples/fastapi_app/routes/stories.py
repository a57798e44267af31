"""``/api/stories``: stories, the story feed, views and viewers."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from examples.fastapi_app import schemas
from examples.fastapi_app.dependencies import CurrentUser, Feed
from examples.fastapi_app.errors import AUTH, INVALID, responses
from examples.fastapi_app.pagination import PAGED, Cursor, Limit, Offset, items_of
from examples.fastapi_app.schemas import PathId
from socialfeed.ids import StoryId

__all__ = ["router"]

router = APIRouter(prefix="/api/stories", tags=["stories"])

_STORY_NOT_FOUND = '"Story not found" (expired stories are not found either)'


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.Story,
    responses=responses({401: AUTH, 422: INVALID + ": it needs content or an image_url"}),
)
def create_story(body: schemas.StoryCreate, feed: Feed, user_id: CurrentUser) -> schemas.Story:
    """Post a story with an image URL, content, or both; it expires after 24 hours."""
    story = feed.stories.create(user_id, content=body.content, image_url=body.image_url)
    return schemas.Story.of(story)


@router.get("", response_model=list[schemas.Story], responses=responses({401: AUTH}))
def my_stories(feed: Feed, user_id: CurrentUser) -> list[schemas.Story]:
    """Return the caller's active stories, newest first."""
    # The caller reads as themselves: anonymous, a private account's own stories are hidden.
    return [schemas.Story.of(story) for story in feed.stories.active(user_id, viewer_id=user_id)]


@router.get("/feed", response_model=list[schemas.Story], responses=responses({401: AUTH}))
def story_feed(feed: Feed, user_id: CurrentUser) -> list[schemas.Story]:
    """Return the active stories of the users the caller follows and their own, newest first."""
    # The library groups the story feed by author; this API lists it flat.
    stories = [item.story for group in feed.stories.feed(user_id) for item in group.items]
    stories.sort(key=lambda story: (story.created_at, story.id), reverse=True)
    return [schemas.Story.of(story) for story in stories]


@router.delete(
    "/{story_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    response_model=None,
    responses=responses({401: AUTH, 403: '"Not your story"', 404: _STORY_NOT_FOUND, 422: INVALID}),
)
def delete_story(story_id: PathId[StoryId], feed: Feed, user_id: CurrentUser) -> None:
    """Delete a story (its author only)."""
    feed.stories.delete(user_id, story_id)


@router.post(
    "/{story_id}/view",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    response_model=None,
    responses=responses({401: AUTH, 404: _STORY_NOT_FOUND, 422: INVALID}),
)
def view_story(story_id: PathId[StoryId], feed: Feed, user_id: CurrentUser) -> None:
    """Record that the caller saw a story; seeing it again, or one's own, records nothing."""
    feed.stories.view(user_id, story_id)


@router.get(
    "/{story_id}/viewers",
    response_model=list[schemas.User],
    responses=PAGED
    | responses({401: AUTH, 403: '"Not your story"', 404: _STORY_NOT_FOUND, 422: INVALID}),
)
def story_viewers(
    story_id: PathId[StoryId],
    feed: Feed,
    user_id: CurrentUser,
    response: Response,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> list[schemas.User]:
    """Return who saw a story, most recent first (its author only; emails are not shown)."""
    page = feed.stories.viewers(
        story_id, viewer_id=user_id, limit=limit, cursor=cursor, offset=offset
    )
    return [schemas.User.of(viewer.user) for viewer in items_of(page, response)]
