"""Accounts over HTTP: register, login, the bearer token, logout, password and account deletion."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.http.conftest import (
    ApiClient,
    expect,
    expect_error,
    expect_field_error,
    user_json,
)
from tests.support import PASSWORD, dump

# Every route that needs a token, with a body that would be valid, so that only the
# missing or bad token can be what the app objects to.
PROTECTED: list[tuple[str, str, dict[str, object] | None]] = [
    ("GET", "/api/auth/me", None),
    ("POST", "/api/auth/logout", None),
    ("PUT", "/api/auth/password", {"old_password": PASSWORD, "new_password": "another password"}),
    ("PUT", "/api/users/me", {"bio": "hi"}),
    ("DELETE", "/api/users/me", None),
    ("POST", "/api/posts", {"content": "hello"}),
    ("PUT", "/api/posts/1", {"content": "hello"}),
    ("DELETE", "/api/posts/1", None),
    ("POST", "/api/posts/1/likes", None),
    ("POST", "/api/posts/1/comments", {"content": "hello"}),
    ("DELETE", "/api/posts/comments/1", None),
    ("POST", "/api/follow/1", None),
    ("DELETE", "/api/follow/1", None),
    ("GET", "/api/feed", None),
    ("POST", "/api/stories", {"content": "hello"}),
    ("GET", "/api/stories", None),
    ("GET", "/api/stories/feed", None),
    ("DELETE", "/api/stories/1", None),
    ("POST", "/api/stories/1/view", None),
    ("GET", "/api/stories/1/viewers", None),
    ("POST", "/api/messages", {"receiver_id": 1, "content": "hello"}),
    ("GET", "/api/messages", None),
    ("GET", "/api/messages/unread-count", None),
    ("GET", "/api/messages/1", None),
    ("POST", "/api/messages/1/read", None),
    ("GET", "/api/notifications", None),
    ("GET", "/api/notifications/unread-count", None),
    ("GET", "/api/notifications/grouped", None),
    ("POST", "/api/notifications/read-all", None),
    ("POST", "/api/notifications/1/read", None),
]
PROTECTED_IDS = [f"{method} {path}" for method, path, _ in PROTECTED]


def register(**fields: object) -> dict[str, object]:
    """Return a registration body for alice, with ``fields`` replaced or added."""
    body: dict[str, object] = {
        "username": "alice",
        "email": "alice@example.com",
        "password": PASSWORD,
    }
    body.update(fields)
    return body


def test_register_returns_the_new_user_with_their_email(api: ApiClient) -> None:
    """Registering answers 201 with the stored user, email included, stamped at the clock's time."""
    response = api.request("POST", "/api/auth/register", json=register(full_name="Alice Liddell"))

    user = api.feed.users.get(response.json["id"])
    expect(response, 201, user_json(user, own=True))
    assert (user.username, user.email, user.full_name) == (
        "alice",
        "alice@example.com",
        "Alice Liddell",
    )
    assert response.json["created_at"] == "2026-01-01T00:00:00Z"


def test_register_checks_the_email_before_the_username(api: ApiClient) -> None:
    """A taken email is reported first; a taken username (any case) otherwise; nothing is added."""
    api.signup("alice")
    before = dump(api.feed.storage)

    both = api.request("POST", "/api/auth/register", json=register(username="ALICE"))
    name = api.request(
        "POST", "/api/auth/register", json=register(username="Alice", email="a2@example.com")
    )

    expect_error(both, 400, "Email already registered")
    expect_error(name, 400, "Username already taken")
    assert dump(api.feed.storage) == before


