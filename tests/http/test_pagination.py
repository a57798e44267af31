"""Every list route pages alike: ``limit``, ``offset``, and keyset cursors in ``X-Next-Cursor``."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from tests.http.conftest import ApiClient, Member, compact, expect_error, expect_field_error

# Each list route, with the number of items the world below gives it.
LISTS = [
    ("/api/users/{alice}/posts", 5),
    ("/api/users/{alice}/followers", 5),
    ("/api/users/{alice}/following", 5),
    ("/api/posts/{post}/comments", 5),
    ("/api/feed", 10),
    ("/api/messages", 5),
    ("/api/messages/{user1}", 5),
    ("/api/notifications", 15),
    ("/api/notifications/grouped", 7),
    ("/api/search/posts/hashtag/tag", 5),
    ("/api/stories/{story}/viewers", 5),
]
# Ranked lists: a limit but no cursor.
RANKED = [
    ("/api/search/users", {"q": "user"}),
    ("/api/search/hashtags", {"q": "tag"}),
    ("/api/hashtags/trending", {}),
]


@attrs.frozen
class World:
    """Alice, whose lists all hold several items, and the ids the list paths need."""

    alice: Member
    ids: dict[str, int]

    def path(self, template: str) -> str:
        """Fill a list path's placeholders with this world's ids."""
        return template.format(**self.ids)


@pytest.fixture
def world(api: ApiClient) -> World:
    """Alice with five posts, followers, followees, comments, conversations, likes and viewers."""
    feed = api.feed
    alice = api.signup("alice")
    users = [feed.accounts.create_profile(f"user{i}") for i in range(1, 6)]
    posts = [feed.posts.create(alice.id, content=f"post {i} #tag") for i in range(5)]
    story = feed.stories.create(alice.id, content="story")
    for user, post in zip(users, posts, strict=True):
        feed.follows.follow(user.id, alice.id)
        feed.follows.follow(alice.id, user.id)
        feed.posts.create(user.id, content=f"by {user.username}")
        feed.likes.like(user.id, post.id)
        feed.comments.add(user.id, posts[0].id, f"comment by {user.username}")
        feed.messages.send(alice.id, user.id, f"hello {user.username}")
        feed.stories.view(user.id, story.id)
    for i in range(4):
        feed.messages.send(users[0].id, alice.id, f"reply {i}")
    ids = {"alice": alice.id, "post": posts[0].id, "user1": users[0].id, "story": story.id}
    return World(alice, ids)


def walk(api: ApiClient, path: str, token: str, limit: int) -> list[Any]:
    """Follow ``X-Next-Cursor`` from the first page to the last and return every item."""
    items: list[Any] = []
    cursor: str | None = None
    for _ in range(100):
        params: dict[str, str | int] = {"limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        response = api.request("GET", path, token=token, params=params)
        assert response.status == 200, response.body
        assert len(response.json) <= limit
        items.extend(response.json)
        cursor = response.headers.get("x-next-cursor")
        if cursor is None:
            return items
        assert response.json, "a page that announces a next page is not empty"
    raise AssertionError("the cursors never reached the last page")


@pytest.mark.parametrize(("template", "count"), LISTS)
def test_cursor_walk_covers_the_list_once(
    api: ApiClient, world: World, template: str, count: int
) -> None:
    """Walking a list two items at a time gives every item once, in the one-page order."""
    path = world.path(template)
    whole = api.request("GET", path, token=world.alice.token, params={"limit": 100})
    assert whole.status == 200, whole.body
    assert "x-next-cursor" not in whole.headers

    pages = walk(api, path, world.alice.token, limit=2)

    assert len(whole.json) == count
    assert pages == whole.json
    assert len({compact(item) for item in pages}) == count


@pytest.mark.parametrize(("template", "count"), LISTS)
def test_offset_skips_items(api: ApiClient, world: World, template: str, count: int) -> None:
    """``offset`` skips that many items of the list; a first page of a longer list has a cursor."""
    path = world.path(template)
    whole = api.request("GET", path, token=world.alice.token, params={"limit": 100}).json

    page = api.request("GET", path, token=world.alice.token, params={"limit": 2, "offset": 2})

    assert page.status == 200, page.body
    assert page.json == whole[2:4]
    assert ("x-next-cursor" in page.headers) == (count > 4)


@pytest.mark.parametrize("limit", [0, 101, -1, "ten"])
@pytest.mark.parametrize(("template", "count"), LISTS)
def test_limit_out_of_range_is_refused(
    api: ApiClient, world: World, template: str, count: int, limit: int | str
) -> None:
    """A limit outside 1..100, or not a number, is a 422 naming ``limit``."""
    response = api.request(
        "GET", world.path(template), token=world.alice.token, params={"limit": limit}
    )

    expect_field_error(response, "limit")


@pytest.mark.parametrize("limit", [0, 101])
@pytest.mark.parametrize(("path", "params"), RANKED)
def test_ranked_lists_check_their_limit(
    api: ApiClient, world: World, path: str, params: dict[str, str], limit: int
) -> None:
    """Search and trending refuse a limit outside 1..100 with a 422 naming ``limit``."""
    expect_field_error(api.request("GET", path, params={**params, "limit": limit}), "limit")


@pytest.mark.parametrize(("path", "params"), RANKED)
def test_ranked_lists_honour_their_limit(
    api: ApiClient, world: World, path: str, params: dict[str, str]
) -> None:
    """Search and trending answer at most ``limit`` results."""
    response = api.request("GET", path, params={**params, "limit": 1})

    assert response.status == 200, response.body
    assert len(response.json) == 1


def test_negative_offset_is_refused(api: ApiClient, world: World) -> None:
    """A negative offset is a 422 naming ``offset``."""
    response = api.request("GET", world.path("/api/users/{alice}/posts"), params={"offset": -1})

    expect_field_error(response, "offset")


def test_foreign_cursor_is_refused(api: ApiClient, world: World) -> None:
    """A cursor the library did not make is a 422 on ``cursor``."""
    response = api.request(
        "GET", "/api/feed", token=world.alice.token, params={"cursor": "not a cursor"}
    )

    expect_error(response, 422, "cursor: is not a cursor this library made")


def test_cursor_is_stable_when_new_items_arrive(api: ApiClient, world: World) -> None:
    """A post created between two pages does not shift the second page of the feed."""
    first = api.request("GET", "/api/feed", token=world.alice.token, params={"limit": 4})
    cursor = first.headers["x-next-cursor"]
    whole = api.request("GET", "/api/feed", token=world.alice.token, params={"limit": 100}).json

    api.request("POST", "/api/posts", json={"content": "late"}, token=world.alice.token)
    second = api.request(
        "GET", "/api/feed", token=world.alice.token, params={"limit": 4, "cursor": cursor}
    )

    assert second.json == whole[4:8]
