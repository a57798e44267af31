"""Privacy and safety over HTTP: blocks, mutes, private accounts, follow requests and likers.

Also the optional bearer token of the routes that anyone may read: with a
valid token the caller reads as themselves, without one anonymously, and a
bad token is refused rather than read as no token.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest

from examples.fastapi_app import create_app
from socialfeed import ManualClock
from socialfeed.ids import UserId
from socialfeed.storage import MemoryStorage
from tests.http.conftest import (
    BACKENDS,
    FRAMEWORKS,
    ApiClient,
    Member,
    Response,
    comment_json,
    compact,
    expect,
    expect_error,
    expect_field_error,
    iso,
    new_feed,
    post_json,
    profile_json,
    story_json,
    user_json,
)
from tests.http.test_pagination import walk
from tests.support import dump

# The routes that need a token, with a body that would be valid, so that only the
# missing or bad token can be what the app objects to.
PROTECTED: list[tuple[str, str, dict[str, object] | None]] = [
    ("GET", "/api/blocks", None),
    ("POST", "/api/blocks/1", None),
    ("DELETE", "/api/blocks/1", None),
    ("GET", "/api/mutes", None),
    ("POST", "/api/mutes/1", {"until": None}),
    ("DELETE", "/api/mutes/1", None),
    ("PUT", "/api/users/me/privacy", {"is_private": True}),
    ("GET", "/api/follow-requests", None),
    ("GET", "/api/follow-requests/sent", None),
    ("POST", "/api/follow-requests/1/approve", None),
    ("POST", "/api/follow-requests/1/reject", None),
    ("DELETE", "/api/follow-requests/1", None),
]
PROTECTED_IDS = [f"{method} {path}" for method, path, _ in PROTECTED]

# The routes anyone may read, that read as the caller when a token comes along.
OPTIONAL_AUTH: list[tuple[str, dict[str, str]]] = [
    ("/api/users/{alice}", {}),
    ("/api/users/{alice}/posts", {}),
    ("/api/users/{alice}/followers", {}),
    ("/api/users/{alice}/following", {}),
    ("/api/posts/{post}", {}),
    ("/api/posts/{post}/comments", {}),
    ("/api/posts/{post}/likes", {}),
    ("/api/search/users", {"q": "alice"}),
    ("/api/search/hashtags", {"q": "tag"}),
    ("/api/search/posts/hashtag/tag", {}),
]

# The new routes with an id in their path, and the field a non-integer id's 422 names.
BAD_IDS = [
    ("POST", "/api/blocks/abc"),
    ("DELETE", "/api/blocks/abc"),
    ("POST", "/api/mutes/abc"),
    ("DELETE", "/api/mutes/abc"),
    ("POST", "/api/follow-requests/abc/approve"),
    ("POST", "/api/follow-requests/abc/reject"),
    ("DELETE", "/api/follow-requests/abc"),
]

# The new lists, each with the number of items the paging world below gives it.
LISTS = [
    ("/api/blocks", 5),
    ("/api/mutes", 5),
    ("/api/follow-requests", 5),
    ("/api/follow-requests/sent", 5),
    ("/api/posts/{post}/likes", 5),
]


def expect_no_content(response: Response) -> None:
    """Check a ``204``: no body and no content type."""
    assert (response.status, response.body) == (204, b""), (response.status, response.body)
    assert "content-type" not in response.headers, response.headers


def ids_of(response: Response) -> list[int]:
    """Return the ids of a list response's items, checking that it succeeded."""
    assert response.status == 200, (response.status, response.body)
    return [item["id"] for item in response.json]


# Blocks


def test_block_list_and_unblock(api: ApiClient) -> None:
    """Blocking answers 204 and lists the user (no email); unblocking answers 204 and unlists."""
    alice = api.signup("alice")
    bob = api.signup("bob")

    blocked = api.request("POST", f"/api/blocks/{bob.id}", token=alice.token)
    listed = api.request("GET", "/api/blocks", token=alice.token)
    unblocked = api.request("DELETE", f"/api/blocks/{bob.id}", token=alice.token)

    expect_no_content(blocked)
    expect(listed, 200, [user_json(api.feed.users.get(bob.id))])
    expect_no_content(unblocked)
    assert not api.feed.blocks.is_blocking(alice.id, bob.id)
    expect(api.request("GET", "/api/blocks", token=alice.token), 200, [])


def test_block_errors(api: ApiClient) -> None:
    """Blocking oneself is 400 "Cannot block yourself", an unknown user 404; nothing changes."""
    alice = api.signup("alice")
    before = dump(api.feed.storage)

    itself = api.request("POST", f"/api/blocks/{alice.id}", token=alice.token)
    unknown = api.request("POST", "/api/blocks/999", token=alice.token)

    expect_error(itself, 400, "Cannot block yourself")
    expect_error(unknown, 404, "User not found")
    assert dump(api.feed.storage) == before


