"""Posts, likes and comments over HTTP."""

from __future__ import annotations

import pytest

from tests.http.conftest import (
    ApiClient,
    comment_json,
    expect,
    expect_error,
    expect_field_error,
    post_json,
)
from tests.support import dump

IMAGE = "https://example.com/photo.jpg"


def test_create_post_answers_the_stored_post(api: ApiClient) -> None:
    """POST /posts answers 201 with the post as stored: trimmed content, counters at zero."""
    alice = api.signup("alice")

    response = api.request(
        "POST",
        "/api/posts",
        json={"content": "  hello #World  ", "image_url": IMAGE},
        token=alice.token,
    )

    post = api.feed.posts.get(response.json["id"])
    expect(response, 201, post_json(post))
    assert (post.author_id, post.content, post.image_url) == (alice.id, "hello #World", IMAGE)


def test_create_post_with_only_an_image(api: ApiClient) -> None:
    """A post may have an image and no content; content is then null."""
    alice = api.signup("alice")

    response = api.request("POST", "/api/posts", json={"image_url": IMAGE}, token=alice.token)

    expect(response, 201, post_json(api.feed.posts.get(response.json["id"])))
    assert response.json["content"] is None


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({}, "content: a post needs content or an image_url"),
        ({"content": "   "}, "content: a post needs content or an image_url"),
        ({"content": "x" * 2201}, "content: must be at most 2200 characters"),
        ({"image_url": "javascript:alert(1)"}, "image_url: must be an http or https URL"),
    ],
)
def test_create_post_rejects_invalid_bodies(
    api: ApiClient, body: dict[str, object], detail: str
) -> None:
    """An empty, too long or badly illustrated post is a 422 naming the field; nothing is stored."""
    alice = api.signup("alice")
    before = dump(api.feed.storage)

    expect_error(api.request("POST", "/api/posts", json=body, token=alice.token), 422, detail)
    assert dump(api.feed.storage) == before


def test_create_post_rejects_content_of_the_wrong_type(api: ApiClient) -> None:
    """Content that is not a string is a 422 naming ``content``."""
    alice = api.signup("alice")

    expect_field_error(
        api.request("POST", "/api/posts", json={"content": 42}, token=alice.token), "content"
    )


def test_get_post(api: ApiClient) -> None:
    """GET /posts/{id} answers the post with its current counters."""
    alice = api.signup("alice")
    bob = api.feed.accounts.create_profile("bob")
    post = api.feed.posts.create(alice.id, content="hello")
    api.feed.likes.like(bob.id, post.id)
    api.feed.comments.add(bob.id, post.id, "nice")

    response = api.request("GET", f"/api/posts/{post.id}")

    expect(response, 200, post_json(api.feed.posts.get(post.id)))
    assert (response.json["like_count"], response.json["comment_count"]) == (1, 1)


def test_get_missing_post_is_not_found(api: ApiClient) -> None:
    """A post id that names nothing is 404 "Post not found"."""
    expect_error(api.request("GET", "/api/posts/12345"), 404, "Post not found")


def test_delete_post(api: ApiClient) -> None:
    """The author deletes a post with 204; it is then not found."""
    alice = api.signup("alice")
    post = api.feed.posts.create(alice.id, content="hello")

    response = api.request("DELETE", f"/api/posts/{post.id}", token=alice.token)

    assert (response.status, response.body) == (204, b"")
    expect_error(api.request("GET", f"/api/posts/{post.id}"), 404, "Post not found")


def test_delete_post_of_someone_else_is_forbidden(api: ApiClient) -> None:
    """Deleting another user's post is 403 "Not your post" and the post stays."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    post = api.feed.posts.create(alice.id, content="hello")

    response = api.request("DELETE", f"/api/posts/{post.id}", token=bob.token)

    expect_error(response, 403, "Not your post")
    assert api.feed.posts.get(post.id) == post


def test_delete_missing_post_is_not_found(api: ApiClient) -> None:
    """Deleting a post that does not exist is 404 "Post not found"."""
    alice = api.signup("alice")

    expect_error(api.request("DELETE", "/api/posts/999", token=alice.token), 404, "Post not found")


def test_edit_post_replaces_its_content_and_hashtags(api: ApiClient) -> None:
    """PUT /posts/{id} answers the edited post, and the hashtag index follows the new content."""
    alice = api.signup("alice")
    post = api.feed.posts.create(alice.id, content="old #before")

    response = api.request(
        "PUT", f"/api/posts/{post.id}", json={"content": "new #after"}, token=alice.token
    )

    edited = api.feed.posts.get(post.id)
    expect(response, 200, post_json(edited))
    assert edited.content == "new #after"
    assert api.request("GET", "/api/search/posts/hashtag/before").json == []
    assert [p["id"] for p in api.request("GET", "/api/search/posts/hashtag/after").json] == [
        post.id
    ]


def test_edit_post_of_someone_else_is_forbidden(api: ApiClient) -> None:
    """Editing another user's post is 403 "Not your post"; a missing post is 404."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    post = api.feed.posts.create(alice.id, content="mine")

    forbidden = api.request("PUT", f"/api/posts/{post.id}", json={"content": "x"}, token=bob.token)
    missing = api.request("PUT", "/api/posts/999", json={"content": "x"}, token=bob.token)

    expect_error(forbidden, 403, "Not your post")
    expect_error(missing, 404, "Post not found")
    assert api.feed.posts.get(post.id).content == "mine"


