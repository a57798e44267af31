"""Profiles over HTTP: looking a user up, editing one's own profile, posts and follow lists."""

from __future__ import annotations

from tests.http.conftest import (
    ApiClient,
    expect,
    expect_error,
    post_json,
    profile_json,
    user_json,
)
from tests.support import dump


def test_profile_shows_the_counters(api: ApiClient) -> None:
    """GET /users/{id} answers the profile with its post, follower and following counts."""
    alice = api.signup("alice", full_name="Alice")
    bob = api.feed.accounts.create_profile("bob")
    api.feed.posts.create(alice.id, content="one")
    api.feed.posts.create(alice.id, content="two")
    api.feed.follows.follow(bob.id, alice.id)

    response = api.request("GET", f"/api/users/{alice.id}")

    user = api.feed.users.get(alice.id)
    expect(response, 200, profile_json(user))
    assert (user.post_count, user.follower_count, user.following_count) == (2, 1, 0)


def test_profile_of_an_unknown_user_is_not_found(api: ApiClient) -> None:
    """An id that names no user, zero included, is 404 "User not found"."""
    expect_error(api.request("GET", "/api/users/999"), 404, "User not found")
    expect_error(api.request("GET", "/api/users/0"), 404, "User not found")


def test_update_profile_applies_only_the_fields_present(api: ApiClient) -> None:
    """PUT /users/me changes the fields sent, leaves the others, and shows the caller's email."""
    alice = api.signup("alice", full_name="Alice")

    response = api.request(
        "PUT",
        "/api/users/me",
        json={"bio": "  curious  ", "profile_image_url": "https://example.com/a.png"},
        token=alice.token,
    )

    user = api.feed.users.get(alice.id)
    expect(response, 200, user_json(user, own=True))
    assert (user.full_name, user.bio, user.profile_image_url) == (
        "Alice",
        "curious",
        "https://example.com/a.png",
    )


def test_update_profile_clears_a_field_sent_as_null(api: ApiClient) -> None:
    """A field sent as null is cleared, unlike a field left out."""
    alice = api.signup("alice", full_name="Alice")
    api.feed.users.update_profile(alice.id, {"bio": "curious"})

    response = api.request("PUT", "/api/users/me", json={"full_name": None}, token=alice.token)

    user = api.feed.users.get(alice.id)
    expect(response, 200, user_json(user, own=True))
    assert (user.full_name, user.bio) == (None, "curious")


def test_update_profile_rejects_a_bad_url(api: ApiClient) -> None:
    """A profile image that is not an http(s) URL is a 422 naming it; nothing changes."""
    alice = api.signup("alice")
    before = dump(api.feed.storage)

    response = api.request(
        "PUT", "/api/users/me", json={"profile_image_url": "ftp://x/y.png"}, token=alice.token
    )

    expect_error(response, 422, "profile_image_url: must be an http or https URL")
    assert dump(api.feed.storage) == before


def test_update_profile_rejects_a_too_long_bio(api: ApiClient) -> None:
    """A bio over 150 characters is a 422 naming ``bio``."""
    alice = api.signup("alice")

    response = api.request("PUT", "/api/users/me", json={"bio": "x" * 151}, token=alice.token)

    expect_error(response, 422, "bio: must be at most 150 characters")
    assert api.feed.users.get(alice.id).bio is None


def test_user_posts_come_newest_first(api: ApiClient) -> None:
    """GET /users/{id}/posts lists that user's posts only, newest first."""
    alice = api.signup("alice")
    bob = api.feed.accounts.create_profile("bob")
    first = api.feed.posts.create(alice.id, content="first")
    api.feed.posts.create(bob.id, content="not alice's")
    second = api.feed.posts.create(alice.id, image_url="https://example.com/p.jpg")

    response = api.request("GET", f"/api/users/{alice.id}/posts")

    expect(response, 200, [post_json(second), post_json(first)])
    assert "x-next-cursor" not in response.headers


def test_follow_lists_show_users_without_email(api: ApiClient) -> None:
    """Followers and following are lists of users whose email is null, even the caller's own."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    carol = api.signup("carol")
    api.feed.follows.follow(bob.id, alice.id)
    api.feed.follows.follow(carol.id, alice.id)
    api.feed.follows.follow(alice.id, carol.id)
    users = {m.id: api.feed.users.get(m.id) for m in (alice, bob, carol)}

    followers = api.request("GET", f"/api/users/{alice.id}/followers", token=bob.token)
    following = api.request("GET", f"/api/users/{alice.id}/following", token=alice.token)

    expect(followers, 200, [user_json(users[carol.id]), user_json(users[bob.id])])
    expect(following, 200, [user_json(users[carol.id])])
    assert all(user["email"] is None for user in followers.json + following.json)


def test_lists_of_an_unknown_user_are_not_found(api: ApiClient) -> None:
    """Posts, followers and following of a missing user are 404, not an empty list."""
    for kind in ("posts", "followers", "following"):
        expect_error(api.request("GET", f"/api/users/999/{kind}"), 404, "User not found")
