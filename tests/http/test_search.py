"""Search and hashtags over HTTP: users, hashtags, posts by hashtag and trending tags."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.http.conftest import (
    ApiClient,
    expect,
    expect_error,
    expect_field_error,
    post_json,
    user_json,
)


def test_search_users_hides_emails(api: ApiClient) -> None:
    """User search finds by username or full name, prefix matches first, with every email null."""
    api.signup("alice", full_name="Alice Liddell")
    api.signup("alicia")
    api.signup("bob", full_name="Bob Alison")
    api.signup("carol")

    response = api.request("GET", "/api/search/users", params={"q": "ALI"})

    expected = [user_json(user) for user in api.feed.search.users("ALI")]
    expect(response, 200, expected)
    assert {u["username"] for u in response.json} == {"alice", "alicia", "bob"}
    assert response.json[-1]["username"] == "bob"
    assert all(u["email"] is None for u in response.json)


@pytest.mark.parametrize("route", ["/api/search/users", "/api/search/hashtags"])
def test_search_needs_a_query_of_at_most_100_characters(api: ApiClient, route: str) -> None:
    """A missing, empty or over-long ``q`` is a 422 naming ``q``."""
    expect_field_error(api.request("GET", route), "q")
    expect_field_error(api.request("GET", route, params={"q": ""}), "q")
    expect_field_error(api.request("GET", route, params={"q": "x" * 101}), "q")
    assert api.request("GET", route, params={"q": "x" * 100}).status == 200


def test_blank_query_is_refused_by_the_library(api: ApiClient) -> None:
    """A query of spaces passes the framework's length check and is refused on ``query``."""
    expect_error(
        api.request("GET", "/api/search/users", params={"q": "   "}),
        422,
        "query: must not be empty",
    )
    expect_error(
        api.request("GET", "/api/search/hashtags", params={"q": "   "}),
        422,
        "query: must not be empty",
    )


def test_search_hashtags(api: ApiClient) -> None:
    """Hashtag search answers {id, name} for tags starting with the query, a leading # ignored."""
    alice = api.signup("alice")
    api.request("POST", "/api/posts", json={"content": "#sunrise #Sunset"}, token=alice.token)
    api.request("POST", "/api/posts", json={"content": "again #sunset"}, token=alice.token)
    api.request("POST", "/api/posts", json={"content": "#moon"}, token=alice.token)

    response = api.request("GET", "/api/search/hashtags", params={"q": "#SUN"})

    found = api.feed.search.hashtags("sun")
    expect(response, 200, [{"id": tag.id, "name": tag.name} for tag in found])
    assert [tag["name"] for tag in response.json] == ["sunset", "sunrise"]
    expect(api.request("GET", "/api/search/hashtags", params={"q": "nothing"}), 200, [])


def test_posts_by_hashtag_newest_first(api: ApiClient) -> None:
    """Posts carrying a tag come newest first, whatever the tag's case; an unknown tag has none."""
    alice = api.signup("alice")
    bob = api.feed.accounts.create_profile("bob")
    first = api.feed.posts.create(alice.id, content="#Travel day one")
    api.feed.posts.create(bob.id, content="#food")
    second = api.feed.posts.create(bob.id, content="more #travel")

    response = api.request("GET", "/api/search/posts/hashtag/TRAVEL")

    expect(response, 200, [post_json(second), post_json(first)])
    expect(api.request("GET", "/api/search/posts/hashtag/unknown"), 200, [])


def test_trending_hashtags(api: ApiClient) -> None:
    """Trending answers {id, name, post_count}, counting only the posts of the last 24 hours."""
    alice = api.signup("alice")
    for _ in range(3):
        api.feed.posts.create(alice.id, content="#cats")
    api.clock.advance(timedelta(hours=25))
    for content in ("#cats #dogs", "#dogs", "#birds #dogs"):
        api.feed.posts.create(alice.id, content=content)

    response = api.request("GET", "/api/hashtags/trending")

    trending = api.feed.hashtags.trending()
    expect(
        response,
        200,
        [
            {"id": t.hashtag.id, "name": t.hashtag.name, "post_count": t.recent_posts}
            for t in trending
        ],
    )
    assert response.json[0]["name"] == "dogs"
    assert {t["name"]: t["post_count"] for t in response.json} == {"dogs": 3, "cats": 1, "birds": 1}