def test_like_toggles(api: ApiClient) -> None:
    """POST /posts/{id}/likes likes, then unlikes, answering the state and the count each time."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    post = api.feed.posts.create(alice.id, content="hello")

    liked = api.request("POST", f"/api/posts/{post.id}/likes", token=bob.token)
    assert api.feed.posts.get(post.id).like_count == 1
    unliked = api.request("POST", f"/api/posts/{post.id}/likes", token=bob.token)

    expect(liked, 200, {"liked": True, "like_count": 1})
    expect(unliked, 200, {"liked": False, "like_count": 0})
    assert api.feed.posts.get(post.id).like_count == 0


def test_like_of_a_missing_post_is_not_found(api: ApiClient) -> None:
    """Liking a post that does not exist is 404 "Post not found"."""
    bob = api.signup("bob")

    expect_error(
        api.request("POST", "/api/posts/999/likes", token=bob.token), 404, "Post not found"
    )


def test_add_comment(api: ApiClient) -> None:
    """POST /posts/{id}/comments answers 201 with the comment and counts it on the post."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    post = api.feed.posts.create(alice.id, content="hello")

    response = api.request(
        "POST", f"/api/posts/{post.id}/comments", json={"content": " nice "}, token=bob.token
    )

    (comment,) = api.feed.comments.for_post(post.id).items
    expect(response, 201, comment_json(comment))
    assert (comment.author_id, comment.content) == (bob.id, "nice")
    assert api.feed.posts.get(post.id).comment_count == 1


def test_add_comment_errors(api: ApiClient) -> None:
    """A blank comment is a 422 on ``content``, a missing one too, a missing post 404."""
    alice = api.signup("alice")
    post = api.feed.posts.create(alice.id, content="hello")
    path = f"/api/posts/{post.id}/comments"

    blank = api.request("POST", path, json={"content": "  "}, token=alice.token)
    absent = api.request("POST", path, json={}, token=alice.token)
    missing = api.request(
        "POST", "/api/posts/999/comments", json={"content": "x"}, token=alice.token
    )

    expect_error(blank, 422, "content: must not be empty")
    expect_field_error(absent, "content")
    expect_error(missing, 404, "Post not found")
    assert api.feed.posts.get(post.id).comment_count == 0


def test_list_comments_newest_first(api: ApiClient) -> None:
    """GET /posts/{id}/comments lists the comments newest first; a missing post is 404."""
    alice = api.signup("alice")
    post = api.feed.posts.create(alice.id, content="hello")
    first = api.feed.comments.add(alice.id, post.id, "first")
    second = api.feed.comments.add(alice.id, post.id, "second")

    expect(
        api.request("GET", f"/api/posts/{post.id}/comments"),
        200,
        [comment_json(second), comment_json(first)],
    )
    expect_error(api.request("GET", "/api/posts/999/comments"), 404, "Post not found")


def test_delete_comment_by_its_author_or_the_posts_author(api: ApiClient) -> None:
    """The comment's author and the post's author may delete a comment (204)."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    post = api.feed.posts.create(alice.id, content="hello")
    own = api.feed.comments.add(bob.id, post.id, "mine")
    other = api.feed.comments.add(bob.id, post.id, "moderated")

    by_author = api.request("DELETE", f"/api/posts/comments/{own.id}", token=bob.token)
    by_post_author = api.request("DELETE", f"/api/posts/comments/{other.id}", token=alice.token)

    assert (by_author.status, by_author.body) == (204, b"")
    assert (by_post_author.status, by_post_author.body) == (204, b"")
    assert api.feed.comments.for_post(post.id).items == ()


def test_delete_comment_by_a_stranger_is_forbidden(api: ApiClient) -> None:
    """Anyone else gets 403 "Not your comment"; a missing comment is 404 "Comment not found"."""
    alice = api.signup("alice")
    carol = api.signup("carol")
    post = api.feed.posts.create(alice.id, content="hello")
    comment = api.feed.comments.add(alice.id, post.id, "mine")

    forbidden = api.request("DELETE", f"/api/posts/comments/{comment.id}", token=carol.token)
    missing = api.request("DELETE", "/api/posts/comments/999", token=carol.token)

    expect_error(forbidden, 403, "Not your comment")
    expect_error(missing, 404, "Comment not found")
    assert api.feed.comments.for_post(post.id).items == (comment,)