@pytest.mark.parametrize(
    ("field", "value", "detail"),
    [
        ("email", "not-an-email", "email: is not a valid email address"),
        ("username", "no spaces", "username: may contain only letters, digits, '.' and '_'"),
        ("username", "x" * 31, "username: must be 1 to 30 characters"),
        ("password", "short", "password: must be at least 8 characters"),
        ("full_name", "x" * 101, "full_name: must be at most 100 characters"),
    ],
)
def test_register_rejects_invalid_fields(
    api: ApiClient, field: str, value: str, detail: str
) -> None:
    """An invalid email, username, password or full name is a 422 naming it, and stores nothing."""
    response = api.request("POST", "/api/auth/register", json=register(**{field: value}))

    expect_error(response, 422, detail)
    assert dump(api.feed.storage)["users"] == {}


@pytest.mark.parametrize("field", ["username", "email", "password"])
def test_register_requires_each_field(api: ApiClient, field: str) -> None:
    """A registration without a required field is a 422 naming that field."""
    body = register()
    del body[field]

    expect_field_error(api.request("POST", "/api/auth/register", json=body), field)
    assert dump(api.feed.storage)["users"] == {}


def test_register_rejects_a_field_of_the_wrong_type(api: ApiClient) -> None:
    """A username that is not a string is a 422 naming ``username``."""
    response = api.request("POST", "/api/auth/register", json=register(username=["alice"]))

    expect_field_error(response, "username")


def test_login_returns_a_bearer_token_that_authenticates(api: ApiClient) -> None:
    """Login by email answers a bearer token, and that token identifies the user."""
    alice = api.signup("alice")

    response = api.request(
        "POST", "/api/auth/login", json={"email": "alice@example.com", "password": PASSWORD}
    )

    token = response.json["access_token"]
    expect(response, 200, {"access_token": token, "token_type": "bearer"})
    assert isinstance(token, str)
    assert token != alice.token
    assert api.feed.accounts.authenticate(token) == alice.id


def test_login_accepts_a_username_in_the_email_field(api: ApiClient) -> None:
    """The library accepts a username where the contract says email, and so does the route."""
    alice = api.signup("alice")

    response = api.request("POST", "/api/auth/login", json={"email": "alice", "password": PASSWORD})

    assert response.status == 200, response.body
    assert api.feed.accounts.authenticate(response.json["access_token"]) == alice.id


def test_login_refuses_unknown_email_and_wrong_password_alike(api: ApiClient) -> None:
    """An unknown email and a wrong password get the same 401 "Invalid credentials" bytes."""
    api.signup("alice")

    unknown = api.request(
        "POST", "/api/auth/login", json={"email": "nobody@example.com", "password": PASSWORD}
    )
    wrong = api.request(
        "POST", "/api/auth/login", json={"email": "alice@example.com", "password": "not it!!"}
    )

    expect_error(unknown, 401, "Invalid credentials")
    expect_error(wrong, 401, "Invalid credentials")
    assert unknown.body == wrong.body


def test_login_requires_a_password(api: ApiClient) -> None:
    """A login body without a password is a 422 naming ``password``."""
    expect_field_error(
        api.request("POST", "/api/auth/login", json={"email": "alice@example.com"}), "password"
    )


def test_me_returns_the_caller_with_their_email(api: ApiClient) -> None:
    """/auth/me answers the caller's own record, the one place besides register with the email."""
    alice = api.signup("alice", full_name="Alice")

    response = api.request("GET", "/api/auth/me", token=alice.token)

    expect(response, 200, user_json(api.feed.users.get(alice.id), own=True))
    assert response.json["email"] == "alice@example.com"


@pytest.mark.parametrize(("method", "path", "body"), PROTECTED, ids=PROTECTED_IDS)
def test_protected_routes_need_a_token(
    api: ApiClient, method: str, path: str, body: dict[str, object] | None
) -> None:
    """Every protected route answers 401 "Not authenticated" without an Authorization header."""
    api.signup("alice")
    before = dump(api.feed.storage)

    response = api.request(method, path, json=body)

    expect_error(response, 401, "Not authenticated")
    assert dump(api.feed.storage) == before