def test_blocking_again_and_unblocking_nobody_change_nothing(api: ApiClient) -> None:
    """A second block, and lifting a block that does not exist, are 204s that change nothing."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    api.feed.blocks.block(alice.id, bob.id)
    before = dump(api.feed.storage)

    again = api.request("POST", f"/api/blocks/{bob.id}", token=alice.token)
    not_blocked = api.request("DELETE", f"/api/blocks/{alice.id}", token=bob.token)
    unknown = api.request("DELETE", "/api/blocks/999", token=alice.token)

    for response in (again, not_blocked, unknown):
        expect_no_content(response)
    assert dump(api.feed.storage) == before


def test_block_ends_the_follows_both_ways(api: ApiClient) -> None:
    """After a block neither follows the other, and the follow lists say so."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    api.feed.follows.follow(alice.id, bob.id)
    api.feed.follows.follow(bob.id, alice.id)

    expect_no_content(api.request("POST", f"/api/blocks/{bob.id}", token=alice.token))

    expect(api.request("GET", f"/api/users/{alice.id}/followers"), 200, [])
    expect(api.request("GET", f"/api/users/{alice.id}/following"), 200, [])
    expect(api.request("GET", f"/api/users/{bob.id}/followers"), 200, [])


def test_block_hides_content_both_ways(api: ApiClient) -> None:
    """Across a block each side's posts are not found for the other; anonymous readers see both."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    by_alice = api.feed.posts.create(alice.id, content="alice's #tag")
    by_bob = api.feed.posts.create(bob.id, content="bob's #tag")
    api.request("POST", f"/api/blocks/{bob.id}", token=alice.token)

    for reader, author, post in ((bob, alice, by_alice), (alice, bob, by_bob)):
        token = reader.token
        expect_error(
            api.request("GET", f"/api/posts/{post.id}", token=token), 404, "Post not found"
        )
        expect_error(
            api.request("GET", f"/api/posts/{post.id}/comments", token=token), 404, "Post not found"
        )
        expect_error(
            api.request("GET", f"/api/users/{author.id}/posts", token=token), 404, "User not found"
        )
        tagged = api.request("GET", "/api/search/posts/hashtag/tag", token=token)
        assert ids_of(tagged) == [by_alice.id if reader is alice else by_bob.id]
        expect(api.request("GET", f"/api/posts/{post.id}"), 200, post_json(post))
    assert ids_of(api.request("GET", "/api/search/posts/hashtag/tag")) == [by_bob.id, by_alice.id]


def test_the_blocked_user_finds_the_blocker_not_found(api: ApiClient) -> None:
    """The blocked user gets 404 for the blocker's profile and in search; not the other way."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    api.request("POST", f"/api/blocks/{bob.id}", token=alice.token)

    as_bob = api.request("GET", f"/api/users/{alice.id}", token=bob.token)
    as_alice = api.request("GET", f"/api/users/{bob.id}", token=alice.token)
    searched = api.request("GET", "/api/search/users", params={"q": "alice"}, token=bob.token)

    expect_error(as_bob, 404, "User not found")
    expect(as_alice, 200, profile_json(api.feed.users.get(bob.id)))
    expect(searched, 200, [])
    expect(
        api.request("GET", "/api/search/users", params={"q": "alice"}),
        200,
        [user_json(api.feed.users.get(alice.id))],
    )


def test_block_hides_comments_and_likers_on_a_third_post(api: ApiClient) -> None:
    """On carol's post the blocker sees neither the blocked user's comment nor their like."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    carol = api.signup("carol")
    post = api.feed.posts.create(carol.id, content="carol's")
    for member in (alice, bob):
        api.feed.likes.like(member.id, post.id)
        api.feed.comments.add(member.id, post.id, f"by {member.username}")
    api.request("POST", f"/api/blocks/{bob.id}", token=alice.token)

    comments = api.request("GET", f"/api/posts/{post.id}/comments", token=alice.token)
    likers = api.request("GET", f"/api/posts/{post.id}/likes", token=alice.token)

    mine = api.feed.comments.for_post(post.id, viewer_id=alice.id).items
    expect(comments, 200, [comment_json(comment) for comment in mine])
    assert [comment["author_id"] for comment in comments.json] == [alice.id]
    expect(likers, 200, [user_json(api.feed.users.get(alice.id))])
    assert len(api.request("GET", f"/api/posts/{post.id}/comments").json) == 2
    assert ids_of(api.request("GET", f"/api/posts/{post.id}/likes")) == [bob.id, alice.id]


def test_the_blocker_may_not_follow_or_message(api: ApiClient) -> None:
    """The blocker's follow and message are 403 "You blocked this user"; nothing is stored."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    api.feed.blocks.block(alice.id, bob.id)
    before = dump(api.feed.storage)

    follow = api.request("POST", f"/api/follow/{bob.id}", token=alice.token)
    message = api.request(
        "POST", "/api/messages", json={"receiver_id": bob.id, "content": "hi"}, token=alice.token
    )

    expect_error(follow, 403, "You blocked this user")
    expect_error(message, 403, "You blocked this user")
    assert dump(api.feed.storage) == before


