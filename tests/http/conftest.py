"""Fixtures for the HTTP suite: one typed client that drives either example app in process.

Every test of the suite runs once against the FastAPI app (through Starlette's
``TestClient``, ASGI) and once against the Flask app (``app.test_client()``,
WSGI). Each test gets a fresh facade on the memory backend, with a
``ManualClock`` the test can move, the conftest's fast hasher, and receiver
errors raised, so a broken handler fails the test instead of being logged.
"""

from __future__ import annotations

import json as jsonlib
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from attrs import frozen
from pydantic import TypeAdapter

from socialfeed import ManualClock, Post, Settings, SocialFeed, User
from socialfeed.ids import UserId
from socialfeed.models import Comment, Message, Notification, Story
from socialfeed.storage import MemoryStorage, Storage
from tests.conftest import HASHER, make_storage
from tests.support import PASSWORD

# Starlette warns at import when it finds httpx rather than its successor httpx2;
# the suite turns warnings into errors, and this one says nothing about our code.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

FRAMEWORKS = ["fastapi", "flask"]
BACKENDS = ["memory", "sqlite", "postgresql"]

Params = Mapping[str, str | int]


@frozen
class Response:
    """What a client sees of one response: status, headers (lower-cased names) and body."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        """The body parsed as JSON (``Any``: tests check the values they expect)."""
        return jsonlib.loads(self.body)

    @property
    def detail(self) -> str:
        """The ``detail`` of an error body, checking that it is the only key."""
        body = self.json
        assert isinstance(body, dict), body
        assert list(body) == ["detail"], body
        detail = body["detail"]
        assert isinstance(detail, str), body
        return detail


@frozen
class Member:
    """A registered and logged-in user: their id, username and bearer token."""

    id: UserId
    username: str
    token: str


#: Header fields in order, a name possibly repeated.
HeaderList = list[tuple[str, str]]
Transport = Callable[[str, str, HeaderList, Params | None, bytes | None], Response]


class ApiClient:
    """Sends requests to one example app and exposes the facade and clock behind it."""

    def __init__(
        self, framework: str, feed: SocialFeed, clock: ManualClock, transport: Transport
    ) -> None:
        self.framework = framework
        self.feed = feed
        self.clock = clock
        self._transport = transport

    def request(
        self,
        method: str,
        path: str,
        *,
        json: object = None,
        token: str | None = None,
        params: Params | None = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
    ) -> Response:
        """Send one request; ``json`` is serialized, ``body`` is sent as raw JSON bytes.

        ``headers`` given as pairs may name a header more than once.
        """
        pairs = headers.items() if isinstance(headers, Mapping) else headers or ()
        sent: HeaderList = list(pairs)
        if token is not None:
            sent = [(name, value) for name, value in sent if name.lower() != "authorization"]
            sent.append(("Authorization", f"Bearer {token}"))
        if json is not None:
            body = jsonlib.dumps(json).encode()
        if body is not None and all(name.lower() != "content-type" for name, _ in sent):
            sent.append(("Content-Type", "application/json"))
        return self._transport(method, path, sent, params, body)

    def signup(self, username: str, *, full_name: str | None = None) -> Member:
        """Register ``username`` (email ``<username>@example.com``) and log in, over HTTP."""
        email = f"{username}@example.com"
        account: dict[str, object] = {"username": username, "email": email, "password": PASSWORD}
        if full_name is not None:
            account["full_name"] = full_name
        registered = self.request("POST", "/api/auth/register", json=account)
        assert registered.status == 201, registered.body
        login = self.request("POST", "/api/auth/login", json={"email": email, "password": PASSWORD})
        assert login.status == 200, login.body
        return Member(registered.json["id"], username, login.json["access_token"])


# What the contract's "Response shapes" say, field by field and in order. Expected bodies
# are built from the library's own objects and compared byte for byte with what an app sent.
_DATETIME = TypeAdapter(datetime)


def iso(moment: datetime) -> str:
    """Return a timestamp as both apps must write it: as Pydantic v2 serializes it."""
    text = _DATETIME.dump_python(moment, mode="json")
    assert isinstance(text, str)
    return text


def compact(value: object) -> bytes:
    """Return ``value`` as the apps encode JSON: compact, UTF-8, keys in their order."""
    return jsonlib.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def expect(response: Response, status: int, body: object) -> None:
    """Check a JSON response's status and its exact bytes (key order included)."""
    assert response.status == status, (response.status, response.body)
    assert response.headers.get("content-type") == "application/json", response.headers
    assert response.json == body
    assert response.body == compact(body)


def expect_error(response: Response, status: int, detail: str) -> None:
    """Check an error response: its status and exactly ``{"detail": detail}``."""
    expect(response, status, {"detail": detail})
    if status == 401:
        assert response.headers.get("www-authenticate") == "Bearer", response.headers


def expect_field_error(response: Response, field: str) -> None:
    """Check a 422 whose detail names ``field`` as ``"<field>: <reason>"``."""
    assert response.status == 422, (response.status, response.body)
    assert response.detail.startswith(f"{field}: "), response.detail
    assert len(response.detail) > len(field) + 2, response.detail