@pytest.mark.parametrize(("method", "path", "body"), PROTECTED, ids=PROTECTED_IDS)
def test_protected_routes_refuse_an_unknown_token(
    api: ApiClient, method: str, path: str, body: dict[str, object] | None
) -> None:
    """Every protected route answers 401 "Invalid token" to a token it never issued."""
    api.signup("alice")
    before = dump(api.feed.storage)

    response = api.request(method, path, json=body, token="not-a-real-token")

    expect_error(response, 401, "Invalid token")
    assert dump(api.feed.storage) == before


def test_a_token_expires_with_its_session(api: ApiClient) -> None:
    """A token works until the session lifetime passes, then is an "Invalid token"."""
    alice = api.signup("alice")
    lifetime = api.feed.settings.session_lifetime

    api.clock.advance(lifetime - timedelta(seconds=1))
    assert api.request("GET", "/api/auth/me", token=alice.token).status == 200
    api.clock.advance(timedelta(seconds=2))

    expect_error(api.request("GET", "/api/auth/me", token=alice.token), 401, "Invalid token")


def test_logout_revokes_only_that_token(api: ApiClient) -> None:
    """Logout answers 204 with no body; that token is then refused, another session still works."""
    alice = api.signup("alice")
    other = api.request(
        "POST", "/api/auth/login", json={"email": "alice", "password": PASSWORD}
    ).json["access_token"]

    response = api.request("POST", "/api/auth/logout", token=alice.token)

    assert (response.status, response.body) == (204, b"")
    expect_error(api.request("GET", "/api/auth/me", token=alice.token), 401, "Invalid token")
    expect_error(api.request("POST", "/api/auth/logout", token=alice.token), 401, "Invalid token")
    assert api.request("GET", "/api/auth/me", token=other).status == 200


def test_password_change_replaces_the_password(api: ApiClient) -> None:
    """After a 204 password change the old password fails to log in and the new one works."""
    alice = api.signup("alice")

    response = api.request(
        "PUT",
        "/api/auth/password",
        json={"old_password": PASSWORD, "new_password": "a brand new one"},
        token=alice.token,
    )

    assert (response.status, response.body) == (204, b"")
    old = api.request("POST", "/api/auth/login", json={"email": "alice", "password": PASSWORD})
    new = api.request(
        "POST", "/api/auth/login", json={"email": "alice", "password": "a brand new one"}
    )
    expect_error(old, 401, "Invalid credentials")
    assert new.status == 200, new.body


def test_password_change_refuses_a_wrong_old_password(api: ApiClient) -> None:
    """A wrong old password is 401 "Invalid credentials" and the password stays as it was."""
    alice = api.signup("alice")
    before = dump(api.feed.storage)

    response = api.request(
        "PUT",
        "/api/auth/password",
        json={"old_password": "wrong password", "new_password": "a brand new one"},
        token=alice.token,
    )

    expect_error(response, 401, "Invalid credentials")
    assert dump(api.feed.storage) == before


def test_password_change_validates_the_new_password(api: ApiClient) -> None:
    """A too-short new password is a 422 on ``new_password``; nothing changes."""
    alice = api.signup("alice")
    before = dump(api.feed.storage)

    response = api.request(
        "PUT",
        "/api/auth/password",
        json={"old_password": PASSWORD, "new_password": "short"},
        token=alice.token,
    )

    expect_error(response, 422, "new_password: must be at least 8 characters")
    assert dump(api.feed.storage) == before


def test_delete_account_removes_the_user_and_their_posts(api: ApiClient) -> None:
    """Deleting one's account answers 204; the profile, the posts and the token are gone."""
    alice = api.signup("alice")
    post = api.feed.posts.create(alice.id, content="bye")

    response = api.request("DELETE", "/api/users/me", token=alice.token)

    assert (response.status, response.body) == (204, b"")
    expect_error(api.request("GET", f"/api/users/{alice.id}"), 404, "User not found")
    expect_error(api.request("GET", f"/api/posts/{post.id}"), 404, "Post not found")
    expect_error(api.request("GET", "/api/auth/me", token=alice.token), 401, "Invalid token")