def test_the_blocked_user_finds_nobody_to_follow_or_message(api: ApiClient) -> None:
    """The blocked user's follow and message are 404 "User not found", as for nobody at all."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    api.feed.blocks.block(alice.id, bob.id)
    before = dump(api.feed.storage)

    follow = api.request("POST", f"/api/follow/{alice.id}", token=bob.token)
    message = api.request(
        "POST", "/api/messages", json={"receiver_id": alice.id, "content": "hi"}, token=bob.token
    )

    expect_error(follow, 404, "User not found")
    expect_error(message, 404, "User not found")
    assert dump(api.feed.storage) == before


# Mutes


def test_mute_removes_posts_from_the_feed_until_unmuted(api: ApiClient) -> None:
    """A muted followee's posts leave the caller's feed; unmuting brings them back."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    carol = api.signup("carol")
    for member in (bob, carol):
        api.feed.follows.follow(alice.id, member.id)
    by_bob = api.feed.posts.create(bob.id, content="bob's")
    by_carol = api.feed.posts.create(carol.id, content="carol's")

    muted = api.request("POST", f"/api/mutes/{bob.id}", token=alice.token)
    while_muted = api.request("GET", "/api/feed", token=alice.token)
    unmuted = api.request("DELETE", f"/api/mutes/{bob.id}", token=alice.token)

    expect_no_content(muted)
    expect(while_muted, 200, [post_json(by_carol)])
    expect_no_content(unmuted)
    expect(
        api.request("GET", "/api/feed", token=alice.token),
        200,
        [post_json(by_carol), post_json(by_bob)],
    )


def test_mute_lists_the_user_and_until(api: ApiClient) -> None:
    """GET /mutes answers [{"user", "until"}], latest first; until is null for a lasting mute."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    carol = api.signup("carol")
    until = api.clock.now() + timedelta(days=1)

    api.request("POST", f"/api/mutes/{bob.id}", token=alice.token)
    api.request(
        "POST", f"/api/mutes/{carol.id}", json={"until": until.isoformat()}, token=alice.token
    )
    response = api.request("GET", "/api/mutes", token=alice.token)

    expect(
        response,
        200,
        [
            {"user": user_json(api.feed.users.get(carol.id)), "until": iso(until)},
            {"user": user_json(api.feed.users.get(bob.id)), "until": None},
        ],
    )


def test_mute_until_ends_by_itself(api: ApiClient) -> None:
    """A mute until a time, given with another UTC offset, is listed in UTC and ends then."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    api.feed.follows.follow(alice.id, bob.id)
    post = api.feed.posts.create(bob.id, content="bob's")
    ends = (api.clock.now() + timedelta(hours=1)).replace(microsecond=0)
    two_hours_east = ends.astimezone(timezone(timedelta(hours=2)))

    muted = api.request(
        "POST",
        f"/api/mutes/{bob.id}",
        json={"until": two_hours_east.isoformat()},
        token=alice.token,
    )
    listed = api.request("GET", "/api/mutes", token=alice.token)
    feed_while_muted = api.request("GET", "/api/feed", token=alice.token)
    api.clock.advance(timedelta(hours=1, seconds=1))

    expect_no_content(muted)
    assert listed.json[0]["until"] == iso(ends)
    assert listed.json[0]["until"].endswith("Z")
    expect(feed_while_muted, 200, [])
    expect(api.request("GET", "/api/feed", token=alice.token), 200, [post_json(post)])
    expect(api.request("GET", "/api/mutes", token=alice.token), 200, [])


@pytest.mark.parametrize(
    "body",
    [None, b"null", b"{}", b'{"until": null}'],
    ids=["no-body", "null", "empty-object", "until-null"],
)
def test_mute_body_is_optional(api: ApiClient, body: bytes | None) -> None:
    """Without a body, with null, or without until, the mute lasts until it is lifted."""
    alice = api.signup("alice")
    bob = api.signup("bob")

    response = api.request("POST", f"/api/mutes/{bob.id}", body=body, token=alice.token)

    expect_no_content(response)
    assert [(mute.user.id, mute.until) for mute in api.feed.mutes.list(alice.id).items] == [
        (bob.id, None)
    ]


