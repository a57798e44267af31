"""Follows and the home feed over HTTP."""

from __future__ import annotations

from tests.http.conftest import ApiClient, expect, expect_error, post_json
from tests.support import dump


def test_follow_and_unfollow(api: ApiClient) -> None:
    """Following answers {"following": true}, unfollowing {"following": false}, and both stick."""
    alice = api.signup("alice")
    bob = api.signup("bob")

    followed = api.request("POST", f"/api/follow/{bob.id}", token=alice.token)
    assert api.feed.follows.is_following(alice.id, bob.id)
    unfollowed = api.request("DELETE", f"/api/follow/{bob.id}", token=alice.token)

    expect(followed, 200, {"following": True})
    expect(unfollowed, 200, {"following": False})
    assert not api.feed.follows.is_following(alice.id, bob.id)


def test_follow_errors(api: ApiClient) -> None:
    """Self, twice and unknown users: 400 "Cannot follow yourself", 400 "Already following", 404."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    api.feed.follows.follow(alice.id, bob.id)
    before = dump(api.feed.storage)

    itself = api.request("POST", f"/api/follow/{alice.id}", token=alice.token)
    twice = api.request("POST", f"/api/follow/{bob.id}", token=alice.token)
    unknown = api.request("POST", "/api/follow/999", token=alice.token)

    expect_error(itself, 400, "Cannot follow yourself")
    expect_error(twice, 400, "Already following")
    expect_error(unknown, 404, "User not found")
    assert dump(api.feed.storage) == before


def test_unfollow_errors(api: ApiClient) -> None:
    """Unfollowing someone not followed is 400 "Not following"; an unknown user 404."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    before = dump(api.feed.storage)

    not_following = api.request("DELETE", f"/api/follow/{bob.id}", token=alice.token)
    unknown = api.request("DELETE", "/api/follow/999", token=alice.token)

    expect_error(not_following, 400, "Not following")
    expect_error(unknown, 404, "User not found")
    assert dump(api.feed.storage) == before


def test_feed_has_own_and_followed_posts_newest_first(api: ApiClient) -> None:
    """The home feed holds the caller's and followees' posts, newest first, and nobody else's."""
    alice = api.signup("alice")
    bob = api.feed.accounts.create_profile("bob")
    carol = api.feed.accounts.create_profile("carol")
    api.feed.follows.follow(alice.id, bob.id)
    mine = api.feed.posts.create(alice.id, content="mine")
    api.feed.posts.create(carol.id, content="a stranger's")
    followed = api.feed.posts.create(bob.id, content="bob's")
    api.feed.likes.like(alice.id, followed.id)

    response = api.request("GET", "/api/feed", token=alice.token)

    expect(response, 200, [post_json(api.feed.posts.get(followed.id)), post_json(mine)])
    assert "x-next-cursor" not in response.headers


def test_feed_sees_a_write_right_after_it(api: ApiClient) -> None:
    """A post created over HTTP is in the author's feed on the very next request."""
    alice = api.signup("alice")

    created = api.request("POST", "/api/posts", json={"content": "now"}, token=alice.token)

    assert [p["id"] for p in api.request("GET", "/api/feed", token=alice.token).json] == [
        created.json["id"]
    ]
