"""``/api/posts``: posts, likes and likers, and comments.

The reads take an optional bearer token: with one, the caller sees what the
library shows them; without one, what it shows anyone. A post the caller may
not see (a private account's, or across a block) is not found.
"""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from examples.fastapi_app import schemas
from examples.fastapi_app.dependencies import OPTIONAL_AUTH, CurrentUser, Feed, Viewer
from examples.fastapi_app.errors import AUTH, BAD_TOKEN, INVALID, responses
from examples.fastapi_app.pagination import PAGED, Cursor, Limit, Offset, items_of
from examples.fastapi_app.schemas import PathId
from socialfeed.ids import CommentId, PostId

__all__ = ["router"]

router = APIRouter(prefix="/api/posts", tags=["posts"])

_POST_NOT_FOUND = '"Post not found"'


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.Post,
    responses=responses({401: AUTH, 422: INVALID + ": it needs content or an image_url"}),
)
def create_post(body: schemas.PostCreate, feed: Feed, user_id: CurrentUser) -> schemas.Post:
    """Publish a post with content, an image URL, or both; its hashtags are indexed."""
    post = feed.posts.create(user_id, content=body.content, image_url=body.image_url)
    return schemas.Post.of(post)


@router.get(
    "/{post_id}",
    response_model=schemas.Post,
    responses=responses({401: BAD_TOKEN, 404: _POST_NOT_FOUND, 422: INVALID}),
    openapi_extra=OPTIONAL_AUTH,
)
def get_post(post_id: PathId[PostId], feed: Feed, viewer: Viewer) -> schemas.Post:
    """Return a post."""
    return schemas.Post.of(feed.posts.get(post_id, viewer_id=viewer))


@router.put(
    "/{post_id}",
    response_model=schemas.Post,
    responses=responses({401: AUTH, 403: '"Not your post"', 404: _POST_NOT_FOUND, 422: INVALID}),
)
def edit_post(
    post_id: PathId[PostId], body: schemas.PostEdit, feed: Feed, user_id: CurrentUser
) -> schemas.Post:
    """Replace a post's content (its author only); its hashtags are indexed again."""
    return schemas.Post.of(feed.posts.edit(user_id, post_id, body.content))


@router.delete(
    "/{post_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    response_model=None,
    responses=responses({401: AUTH, 403: '"Not your post"', 404: _POST_NOT_FOUND, 422: INVALID}),
)
def delete_post(post_id: PathId[PostId], feed: Feed, user_id: CurrentUser) -> None:
    """Delete a post with its comments and likes (its author only)."""
    feed.posts.delete(user_id, post_id)


@router.post(
    "/{post_id}/likes",
    response_model=schemas.LikeState,
    responses=responses({401: AUTH, 404: _POST_NOT_FOUND, 422: INVALID}),
)
def toggle_like(post_id: PathId[PostId], feed: Feed, user_id: CurrentUser) -> schemas.LikeState:
    """Like the post if the caller does not like it yet, otherwise take the like back."""
    state = feed.likes.toggle(user_id, post_id)
    return schemas.LikeState(liked=state.liked, like_count=state.like_count)


@router.get(
    "/{post_id}/likes",
    response_model=list[schemas.User],
    responses=PAGED | responses({401: BAD_TOKEN, 404: _POST_NOT_FOUND, 422: INVALID}),
    openapi_extra=OPTIONAL_AUTH,
)
def list_likers(
    post_id: PathId[PostId],
    feed: Feed,
    viewer: Viewer,
    response: Response,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> list[schemas.User]:
    """Return who likes a post, the latest like first, as far as the caller may see them."""
    page = feed.likes.likers(post_id, viewer_id=viewer, limit=limit, cursor=cursor, offset=offset)
    return [schemas.User.of(user) for user in items_of(page, response)]


@router.get(
    "/{post_id}/comments",
    response_model=list[schemas.Comment],
    responses=PAGED | responses({401: BAD_TOKEN, 404: _POST_NOT_FOUND, 422: INVALID}),
    openapi_extra=OPTIONAL_AUTH,
)
def list_comments(
    post_id: PathId[PostId],
    feed: Feed,
    viewer: Viewer,
    response: Response,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> list[schemas.Comment]:
    """Return a post's comments that the caller may see, newest first."""
    page = feed.comments.for_post(
        post_id, viewer_id=viewer, limit=limit, cursor=cursor, offset=offset
    )
    return [schemas.Comment.of(comment) for comment in items_of(page, response)]


@router.post(
    "/{post_id}/comments",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.Comment,
    responses=responses({401: AUTH, 404: _POST_NOT_FOUND, 422: INVALID}),
)
def add_comment(
    post_id: PathId[PostId], body: schemas.CommentCreate, feed: Feed, user_id: CurrentUser
) -> schemas.Comment:
    """Comment on a post."""
    return schemas.Comment.of(feed.comments.add(user_id, post_id, body.content))


@router.delete(
    "/comments/{comment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    response_model=None,
    responses=responses(
        {401: AUTH, 403: '"Not your comment"', 404: '"Comment not found"', 422: INVALID}
    ),
)
def delete_comment(comment_id: PathId[CommentId], feed: Feed, user_id: CurrentUser) -> None:
    """Delete a comment: its author and the post's author may."""
    feed.comments.delete(user_id, comment_id)