def test_muting_again_replaces_until(api: ApiClient) -> None:
    """A second mute of the same user replaces its end rather than adding a row."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    later = api.clock.now() + timedelta(days=2)
    api.request("POST", f"/api/mutes/{bob.id}", token=alice.token)

    again = api.request(
        "POST", f"/api/mutes/{bob.id}", json={"until": later.isoformat()}, token=alice.token
    )

    expect_no_content(again)
    assert [item["until"] for item in api.request("GET", "/api/mutes", token=alice.token).json] == [
        iso(later)
    ]


def test_mute_errors(api: ApiClient) -> None:
    """Muting oneself is 400, an unknown user 404, a past or naive until a 422; nothing changes."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    past = (api.clock.now() - timedelta(seconds=1)).isoformat()
    naive = (api.clock.now() + timedelta(days=1)).replace(tzinfo=None).isoformat()
    before = dump(api.feed.storage)

    itself = api.request("POST", f"/api/mutes/{alice.id}", token=alice.token)
    unknown = api.request("POST", "/api/mutes/999", token=alice.token)
    in_the_past = api.request(
        "POST", f"/api/mutes/{bob.id}", json={"until": past}, token=alice.token
    )
    without_offset = api.request(
        "POST", f"/api/mutes/{bob.id}", json={"until": naive}, token=alice.token
    )

    expect_error(itself, 400, "Cannot mute yourself")
    expect_error(unknown, 404, "User not found")
    expect_error(in_the_past, 422, "until: must be a timezone-aware time in the future")
    expect_error(without_offset, 422, "until: must be a timezone-aware time in the future")
    assert dump(api.feed.storage) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"until": 1900000000}', "until"),
        (b'{"until": "tomorrow"}', "until"),
        (b'{"until": true}', "until"),
        (b"[]", "body"),
        (b'{"until": ', "body"),
    ],
    ids=["number", "not-a-time", "boolean", "array", "malformed"],
)
def test_mute_refuses_a_malformed_body(api: ApiClient, body: bytes, field: str) -> None:
    """An until that is not ISO 8601 text, or a body that is not an object, is a 422."""
    alice = api.signup("alice")
    bob = api.signup("bob")

    response = api.request("POST", f"/api/mutes/{bob.id}", body=body, token=alice.token)

    expect_field_error(response, field)
    assert api.feed.mutes.list(alice.id).items == ()


def test_unmuting_nobody_changes_nothing(api: ApiClient) -> None:
    """Lifting a mute that does not exist, or of an unknown user, is a 204 that changes nothing."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    before = dump(api.feed.storage)

    for path in (f"/api/mutes/{bob.id}", "/api/mutes/999"):
        expect_no_content(api.request("DELETE", path, token=alice.token))
    assert dump(api.feed.storage) == before


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_mute_until_is_written_in_utc_on_every_backend(
    make_api: Callable[[str, str], ApiClient], framework: str, backend: str
) -> None:
    """An until sent with a +05:30 offset comes back as the same instant in UTC, with a Z."""
    api = make_api(framework, backend)
    alice = api.signup("alice")
    bob = api.signup("bob")
    ends = (api.clock.now() + timedelta(days=1)).replace(microsecond=0)

    india = ends.astimezone(timezone(timedelta(hours=5, minutes=30)))

    muted = api.request(
        "POST", f"/api/mutes/{bob.id}", json={"until": india.isoformat()}, token=alice.token
    )

    expect_no_content(muted)
    assert india.isoformat().endswith("+05:30")
    expect(
        api.request("GET", "/api/mutes", token=alice.token),
        200,
        [{"user": user_json(api.feed.users.get(bob.id)), "until": iso(ends.astimezone(UTC))}],
    )


# Private accounts and follow requests


def test_set_privacy_answers_the_callers_own_record(api: ApiClient) -> None:
    """PUT /users/me/privacy answers 200 with the caller's User, email included, and sticks."""
    alice = api.signup("alice")

    private = api.request(
        "PUT", "/api/users/me/privacy", json={"is_private": True}, token=alice.token
    )
    assert api.feed.users.get(alice.id).is_private
    public = api.request(
        "PUT", "/api/users/me/privacy", json={"is_private": False}, token=alice.token
    )

    expect(private, 200, user_json(api.feed.users.get(alice.id), own=True))
    expect(public, 200, user_json(api.feed.users.get(alice.id), own=True))
    assert private.json["email"] == "alice@example.com"
    assert not api.feed.users.get(alice.id).is_private


