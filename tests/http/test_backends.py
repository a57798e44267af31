"""The smoke path on every storage backend: memory, SQLite and PostgreSQL, in both apps."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.http.conftest import BACKENDS, FRAMEWORKS, ApiClient, expect, expect_error, post_json


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_smoke_path(
    make_api: Callable[[str, str], ApiClient], framework: str, backend: str
) -> None:
    """Register, post, follow, like, comment, read the feed and notifications, then log out."""
    api = make_api(framework, backend)
    alice = api.signup("alice")
    bob = api.signup("bob")

    created = api.request("POST", "/api/posts", json={"content": "Hello #world"}, token=alice.token)
    post_id = created.json["id"]
    assert created.status == 201, created.body
    expect(
        api.request("POST", f"/api/follow/{alice.id}", token=bob.token), 200, {"following": True}
    )
    expect(
        api.request("POST", f"/api/posts/{post_id}/likes", token=bob.token),
        200,
        {"liked": True, "like_count": 1},
    )
    comment = api.request(
        "POST", f"/api/posts/{post_id}/comments", json={"content": "Hi!"}, token=bob.token
    )
    assert comment.status == 201, comment.body

    feed = api.request("GET", "/api/feed", token=bob.token)
    expect(feed, 200, [post_json(api.feed.posts.get(post_id))])
    assert feed.json[0]["comment_count"] == 1
    tagged = api.request("GET", "/api/search/posts/hashtag/world")
    assert [post["id"] for post in tagged.json] == [post_id]
    notifications = api.request("GET", "/api/notifications", token=alice.token)
    assert [n["type"] for n in notifications.json] == ["comment", "like", "follow"]

    logout = api.request("POST", "/api/auth/logout", token=bob.token)
    assert (logout.status, logout.body) == (204, b"")
    expect_error(api.request("GET", "/api/feed", token=bob.token), 401, "Invalid token")
