"""Both apps are one API: long scenarios give byte-identical responses from FastAPI and Flask."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone

import pytest

from socialfeed import ManualClock
from socialfeed.storage import MemoryStorage
from tests.http.conftest import FRAMEWORKS, ApiClient, Params, new_feed, serve
from tests.support import PASSWORD

START = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
# The headers a client acts on; the others (Date, Server, Content-Length...) are the server's.
COMPARED_HEADERS = ("content-type", "x-next-cursor", "www-authenticate", "retry-after", "allow")

Exchange = tuple[str, int, dict[str, str], bytes]


class Recorder:
    """Sends the scenario's requests, checks each status, and keeps what came back."""

    def __init__(self, api: ApiClient) -> None:
        self.api = api
        self.exchanges: list[Exchange] = []

    def __call__(
        self,
        status: int,
        method: str,
        path: str,
        *,
        json: object = None,
        token: str | None = None,
        params: Params | None = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> object:
        """Send one request, check its status, record it, and return its parsed body."""
        response = self.api.request(
            method, path, json=json, token=token, params=params, body=body, headers=headers
        )
        label = f"{method} {path} {params or ''}"
        assert response.status == status, (self.api.framework, label, response.body)
        headers = {
            name: response.headers[name] for name in COMPARED_HEADERS if name in response.headers
        }
        self.exchanges.append((label, response.status, headers, response.body))
        return response.json if response.body else None


def scenario(call: Recorder, clock: ManualClock) -> None:
    """Touch every route once or more, through successes and errors alike."""
    tokens: dict[str, str] = {}
    ids: dict[str, int] = {}
    for name, full_name in (("alice", "Alice Liddell ✨"), ("bob", None), ("carol", "Carol")):
        body: dict[str, object] = {
            "username": name,
            "email": f"{name}@example.com",
            "password": PASSWORD,
        }
        if full_name is not None:
            body["full_name"] = full_name
        user = call(201, "POST", "/api/auth/register", json=body)
        assert isinstance(user, dict)
        ids[name] = user["id"]
        login = call(200, "POST", "/api/auth/login", json={"email": name, "password": PASSWORD})
        assert isinstance(login, dict)
        tokens[name] = login["access_token"]
    alice, bob, carol = (tokens[name] for name in ("alice", "bob", "carol"))
    a, b, c = (ids[name] for name in ("alice", "bob", "carol"))

    call(
        400,
        "POST",
        "/api/auth/register",
        json={"username": "x", "email": "ALICE@example.com", "password": PASSWORD},
    )
    call(
        400,
        "POST",
        "/api/auth/register",
        json={"username": "Bob", "email": "b2@example.com", "password": PASSWORD},
    )
    call(
        422,
        "POST",
        "/api/auth/register",
        json={"username": "no spaces", "email": "n@example.com", "password": PASSWORD},
    )
    call(422, "POST", "/api/auth/register", json={"username": "dave", "email": "d@example.com"})
    call(422, "POST", "/api/auth/register", body=b"{not json")
    call(401, "POST", "/api/auth/login", json={"email": "alice", "password": "wrong password"})
    call(200, "GET", "/api/auth/me", token=alice)
    call(401, "GET", "/api/auth/me")
    call(401, "GET", "/api/auth/me", token="forged")
    call(
        200,
        "PUT",
        "/api/users/me",
        json={"bio": 'Ça va? 🌞 "quoted" <b>', "profile_image_url": "https://example.com/a.png"},
        token=alice,
    )
    call(422, "PUT", "/api/users/me", json={"profile_image_url": "nope"}, token=alice)
    call(200, "GET", f"/api/users/{a}")
    call(404, "GET", "/api/users/999")
    call(422, "GET", "/api/users/abc")

    first = call(
        201,
        "POST",
        "/api/posts",
        json={"content": "Sunrise over the bay #Sunrise @bob"},
        token=alice,
    )
    call(201, "POST", "/api/posts", json={"image_url": "https://example.com/p.jpg"}, token=alice)
    call(201, "POST", "/api/posts", json={"content": "#sunrise again, naïve café"}, token=bob)
    call(422, "POST", "/api/posts", json={"content": "   "}, token=alice)
    call(422, "POST", "/api/posts", json={"content": 5}, token=alice)
    assert isinstance(first, dict)
    p = first["id"]
    call(200, "GET", f"/api/posts/{p}")
    call(404, "GET", "/api/posts/999")
    call(200, "PUT", f"/api/posts/{p}", json={"content": "Sunrise, edited #Dawn"}, token=alice)
    call(403, "PUT", f"/api/posts/{p}", json={"content": "mine now"}, token=bob)

    call(200, "POST", f"/api/follow/{a}", token=bob)
    call(200, "POST", f"/api/follow/{a}", token=carol)
    call(200, "POST", f"/api/follow/{b}", token=alice)
    call(400, "POST", f"/api/follow/{a}", token=alice)
    call(400, "POST", f"/api/follow/{b}", token=alice)
    call(404, "POST", "/api/follow/999", token=alice)
    call(200, "DELETE", f"/api/follow/{a}", token=carol)
    call(400, "DELETE", f"/api/follow/{a}", token=carol)
    call(200, "POST", f"/api/follow/{a}", token=carol)

    call(200, "POST", f"/api/posts/{p}/likes", token=bob)
    call(200, "POST", f"/api/posts/{p}/likes", token=bob)
    call(200, "POST", f"/api/posts/{p}/likes", token=carol)
    call(404, "POST", "/api/posts/999/likes", token=carol)
    comment = call(
        201, "POST", f"/api/posts/{p}/comments", json={"content": "Lovely! @alice"}, token=carol
    )
    call(201, "POST", f"/api/posts/{p}/comments", json={"content": "Agreed"}, token=bob)
    call(422, "POST", f"/api/posts/{p}/comments", json={"content": ""}, token=bob)
    call(200, "GET", f"/api/posts/{p}/comments")
    call(200, "GET", f"/api/posts/{p}/comments", params={"limit": 1})
    assert isinstance(comment, dict)
    call(403, "DELETE", f"/api/posts/comments/{comment['id']}", token=bob)
    call(404, "DELETE", "/api/posts/comments/999", token=bob)

    call(200, "GET", "/api/feed", token=alice)
    page = call(200, "GET", "/api/feed", token=alice, params={"limit": 2})
    assert isinstance(page, list)
    call(200, "GET", "/api/feed", token=alice, params={"limit": 2, "offset": 2})
    call(422, "GET", "/api/feed", token=alice, params={"limit": 0})
    call(422, "GET", "/api/feed", token=alice, params={"limit": 101})
    call(422, "GET", "/api/feed", token=alice, params={"cursor": "garbage"})
    call(200, "GET", f"/api/users/{a}/posts", params={"limit": 1})
    call(200, "GET", f"/api/users/{a}/followers")
    call(200, "GET", f"/api/users/{b}/following")
    call(404, "GET", "/api/users/999/followers")

    story = call(
        201,
        "POST",
        "/api/stories",
        json={"content": "Good morning", "image_url": "https://example.com/s.jpg"},
        token=alice,
    )
    call(201, "POST", "/api/stories", json={"content": "bob's day"}, token=bob)
    call(422, "POST", "/api/stories", json={}, token=bob)
    assert isinstance(story, dict)
    s = story["id"]
    call(204, "POST", f"/api/stories/{s}/view", token=bob)
    call(200, "GET", f"/api/stories/{s}/viewers", token=alice)
    call(403, "GET", f"/api/stories/{s}/viewers", token=bob)
    call(200, "GET", "/api/stories", token=alice)
    call(200, "GET", "/api/stories/feed", token=alice)
    call(403, "DELETE", f"/api/stories/{s}", token=bob)

    call(201, "POST", "/api/messages", json={"receiver_id": a, "content": "Hi Alice 👋"}, token=bob)
    call(201, "POST", "/api/messages", json={"receiver_id": b, "content": "Hi Bob"}, token=alice)
    call(
        201,
        "POST",
        "/api/messages",
        json={"receiver_id": a, "content": "Hello from Carol"},
        token=carol,
    )
    call(400, "POST", "/api/messages", json={"receiver_id": a, "content": "me"}, token=alice)
    call(404, "POST", "/api/messages", json={"receiver_id": 999, "content": "?"}, token=alice)
    call(200, "GET", "/api/messages", token=alice)
    call(200, "GET", f"/api/messages/{b}", token=alice)
    call(200, "GET", "/api/messages/unread-count", token=alice)
    call(200, "POST", f"/api/messages/{b}/read", token=alice)
    call(200, "GET", "/api/messages/unread-count", token=alice)

    notifications = call(200, "GET", "/api/notifications", token=alice)
    call(200, "GET", "/api/notifications", token=alice, params={"limit": 2})
    call(200, "GET", "/api/notifications/grouped", token=alice)
    call(200, "GET", "/api/notifications/unread-count", token=alice)
    assert isinstance(notifications, list)
    assert notifications
    call(200, "POST", f"/api/notifications/{notifications[0]['id']}/read", token=alice)
    call(404, "POST", f"/api/notifications/{notifications[1]['id']}/read", token=bob)
    call(200, "POST", "/api/notifications/read-all", token=alice)
    call(200, "GET", "/api/notifications/unread-count", token=alice)
    call(200, "GET", "/api/notifications", token=bob)

    call(200, "GET", "/api/search/users", params={"q": "a"})
    call(422, "GET", "/api/search/users")
    call(422, "GET", "/api/search/users", params={"q": "x" * 101})
    call(422, "GET", "/api/search/users", params={"q": " "})
    call(200, "GET", "/api/search/hashtags", params={"q": "#SUN"})
    call(200, "GET", "/api/search/posts/hashtag/sunrise")
    call(200, "GET", "/api/search/posts/hashtag/Dawn")
    call(200, "GET", "/api/hashtags/trending")
    call(200, "GET", "/api/hashtags/trending", params={"limit": 1})

    call(404, "GET", "/api/nowhere")
    call(405, "PATCH", f"/api/posts/{p}", token=alice)

    clock.advance(timedelta(hours=25))
    call(200, "GET", "/api/stories", token=alice)
    call(200, "GET", "/api/stories/feed", token=bob)
    call(404, "POST", f"/api/stories/{s}/view", token=carol)

    call(204, "DELETE", f"/api/posts/comments/{comment['id']}", token=alice)
    call(204, "DELETE", f"/api/posts/{p}", token=alice)
    call(404, "DELETE", f"/api/posts/{p}", token=alice)
    call(
        204,
        "PUT",
        "/api/auth/password",
        json={"old_password": PASSWORD, "new_password": "new password!"},
        token=carol,
    )
    call(
        401,
        "PUT",
        "/api/auth/password",
        json={"old_password": PASSWORD, "new_password": "x" * 10},
        token=carol,
    )
    call(204, "POST", "/api/auth/logout", token=bob)
    call(401, "GET", "/api/feed", token=bob)
    call(204, "DELETE", "/api/users/me", token=carol)
    call(404, "GET", f"/api/users/{c}")


def privacy_scenario(call: Recorder, clock: ManualClock) -> None:
    """Touch every privacy route and every optional-auth read, through successes and errors."""
    tokens: dict[str, str] = {}
    ids: dict[str, int] = {}
    for name in ("alice", "bob", "carol", "dave"):
        body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
        user = call(201, "POST", "/api/auth/register", json=body)
        assert isinstance(user, dict)
        ids[name] = user["id"]
        login = call(200, "POST", "/api/auth/login", json={"email": name, "password": PASSWORD})
        assert isinstance(login, dict)
        tokens[name] = login["access_token"]
    alice, bob, carol, dave = (tokens[name] for name in ("alice", "bob", "carol", "dave"))
    a, b, c, d = (ids[name] for name in ("alice", "bob", "carol", "dave"))
    post = call(201, "POST", "/api/posts", json={"content": "Private #Sunrise"}, token=alice)
    assert isinstance(post, dict)
    p = post["id"]
    call(201, "POST", "/api/posts", json={"content": "Bob's #sunrise"}, token=bob)
    call(201, "POST", f"/api/posts/{p}/comments", json={"content": "Nice"}, token=carol)

    # Optional auth on the public reads: anonymous, a token, another scheme, a bad token.
    call(200, "GET", f"/api/users/{a}")
    call(200, "GET", f"/api/users/{a}", token=bob)
    call(200, "GET", f"/api/users/{a}", headers={"Authorization": "Basic YTpi"})
    call(401, "GET", f"/api/users/{a}", token="forged")
    call(401, "GET", "/api/users/abc", token="forged")
    call(401, "GET", f"/api/posts/{p}/likes", token="forged")
    call(401, "GET", "/api/search/hashtags", params={"q": "sun"}, token="forged")
    call(200, "GET", "/api/search/hashtags", params={"q": "sun"}, token=bob)
    call(200, "GET", "/api/search/users", params={"q": "a"}, token=carol)

    # A private account, and the follow requests it gets.
    call(200, "PUT", "/api/users/me/privacy", json={"is_private": True}, token=alice)
    call(422, "PUT", "/api/users/me/privacy", json={"is_private": "yes"}, token=alice)
    call(422, "PUT", "/api/users/me/privacy", json={}, token=alice)
    call(401, "PUT", "/api/users/me/privacy", json={"is_private": True})
    call(405, "GET", "/api/users/me/privacy", token=alice)
    call(200, "POST", f"/api/follow/{a}", token=bob)
    call(400, "POST", f"/api/follow/{a}", token=bob)
    call(200, "POST", f"/api/follow/{a}", token=carol)
    call(200, "POST", f"/api/follow/{a}", token=dave)
    call(200, "POST", f"/api/follow/{b}", token=alice)
    call(200, "GET", "/api/follow-requests", token=alice)
    call(200, "GET", "/api/follow-requests", token=alice, params={"limit": 2})
    call(200, "GET", "/api/follow-requests", token=alice, params={"limit": 2, "offset": 2})
    call(422, "GET", "/api/follow-requests", token=alice, params={"limit": 0})
    call(200, "GET", "/api/follow-requests/sent", token=bob)
    call(401, "GET", "/api/follow-requests/sent")
    for token in (None, bob):
        call(404, "GET", f"/api/users/{a}/posts", token=token)
        call(404, "GET", f"/api/users/{a}/followers", token=token)
        call(404, "GET", f"/api/users/{a}/following", token=token)
        call(404, "GET", f"/api/posts/{p}", token=token)
        call(404, "GET", f"/api/posts/{p}/comments", token=token)
        call(404, "GET", f"/api/posts/{p}/likes", token=token)
        call(200, "GET", "/api/search/posts/hashtag/sunrise", token=token)
        call(200, "GET", f"/api/users/{a}", token=token)
    call(204, "POST", f"/api/follow-requests/{b}/approve", token=alice)
    call(404, "POST", f"/api/follow-requests/{b}/approve", token=alice)
    call(204, "POST", f"/api/follow-requests/{c}/reject", token=alice)
    call(404, "POST", f"/api/follow-requests/{c}/reject", token=alice)
    call(404, "POST", f"/api/follow-requests/{a}/approve", token=dave)
    call(204, "DELETE", f"/api/follow-requests/{a}", token=dave)
    call(404, "DELETE", f"/api/follow-requests/{a}", token=dave)
    call(422, "DELETE", "/api/follow-requests/sent", token=dave)
    call(422, "POST", "/api/follow-requests/abc/approve", token=alice)
    call(405, "POST", "/api/follow-requests/sent", token=alice)
    call(200, "GET", "/api/follow-requests", token=alice)
    call(200, "GET", f"/api/users/{a}/posts", token=bob)
    call(200, "GET", f"/api/users/{a}/followers", token=bob)
    call(200, "GET", f"/api/posts/{p}", token=bob)
    call(200, "GET", f"/api/posts/{p}/comments", token=bob)
    call(200, "POST", f"/api/posts/{p}/likes", token=bob)
    call(200, "GET", f"/api/posts/{p}/likes", token=bob)
    call(200, "GET", "/api/search/posts/hashtag/sunrise", token=bob)
    call(200, "PUT", "/api/users/me/privacy", json={"is_private": False}, token=alice)
    call(200, "GET", f"/api/users/{a}/posts")
    call(200, "POST", f"/api/posts/{p}/likes", token=dave)
    call(200, "GET", f"/api/posts/{p}/likes")
    call(200, "GET", f"/api/posts/{p}/likes", params={"limit": 1})
    call(404, "GET", "/api/posts/999/likes")

    # Blocks.
    call(204, "POST", f"/api/blocks/{c}", token=alice)
    call(204, "POST", f"/api/blocks/{c}", token=alice)
    call(204, "POST", f"/api/blocks/{d}", token=alice)
    call(400, "POST", f"/api/blocks/{a}", token=alice)
    call(404, "POST", "/api/blocks/999", token=alice)
    call(422, "POST", "/api/blocks/abc", token=alice)
    call(200, "GET", "/api/blocks", token=alice)
    call(200, "GET", "/api/blocks", token=alice, params={"limit": 1})
    call(403, "POST", f"/api/follow/{c}", token=alice)
    call(403, "POST", "/api/messages", json={"receiver_id": c, "content": "hi"}, token=alice)
    call(404, "POST", f"/api/follow/{a}", token=carol)
    call(404, "POST", "/api/messages", json={"receiver_id": a, "content": "hi"}, token=carol)
    call(404, "GET", f"/api/users/{a}", token=carol)
    call(404, "GET", f"/api/posts/{p}", token=carol)
    call(200, "GET", "/api/search/users", params={"q": "alice"}, token=carol)
    call(200, "GET", f"/api/posts/{p}/comments", token=alice)
    call(200, "GET", f"/api/posts/{p}/comments")
    call(204, "DELETE", f"/api/blocks/{c}", token=alice)
    call(204, "DELETE", f"/api/blocks/{c}", token=alice)
    call(204, "DELETE", "/api/blocks/999", token=alice)
    call(200, "GET", "/api/blocks", token=alice)
    call(405, "PATCH", "/api/blocks/1", token=alice)

    # Mutes.
    until = (clock.now() + timedelta(hours=1)).astimezone(timezone(timedelta(hours=2)))
    call(200, "GET", "/api/feed", token=alice)
    call(204, "POST", f"/api/mutes/{b}", json={"until": until.isoformat()}, token=alice)
    call(204, "POST", f"/api/mutes/{c}", token=alice)
    call(204, "POST", f"/api/mutes/{c}", body=b"null", token=alice)
    call(204, "POST", f"/api/mutes/{c}", json={"until": None}, token=alice)
    call(422, "POST", f"/api/mutes/{c}", json={"until": "2026-03-02T00:00:00"}, token=alice)
    call(422, "POST", f"/api/mutes/{c}", json={"until": "2020-01-01T00:00:00Z"}, token=alice)
    call(422, "POST", f"/api/mutes/{c}", json={"until": 1900000000}, token=alice)
    call(422, "POST", f"/api/mutes/{c}", json={"until": "soon"}, token=alice)
    call(422, "POST", f"/api/mutes/{c}", body=b"[1]", token=alice)
    call(422, "POST", f"/api/mutes/{c}", body=b"{not json", token=alice)
    call(400, "POST", f"/api/mutes/{a}", token=alice)
    call(404, "POST", "/api/mutes/999", token=alice)
    call(200, "GET", "/api/mutes", token=alice)
    call(200, "GET", "/api/mutes", token=alice, params={"limit": 1})
    call(200, "GET", "/api/feed", token=alice)
    clock.advance(timedelta(hours=2))
    call(200, "GET", "/api/mutes", token=alice)
    call(200, "GET", "/api/feed", token=alice)
    call(204, "DELETE", f"/api/mutes/{c}", token=alice)
    call(204, "DELETE", f"/api/mutes/{c}", token=alice)
    call(200, "GET", "/api/mutes", token=alice)


def run(
    framework: str,
    monkeypatch: pytest.MonkeyPatch,
    play: Callable[[Recorder, ManualClock], None] = scenario,
) -> list[Exchange]:
    """Run a scenario on a fresh app with the same clock start and the same token sequence."""
    counter = itertools.count(1)
    # Tokens are random by design; numbering them makes the two runs comparable byte for byte.
    monkeypatch.setattr(
        "socialfeed.services.accounts.new_token", lambda: f"token-{next(counter):04d}"
    )
    clock = ManualClock(START)
    with serve(framework, new_feed(MemoryStorage(), clock), clock) as api:
        recorder = Recorder(api)
        play(recorder, clock)
        return recorder.exchanges


def test_both_apps_answer_byte_for_byte_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every status, client-facing header and body of the scenario is identical in both apps."""
    fastapi, flask = (run(framework, monkeypatch) for framework in FRAMEWORKS)

    assert [exchange[0] for exchange in fastapi] == [exchange[0] for exchange in flask]
    different = [pair for pair in zip(fastapi, flask, strict=True) if pair[0] != pair[1]]
    assert different == []


def test_both_apps_answer_the_privacy_routes_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks, mutes, private accounts, requests, likers and optional auth match byte for byte."""
    fastapi, flask = (run(framework, monkeypatch, privacy_scenario) for framework in FRAMEWORKS)

    assert [exchange[0] for exchange in fastapi] == [exchange[0] for exchange in flask]
    different = [pair for pair in zip(fastapi, flask, strict=True) if pair[0] != pair[1]]
    assert different == []