@pytest.mark.parametrize(
    "body", [{}, {"is_private": "yes"}, {"is_private": 1}, {"is_private": None}]
)
def test_set_privacy_needs_a_boolean(api: ApiClient, body: dict[str, object]) -> None:
    """A missing, textual, numeric or null is_private is a 422 naming it; nothing changes."""
    alice = api.signup("alice")
    before = dump(api.feed.storage)

    response = api.request("PUT", "/api/users/me/privacy", json=body, token=alice.token)

    expect_field_error(response, "is_private")
    assert dump(api.feed.storage) == before


def test_follow_of_a_public_account_is_unchanged(api: ApiClient) -> None:
    """Following a public account still answers exactly {"following": true}."""
    alice = api.signup("alice")
    bob = api.signup("bob")

    expect(
        api.request("POST", f"/api/follow/{alice.id}", token=bob.token), 200, {"following": True}
    )


def test_follow_of_a_private_account_makes_a_request(api: ApiClient) -> None:
    """Following a private account answers {"following": false, "requested": true}, listed twice."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    api.feed.users.set_private(alice.id, True)

    response = api.request("POST", f"/api/follow/{alice.id}", token=bob.token)
    again = api.request("POST", f"/api/follow/{alice.id}", token=bob.token)

    expect(response, 200, {"following": False, "requested": True})
    assert list(response.json) == ["following", "requested"]
    expect_error(again, 400, "Follow request already sent")
    assert not api.feed.follows.is_following(bob.id, alice.id)
    expect(
        api.request("GET", "/api/follow-requests", token=alice.token),
        200,
        [user_json(api.feed.users.get(bob.id))],
    )
    expect(
        api.request("GET", "/api/follow-requests/sent", token=bob.token),
        200,
        [user_json(api.feed.users.get(alice.id))],
    )


def test_approving_a_request_makes_a_follower(api: ApiClient) -> None:
    """Approving answers 204: the requester follows, and the request leaves both lists."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    api.feed.users.set_private(alice.id, True)
    api.feed.follows.follow(bob.id, alice.id)

    approved = api.request("POST", f"/api/follow-requests/{bob.id}/approve", token=alice.token)
    twice = api.request("POST", f"/api/follow-requests/{bob.id}/approve", token=alice.token)

    expect_no_content(approved)
    assert api.feed.follows.is_following(bob.id, alice.id)
    expect(api.request("GET", "/api/follow-requests", token=alice.token), 200, [])
    expect(api.request("GET", "/api/follow-requests/sent", token=bob.token), 200, [])
    expect_error(twice, 404, "Follow request not found")


def test_rejecting_a_request_lets_the_requester_ask_again(api: ApiClient) -> None:
    """Rejecting answers 204 and makes no follow; the requester may then ask again."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    api.feed.users.set_private(alice.id, True)
    api.feed.follows.follow(bob.id, alice.id)

    rejected = api.request("POST", f"/api/follow-requests/{bob.id}/reject", token=alice.token)

    expect_no_content(rejected)
    assert not api.feed.follows.is_following(bob.id, alice.id)
    expect(api.request("GET", "/api/follow-requests", token=alice.token), 200, [])
    expect(
        api.request("POST", f"/api/follow/{alice.id}", token=bob.token),
        200,
        {"following": False, "requested": True},
    )


def test_withdrawing_a_request(api: ApiClient) -> None:
    """The requester's DELETE /follow-requests/{owner} answers 204 and the owner sees no request."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    api.feed.users.set_private(alice.id, True)
    api.feed.follows.follow(bob.id, alice.id)

    withdrawn = api.request("DELETE", f"/api/follow-requests/{alice.id}", token=bob.token)
    twice = api.request("DELETE", f"/api/follow-requests/{alice.id}", token=bob.token)

    expect_no_content(withdrawn)
    expect(api.request("GET", "/api/follow-requests", token=alice.token), 200, [])
    expect_error(twice, 404, "Follow request not found")