def user_json(user: User, *, own: bool = False) -> dict[str, object]:
    """A ``User`` body; the email shows only on the caller's own record."""
    return {
        "id": user.id,
        "username": user.username,
        "email": user.email if own else None,
        "full_name": user.full_name,
        "bio": user.bio,
        "profile_image_url": user.profile_image_url,
        "is_active": user.is_active,
        "created_at": iso(user.created_at),
    }


def profile_json(user: User) -> dict[str, object]:
    """A ``Profile`` body."""
    return {
        "id": user.id,
        "username": user.username,
        "full_name": user.full_name,
        "bio": user.bio,
        "profile_image_url": user.profile_image_url,
        "post_count": user.post_count,
        "follower_count": user.follower_count,
        "following_count": user.following_count,
    }


def post_json(post: Post) -> dict[str, object]:
    """A ``Post`` body."""
    return {
        "id": post.id,
        "author_id": post.author_id,
        "author_username": post.author_username,
        "content": post.content,
        "image_url": post.image_url,
        "like_count": post.like_count,
        "comment_count": post.comment_count,
        "created_at": iso(post.created_at),
    }


def comment_json(comment: Comment) -> dict[str, object]:
    """A ``Comment`` body."""
    return {
        "id": comment.id,
        "post_id": comment.post_id,
        "author_id": comment.author_id,
        "author_username": comment.author_username,
        "content": comment.content,
        "created_at": iso(comment.created_at),
    }


def story_json(story: Story) -> dict[str, object]:
    """A ``Story`` body (``image_url`` comes before ``content`` here)."""
    return {
        "id": story.id,
        "author_id": story.author_id,
        "author_username": story.author_username,
        "image_url": story.image_url,
        "content": story.content,
        "created_at": iso(story.created_at),
    }


def message_json(message: Message) -> dict[str, object]:
    """A ``Message`` body."""
    return {
        "id": message.id,
        "sender_id": message.sender_id,
        "receiver_id": message.receiver_id,
        "content": message.content,
        "is_read": message.is_read,
        "created_at": iso(message.created_at),
    }


def notification_json(notification: Notification) -> dict[str, object]:
    """A ``Notification`` body."""
    return {
        "id": notification.id,
        "user_id": notification.recipient_id,
        "actor_id": notification.actor_id,
        "type": notification.kind,
        "reference_id": notification.reference_id,
        "message": notification.message,
        "is_read": notification.is_read,
        "created_at": iso(notification.created_at),
    }


def new_feed(storage: Storage, clock: ManualClock) -> SocialFeed:
    """Build the facade a test hands to an app."""
    return SocialFeed(
        storage,
        settings=Settings(raise_receiver_errors=True),
        clock=clock,
        password_hasher=HASHER,
    )


@contextmanager
def serve(framework: str, feed: SocialFeed, clock: ManualClock) -> Iterator[ApiClient]:
    """Build the named app over ``feed`` and yield a client for it, in process."""
    if framework == "fastapi":
        from examples.fastapi_app import create_app as create_fastapi_app

        # The context manager runs the app's lifespan, as a server would.
        with TestClient(create_fastapi_app(feed)) as test_client:

            def send_asgi(
                method: str,
                path: str,
                headers: HeaderList,
                params: Params | None,
                body: bytes | None,
            ) -> Response:
                reply = test_client.request(
                    method, path, headers=headers, params=params, content=body
                )
                return Response(
                    reply.status_code,
                    {name.lower(): value for name, value in reply.headers.items()},
                    reply.content,
                )

            yield ApiClient(framework, feed, clock, send_asgi)
        return

    from examples.flask_app import create_app as create_flask_app

    app = create_flask_app(feed)
    app.testing = True
    flask_client = app.test_client()

    def send_wsgi(
        method: str,
        path: str,
        headers: HeaderList,
        params: Params | None,
        body: bytes | None,
    ) -> Response:
        reply = flask_client.open(
            path, method=method, headers=headers, query_string=params, data=body
        )
        return Response(
            reply.status_code,
            {name.lower(): value for name, value in reply.headers.items()},
            reply.get_data(),
        )

    yield ApiClient(framework, feed, clock, send_wsgi)


@pytest.fixture(params=FRAMEWORKS)
def api(request: pytest.FixtureRequest, clock: ManualClock) -> Iterator[ApiClient]:
    """A client for one example app over a fresh memory-backed facade."""
    with serve(request.param, new_feed(MemoryStorage(), clock), clock) as client:
        yield client


@pytest.fixture
def make_api(
    request: pytest.FixtureRequest, tmp_path: Path, clock: ManualClock
) -> Iterator[Callable[[str, str], ApiClient]]:
    """A factory of clients, ``make_api(framework, backend)``, each over a fresh storage."""
    with ExitStack() as stack:

        def build(framework: str, backend: str) -> ApiClient:
            folder = tmp_path / f"{framework}-{backend}"
            folder.mkdir()
            storage = make_storage(backend, request, folder)
            return stack.enter_context(serve(framework, new_feed(storage, clock), clock))

        yield build
