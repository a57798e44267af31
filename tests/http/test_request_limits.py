"""What both apps refuse before reading a request: an oversized body, several credentials."""

from __future__ import annotations

import json

import pytest

from examples.fastapi_app import guards as fastapi_guards
from examples.flask_app import guards as flask_guards
from tests.http.conftest import ApiClient, expect, expect_error

LIMIT = fastapi_guards.MAX_BODY_BYTES
TOO_LARGE = f"Request body too large: at most {LIMIT} bytes"
ONE_CREDENTIAL = "Send one Authorization header with one credential"


def test_both_apps_have_the_same_limits() -> None:
    """The two examples refuse bodies past the same size, with the same words."""
    assert flask_guards.MAX_BODY_BYTES == fastapi_guards.MAX_BODY_BYTES == LIMIT
    assert flask_guards.BODY_TOO_LARGE == fastapi_guards.BODY_TOO_LARGE == TOO_LARGE
    assert flask_guards.ONE_CREDENTIAL == fastapi_guards.ONE_CREDENTIAL == ONE_CREDENTIAL


def test_the_largest_valid_body_fits(api: ApiClient) -> None:
    """A post at every maximum length, each character a JSON escape, is under the limit and made."""
    alice = api.signup("alice")
    url = "https://example.com/" + "a" * (2048 - len("https://example.com/"))
    # An emoji is one character to the library and twelve bytes as JSON escapes
    # ("\\ud83d\\ude00"); every character of the URL is escaped too ("\\u0061").
    content = json.dumps("\U0001f600" * 2200)
    image_url = '"' + "".join(f"\\u{ord(char):04x}" for char in url) + '"'
    body = f'{{"content": {content}, "image_url": {image_url}}}'
    assert LIMIT // 2 < len(body) < LIMIT

    response = api.request("POST", "/api/posts", body=body.encode(), token=alice.token)

    assert response.status == 201, response.body


@pytest.mark.parametrize(
    ("method", "path", "token"),
    [
        ("POST", "/api/posts", False),
        ("POST", "/api/posts", True),
        ("POST", "/api/auth/login", False),
    ],
)
def test_a_body_over_the_limit_is_413_before_anything_else(
    api: ApiClient, method: str, path: str, token: bool
) -> None:
    """A body one byte over the limit is 413, before the token (401) or the JSON (422) is read."""
    alice = api.signup("alice")
    body = b"{" + b" " * LIMIT + b"}"

    response = api.request(method, path, body=body, token=alice.token if token else None)

    expect_error(response, 413, TOO_LARGE)
    assert api.feed.posts.by_author(alice.id).items == ()


def test_a_million_keys_are_refused_unparsed(api: ApiClient) -> None:
    """A 12 MB JSON object with a million keys is refused as too large, not parsed."""
    alice = api.signup("alice")
    body = b"{" + b",".join(b'"k%d":0' % index for index in range(1_000_000)) + b"}"

    expect_error(api.request("POST", "/api/posts", body=body, token=alice.token), 413, TOO_LARGE)


@pytest.mark.parametrize(
    "values",
    [
        ["Bearer {token}", "Bearer {token}"],
        ["Bearer {token}", "Bearer nonsense"],
        ["Basic YWxpY2U6cHc=", "Bearer {token}"],
        ["Bearer {token}, Bearer nonsense"],
    ],
    ids=["same-twice", "two-tokens", "basic-then-bearer", "comma-joined"],
)
@pytest.mark.parametrize("path", ["/api/auth/me", "/api/posts/1", "/api/users/1"])
def test_several_credentials_are_refused(api: ApiClient, values: list[str], path: str) -> None:
    """Two Authorization headers, or two credentials in one, are 400: no app picks one of them."""
    alice = api.signup("alice")
    api.feed.posts.create(alice.id, content="hello")
    headers = [("Authorization", value.format(token=alice.token)) for value in values]

    expect_error(api.request("GET", path, headers=headers), 400, ONE_CREDENTIAL)


def test_one_credential_still_works(api: ApiClient) -> None:
    """A single bearer token is read as before."""
    alice = api.signup("alice")

    response = api.request(
        "GET", "/api/auth/me", headers={"Authorization": f"Bearer {alice.token}"}
    )

    assert response.status == 200
    assert response.json["id"] == alice.id


def test_home_points_to_the_api(api: ApiClient) -> None:
    """GET / answers 200 with where the API and, for FastAPI, its interactive docs are."""
    response = api.request("GET", "/")

    docs = "/docs" if api.framework == "fastapi" else None
    openapi = "/openapi.json" if api.framework == "fastapi" else None
    expect(
        response,
        200,
        {
            "name": "socialfeed example API",
            "framework": {"fastapi": "FastAPI", "flask": "Flask"}[api.framework],
            "api": "/api",
            "docs": docs,
            "openapi": openapi,
        },
    )