def test_a_missing_request_is_not_found(api: ApiClient) -> None:
    """Approving, rejecting or withdrawing a request nobody made is 404; so is the wrong side's."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    api.feed.users.set_private(alice.id, True)
    api.feed.follows.follow(bob.id, alice.id)
    before = dump(api.feed.storage)

    answers = [
        api.request("POST", "/api/follow-requests/999/approve", token=alice.token),
        api.request("POST", f"/api/follow-requests/{alice.id}/reject", token=alice.token),
        # Only the owner answers a request, only the requester withdraws it.
        api.request("POST", f"/api/follow-requests/{alice.id}/approve", token=bob.token),
        api.request("DELETE", f"/api/follow-requests/{bob.id}", token=alice.token),
    ]

    for response in answers:
        expect_error(response, 404, "Follow request not found")
    assert dump(api.feed.storage) == before


def test_going_public_approves_the_pending_requests(api: ApiClient) -> None:
    """Making a private account public turns every pending request into a follow."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    api.feed.users.set_private(alice.id, True)
    api.feed.follows.follow(bob.id, alice.id)

    api.request("PUT", "/api/users/me/privacy", json={"is_private": False}, token=alice.token)

    assert api.feed.follows.is_following(bob.id, alice.id)
    expect(api.request("GET", "/api/follow-requests", token=alice.token), 200, [])


def test_a_private_accounts_content_is_for_its_followers(api: ApiClient) -> None:
    """Anonymous readers and strangers get 404 for a private account's content; followers 200."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    carol = api.signup("carol")
    post = api.feed.posts.create(alice.id, content="private #tag")
    api.feed.users.set_private(alice.id, True)
    api.request("POST", f"/api/follow/{alice.id}", token=bob.token)
    api.request("POST", f"/api/follow-requests/{bob.id}/approve", token=alice.token)
    posts = f"/api/users/{alice.id}/posts"

    for token in (None, carol.token):
        expect_error(api.request("GET", posts, token=token), 404, "User not found")
        for path in (f"/api/posts/{post.id}", f"/api/posts/{post.id}/comments"):
            expect_error(api.request("GET", path, token=token), 404, "Post not found")
        expect_error(
            api.request("GET", f"/api/posts/{post.id}/likes", token=token), 404, "Post not found"
        )
        for path in (f"/api/users/{alice.id}/followers", f"/api/users/{alice.id}/following"):
            expect_error(api.request("GET", path, token=token), 404, "User not found")
        assert ids_of(api.request("GET", "/api/search/posts/hashtag/tag", token=token)) == []
        # The profile itself stays visible: that is how one finds whom to ask.
        expect(
            api.request("GET", f"/api/users/{alice.id}", token=token),
            200,
            profile_json(api.feed.users.get(alice.id)),
        )

    expect(api.request("GET", posts, token=bob.token), 200, [post_json(post)])
    expect(api.request("GET", f"/api/posts/{post.id}", token=bob.token), 200, post_json(post))
    expect(api.request("GET", f"/api/posts/{post.id}/comments", token=bob.token), 200, [])
    expect(
        api.request("GET", f"/api/users/{alice.id}/followers", token=bob.token),
        200,
        [user_json(api.feed.users.get(bob.id))],
    )
    assert ids_of(api.request("GET", "/api/search/posts/hashtag/tag", token=bob.token)) == [post.id]
    expect(api.request("GET", posts, token=alice.token), 200, [post_json(post)])


def test_a_private_account_reads_its_own_content(api: ApiClient) -> None:
    """Going private hides nothing from the owner: their stories, posts and lists still answer."""
    alice = api.signup("alice")
    story = api.feed.stories.create(alice.id, content="mine")
    post = api.feed.posts.create(alice.id, content="mine too")
    api.request("PUT", "/api/users/me/privacy", json={"is_private": True}, token=alice.token)

    expect(
        api.request("GET", "/api/stories", token=alice.token),
        200,
        [story_json(api.feed.stories.get(story.id, viewer_id=alice.id))],
    )
    expect(
        api.request("GET", f"/api/users/{alice.id}/posts", token=alice.token),
        200,
        [post_json(post)],
    )
    expect(api.request("GET", f"/api/posts/{post.id}", token=alice.token), 200, post_json(post))
    expect(api.request("GET", f"/api/users/{alice.id}/followers", token=alice.token), 200, [])


# Likers


def test_likers_come_latest_first_without_emails(api: ApiClient) -> None:
    """GET /posts/{id}/likes lists who liked the post, the latest like first, emails null."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    carol = api.signup("carol")
    post = api.feed.posts.create(alice.id, content="like me")
    api.request("POST", f"/api/posts/{post.id}/likes", token=bob.token)
    api.request("POST", f"/api/posts/{post.id}/likes", token=carol.token)

    response = api.request("GET", f"/api/posts/{post.id}/likes")

    expect(
        response,
        200,
        [user_json(api.feed.users.get(carol.id)), user_json(api.feed.users.get(bob.id))],
    )
    assert "x-next-cursor" not in response.headers


def test_likers_of_an_unknown_post_are_not_found(api: ApiClient) -> None:
    """The likers of a post that does not exist are 404 "Post not found"."""
    expect_error(api.request("GET", "/api/posts/999/likes"), 404, "Post not found")


# Optional auth


