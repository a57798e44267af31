"""How both apps fail: unknown routes and methods, malformed requests and the library's errors."""

from __future__ import annotations

import pytest

from socialfeed import SocialFeedError, StorageBusyError, StorageConflictError, StorageError
from socialfeed.ids import PostId, UserId
from tests.http.conftest import ApiClient, expect_error, expect_field_error
from tests.support import dump

# A path with a non-integer id, and the field its 422 must name.
BAD_IDS = [
    ("GET", "/api/users/abc", "user_id"),
    ("GET", "/api/users/1.5/posts", "user_id"),
    ("GET", "/api/users/abc/followers", "user_id"),
    ("GET", "/api/users/abc/following", "user_id"),
    ("GET", "/api/posts/abc", "post_id"),
    ("PUT", "/api/posts/abc", "post_id"),
    ("DELETE", "/api/posts/abc", "post_id"),
    ("POST", "/api/posts/abc/likes", "post_id"),
    ("GET", "/api/posts/abc/comments", "post_id"),
    ("POST", "/api/posts/abc/comments", "post_id"),
    ("DELETE", "/api/posts/comments/abc", "comment_id"),
    ("POST", "/api/follow/abc", "user_id"),
    ("DELETE", "/api/follow/abc", "user_id"),
    ("DELETE", "/api/stories/abc", "story_id"),
    ("POST", "/api/stories/abc/view", "story_id"),
    ("GET", "/api/stories/abc/viewers", "story_id"),
    ("GET", "/api/messages/abc", "user_id"),
    ("POST", "/api/messages/abc/read", "sender_id"),
    ("POST", "/api/notifications/abc/read", "notification_id"),
]


def test_unknown_route_is_not_found(api: ApiClient) -> None:
    """A path no route matches is 404 {"detail": "Not Found"}, inside /api or not."""
    expect_error(api.request("GET", "/api/nothing-here"), 404, "Not Found")
    expect_error(api.request("GET", "/nothing-here"), 404, "Not Found")


@pytest.mark.parametrize(
    ("method", "path"),
    [("PATCH", "/api/posts/1"), ("DELETE", "/api/feed"), ("GET", "/api/auth/login")],
)
def test_wrong_method_is_not_allowed(api: ApiClient, method: str, path: str) -> None:
    """A known path with a method it does not take is 405 {"detail": "Method Not Allowed"}."""
    expect_error(api.request(method, path), 405, "Method Not Allowed")


@pytest.mark.parametrize(("method", "path", "field"), BAD_IDS)
def test_non_integer_id_is_a_validation_error(
    api: ApiClient, method: str, path: str, field: str
) -> None:
    """A path id that is not an integer is a 422 naming the path parameter, never a 404."""
    alice = api.signup("alice")

    response = api.request(method, path, token=alice.token, json={"content": "x"})

    expect_field_error(response, field)


@pytest.mark.parametrize("post_id", ["0", "-1", str(2**63), str(10**30)])
def test_ids_that_name_nothing_are_not_found(api: ApiClient, post_id: str) -> None:
    """Zero, negative and huge integer ids are valid integers that name no post: 404."""
    expect_error(api.request("GET", f"/api/posts/{post_id}"), 404, "Post not found")


@pytest.mark.parametrize(
    "body",
    [b'{"username": "alice", ', b"not json", b"[1, 2]", b'"alice"', b""],
    ids=["truncated", "not-json", "array", "string", "empty"],
)
def test_malformed_body_is_a_validation_error(api: ApiClient, body: bytes) -> None:
    """A body that is not a JSON object is a 422 with a string detail, and nobody is registered."""
    response = api.request("POST", "/api/auth/register", body=body)

    assert response.status == 422, response.body
    assert response.detail
    assert api.request("GET", "/api/users/1").status == 404


@pytest.mark.parametrize(
    ("error", "status", "detail"),
    [
        (StorageBusyError("database is locked"), 503, "Service busy, try again"),
        (StorageConflictError("serialization failure"), 503, "Service busy, try again"),
        (StorageError("disk on fire"), 500, "Internal server error"),
        (SocialFeedError("something else"), 500, "Internal server error"),
    ],
)
def test_storage_errors_map_to_server_errors(
    api: ApiClient,
    monkeypatch: pytest.MonkeyPatch,
    error: SocialFeedError,
    status: int,
    detail: str,
) -> None:
    """Busy or conflicting storage is 503 with Retry-After; any other library error a bare 500."""
    alice = api.signup("alice")
    post = api.feed.posts.create(alice.id, content="hello")

    def fail(post_id: PostId, *, viewer_id: UserId | None = None) -> None:
        raise error

    monkeypatch.setattr(api.feed.posts, "get", fail)
    response = api.request("GET", f"/api/posts/{post.id}")

    expect_error(response, status, detail)
    assert response.headers.get("retry-after") == ("1" if status == 503 else None)
    assert error.message not in response.body.decode()


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/posts", b'{"content": "\\ud800"}', "content"),
        ("/api/stories", b'{"content": "fine \\udfff"}', "content"),
        ("/api/posts/1/comments", b'{"content": "\\ud83d"}', "content"),
        (
            "/api/auth/register",
            b'{"username": "zed", "email": "z@example.com", "password": "12345678\\ud800"}',
            "password",
        ),
    ],
    ids=["post", "story", "comment", "password"],
)
def test_lone_surrogates_are_refused(api: ApiClient, path: str, body: bytes, field: str) -> None:
    """A lone surrogate (JSON can escape one) is not text: 422 naming the field, nothing stored."""
    alice = api.signup("alice")
    api.feed.posts.create(alice.id, content="hello")
    before = dump(api.feed.storage)

    response = api.request("POST", path, body=body, token=alice.token)

    expect_field_error(response, field)
    assert dump(api.feed.storage) == before


# Spellings that int() reads as a number, each of which would otherwise be another
# name for a resource: a sign, a leading zero, spaces, "_" and full-width digits.
NON_CANONICAL = [
    "+{id}",
    "0{id}",
    "00",
    "-0",
    " {id}",
    "{id} ",
    "%20{id}",
    "{id}_0",
    "{id}%0A",
    "\uff11",
    "\u0661",
]


@pytest.mark.parametrize("spelling", NON_CANONICAL)
def test_only_the_canonical_decimal_id_names_a_resource(api: ApiClient, spelling: str) -> None:
    """An id in a path other than canonical decimal ("+1", "01", " 1", "1_0") is 422 on the id."""
    alice = api.signup("alice")
    post = api.feed.posts.create(alice.id, content="hello")
    path_id = spelling.format(id=post.id)

    for method, path, field in [
        ("GET", f"/api/posts/{path_id}", "post_id"),
        ("GET", f"/api/posts/{path_id}/comments", "post_id"),
        ("POST", f"/api/posts/{path_id}/likes", "post_id"),
        ("GET", f"/api/users/{path_id}", "user_id"),
        ("POST", f"/api/messages/{path_id}/read", "sender_id"),
    ]:
        expect_field_error(api.request(method, path, token=alice.token), field)
    assert api.feed.posts.get(post.id).like_count == 0


def test_canonical_ids_still_name_their_resource(api: ApiClient) -> None:
    """The canonical id finds the post; 0 and a negative id are well-formed and name nothing."""
    alice = api.signup("alice")
    post = api.feed.posts.create(alice.id, content="hello")

    assert api.request("GET", f"/api/posts/{post.id}").status == 200
    expect_error(api.request("GET", "/api/posts/0"), 404, "Post not found")
    expect_error(api.request("GET", "/api/posts/-7"), 404, "Post not found")