@attrs.frozen
class Readable:
    """Alice with a post, a follower, a followee, a comment and a like, for every public read."""

    alice: Member
    ids: dict[str, int]

    def path(self, template: str) -> str:
        """Fill a path's placeholders with this world's ids."""
        return template.format(**self.ids)


@pytest.fixture
def readable(api: ApiClient) -> Readable:
    """Alice, public, with something on every route that anyone may read."""
    alice = api.signup("alice")
    bob = api.feed.accounts.create_profile("bob")
    post = api.feed.posts.create(alice.id, content="hello #tag")
    api.feed.follows.follow(bob.id, alice.id)
    api.feed.follows.follow(alice.id, bob.id)
    api.feed.comments.add(bob.id, post.id, "hi")
    api.feed.likes.like(bob.id, post.id)
    return Readable(alice, {"alice": alice.id, "post": post.id})


@pytest.mark.parametrize(("template", "params"), OPTIONAL_AUTH)
def test_optional_auth_reads_alike_with_and_without_a_token(
    api: ApiClient, readable: Readable, template: str, params: dict[str, str]
) -> None:
    """A public read answers the same bytes anonymously, with a token, and with another scheme."""
    path = readable.path(template)

    anonymous = api.request("GET", path, params=params)
    with_token = api.request("GET", path, params=params, token=readable.alice.token)
    basic = api.request("GET", path, params=params, headers={"Authorization": "Basic YTpi"})

    assert anonymous.status == 200, anonymous.body
    assert anonymous.json
    assert with_token.body == anonymous.body
    assert (basic.status, basic.body) == (200, anonymous.body)


@pytest.mark.parametrize(("template", "params"), OPTIONAL_AUTH)
def test_optional_auth_refuses_a_bad_token(
    api: ApiClient, readable: Readable, template: str, params: dict[str, str]
) -> None:
    """A token that is unknown or revoked is 401 "Invalid token", not an anonymous read."""
    path = readable.path(template)
    api.request("POST", "/api/auth/logout", token=readable.alice.token)

    unknown = api.request("GET", path, params=params, token="not-a-real-token")
    revoked = api.request("GET", path, params=params, token=readable.alice.token)

    expect_error(unknown, 401, "Invalid token")
    expect_error(revoked, 401, "Invalid token")


def test_optional_auth_checks_the_token_before_the_path(api: ApiClient) -> None:
    """A bad token on a path with a bad id is a 401, as on every route that needs a token."""
    expect_error(api.request("GET", "/api/users/abc", token="forged"), 401, "Invalid token")


def test_the_openapi_document_says_which_reads_take_an_optional_token() -> None:
    """FastAPI's document lists "no auth" beside the bearer scheme on the public reads."""
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))
    document: dict[str, Any] = create_app(new_feed(MemoryStorage(), clock)).openapi()
    bearer: list[dict[str, list[str]]] = [{"HTTPBearer": []}]
    optional: list[dict[str, list[str]]] = [{"HTTPBearer": []}, {}]

    public_reads = {
        "/api/users/{user_id}",
        "/api/users/{user_id}/posts",
        "/api/users/{user_id}/followers",
        "/api/users/{user_id}/following",
        "/api/posts/{post_id}",
        "/api/posts/{post_id}/comments",
        "/api/posts/{post_id}/likes",
        "/api/search/users",
        "/api/search/hashtags",
        "/api/search/posts/hashtag/{tag}",
    }
    for path in public_reads:
        get = document["paths"][path]["get"]
        assert get["security"] == optional, path
        assert get["responses"]["401"]["description"].startswith('"Invalid token"'), path
    assert document["paths"]["/api/blocks"]["get"]["security"] == bearer
    assert document["paths"]["/api/posts/{post_id}/likes"]["post"]["security"] == bearer
    assert "security" not in document["paths"]["/api/hashtags/trending"]["get"]


# Tokens and ids on the new routes


@pytest.mark.parametrize(("method", "path", "body"), PROTECTED, ids=PROTECTED_IDS)
def test_new_routes_need_a_token(
    api: ApiClient, method: str, path: str, body: dict[str, object] | None
) -> None:
    """Every new route that acts for the caller answers 401 without a token and with a bad one."""
    api.signup("alice")
    before = dump(api.feed.storage)

    missing = api.request(method, path, json=body)
    forged = api.request(method, path, json=body, token="not-a-real-token")

    expect_error(missing, 401, "Not authenticated")
    expect_error(forged, 401, "Invalid token")
    assert dump(api.feed.storage) == before


@pytest.mark.parametrize(("method", "path"), BAD_IDS)
def test_new_routes_refuse_a_non_integer_id(api: ApiClient, method: str, path: str) -> None:
    """A path id that is not an integer is a 422 naming ``user_id``, never a 404."""
    alice = api.signup("alice")

    expect_field_error(api.request(method, path, token=alice.token), "user_id")


# Pages


@attrs.frozen
class Lists:
    """Alice, whose new lists all hold five items, and the id of her liked post."""

    alice: Member
    ids: dict[str, int]

    def path(self, template: str) -> str:
        """Fill a list path's placeholders with this world's ids."""
        return template.format(**self.ids)


@pytest.fixture
def lists(api: ApiClient) -> Lists:
    """Alice blocks five users, mutes five, has five requests each way and five likers."""
    feed = api.feed
    alice = api.signup("alice")
    post = feed.posts.create(alice.id, content="liked")

    def users(prefix: str) -> list[int]:
        return [feed.accounts.create_profile(f"{prefix}{i}").id for i in range(1, 6)]

    for user_id in users("liker"):
        feed.likes.like(UserId(user_id), post.id)
    for user_id in users("blocked"):
        feed.blocks.block(alice.id, UserId(user_id))
    for user_id in users("muted"):
        feed.mutes.mute(alice.id, UserId(user_id))
    for user_id in users("owner"):
        feed.users.set_private(UserId(user_id), True)
        feed.follows.follow(alice.id, UserId(user_id))
    feed.users.set_private(alice.id, True)
    for user_id in users("requester"):
        feed.follows.follow(UserId(user_id), alice.id)
    return Lists(alice, {"post": post.id})


@pytest.mark.parametrize(("template", "count"), LISTS)
def test_new_lists_page_with_cursors(
    api: ApiClient, lists: Lists, template: str, count: int
) -> None:
    """Walking a new list two at a time by X-Next-Cursor gives each item once, in order."""
    path = lists.path(template)
    whole = api.request("GET", path, token=lists.alice.token, params={"limit": 100})
    first = api.request("GET", path, token=lists.alice.token, params={"limit": 2})

    pages = walk(api, path, lists.alice.token, limit=2)

    assert whole.status == 200, whole.body
    assert len(whole.json) == count
    assert "x-next-cursor" not in whole.headers
    assert "x-next-cursor" in first.headers
    assert pages == whole.json
    assert len({compact(item) for item in pages}) == count


@pytest.mark.parametrize(("template", "count"), LISTS)
def test_new_lists_take_offset_and_check_limit(
    api: ApiClient, lists: Lists, template: str, count: int
) -> None:
    """``offset`` skips items of a new list; a limit outside 1..100 is a 422 naming ``limit``."""
    path = lists.path(template)
    whole = api.request("GET", path, token=lists.alice.token, params={"limit": 100}).json

    page = api.request("GET", path, token=lists.alice.token, params={"limit": 2, "offset": 2})

    assert page.json == whole[2:4]
    assert ("x-next-cursor" in page.headers) == (count > 4)
    for limit in (0, 101):
        expect_field_error(
            api.request("GET", path, token=lists.alice.token, params={"limit": limit}), "limit"
        )


@pytest.mark.parametrize(
    "until",
    [
        "1900000000",
        "1900000000.5",
        "2030-01-01 12:00:00Z",
        "2030-01-01t12:00:00z",
        "20300101T120000Z",
        "2030-01-01",
        "2030-01-01T12:00:00+0100",
        "２０３０-01-01T12:00:00Z",
        "2030-02-30T12:00:00Z",
        " 2030-01-01T12:00:00Z",
    ],
)
def test_mute_until_is_iso_8601_text_only(api: ApiClient, until: str) -> None:
    """An until that is not ISO 8601 text with a "T" (a Unix time, a space...) is 422 on until."""
    alice = api.signup("alice")
    bob = api.signup("bob")

    response = api.request("POST", f"/api/mutes/{bob.id}", json={"until": until}, token=alice.token)

    expect_field_error(response, "until")
    assert api.feed.mutes.list(alice.id).items == ()


@pytest.mark.parametrize(
    "until", ["2030-01-01T12:00Z", "2030-01-01T12:00:00.123456+02:00", "2030-01-01T12:00:00-05:30"]
)
def test_mute_until_takes_iso_8601_with_an_offset(api: ApiClient, until: str) -> None:
    """An ISO 8601 until with its offset, seconds and fractions optional, is taken as written."""
    alice = api.signup("alice")
    bob = api.signup("bob")

    response = api.request("POST", f"/api/mutes/{bob.id}", json={"until": until}, token=alice.token)

    expect_no_content(response)
    (mute,) = api.feed.mutes.list(alice.id).items
    assert mute.until == datetime.fromisoformat(until)
