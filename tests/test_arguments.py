"""Every argument of every public service method, checked the same way on every backend.

The methods are found by introspection, so a new one is covered as soon as
it exists (and fails here until `VALUES` can fill its parameters). Two
rules are tried on each:

- An id no 64-bit column can hold reads exactly like an id that names
  nothing: the same answer or the same error, and nothing changes.
- A wrongly typed argument is a `ValidationError` naming the parameter (an
  `AuthenticationError` for a token), and nothing changes.
"""

from __future__ import annotations

import inspect
import typing
import uuid
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, Final

import pytest

from socialfeed import AuthenticationError, SocialFeed, SocialFeedError, ValidationError
from socialfeed.ids import CommentId, NotificationId, PostId, StoryId, UserId
from socialfeed.models import MAX_ID
from socialfeed.services._service import Service
from socialfeed.storage import MemoryStorage
from tests.support import EventRecorder, unchanged

UNUSED_ID: Final = 987_654_321
"""An id in range that no row of the test world has."""
UNSTORABLE_IDS: Final = (MAX_ID + 1, -(2**63) - 1, 2**64, -(10**30))

World = dict[str, Any]

# The users an id parameter names: the acting or owning side is alice, the other side bob.
BOB_PARAMETERS: Final = frozenset(
    {"followee_id", "blocked_id", "muted_id", "requester_id", "receiver_id", "other_id"}
    | {"actor_id", "viewer_id"}
)
# Reads only the owner may make: their viewer_id is alice's.
OWNER_READS: Final = frozenset({"stories.viewers"})

#: A valid value for each required parameter that is no user id, by name.
VALUES: Final[dict[str, Callable[[World], object]]] = {
    "post_id": lambda w: w["post"],
    "comment_id": lambda w: w["comment"],
    "story_id": lambda w: w["story"],
    "notification_id": lambda w: w["notification"],
    "post_ids": lambda w: [w["post"]],
    "content": lambda w: "hello",
    "username": lambda w: "carol",
    "email": lambda w: "carol@example.com",
    "password": lambda w: "correct horse",
    "old_password": lambda w: "correct horse",
    "new_password": lambda w: "correct horse battery",
    "login": lambda w: "alice",
    "token": lambda w: w["token"],
    "query": lambda w: "al",
    "tag": lambda w: "world",
    "changes": lambda w: {"bio": "hi"},
    "is_private": lambda w: False,
    "kind": lambda w: "follow",
    "event_id": lambda w: uuid.uuid4(),
    "older_than": lambda w: timedelta(days=1),
}


def methods() -> dict[str, inspect.Signature]:
    """Return ``service.method`` and its signature (``self`` left out) for each public method."""
    found = {}
    feed = SocialFeed(MemoryStorage())
    for service_name, service in vars(feed).items():
        if isinstance(service, Service):
            for name, method in inspect.getmembers(service, inspect.ismethod):
                if not name.startswith("_"):
                    found[f"{service_name}.{name}"] = inspect.signature(method)
    return found


METHODS: Final = methods()


def hints(name: str) -> dict[str, Any]:
    """Return the resolved annotations of ``service.method``."""
    service, method = name.split(".")
    feed = SocialFeed(MemoryStorage())
    return typing.get_type_hints(getattr(type(getattr(feed, service)), method))


def is_user_id(parameter: str) -> bool:
    """Tell whether a parameter names a user."""
    return parameter.endswith("_id") and parameter not in VALUES


def is_integer(hint: Any) -> bool:
    """Tell whether ``hint`` is ``int``, an id type over it (``UserId``), or either or None."""
    return any(getattr(arg, "__supertype__", arg) is int for arg in (hint, *typing.get_args(hint)))


def id_parameters() -> list[tuple[str, str]]:
    """Return (``service.method``, parameter) for every id parameter of every method."""
    return [
        (name, parameter)
        for name, signature in METHODS.items()
        for parameter, hint in hints(name).items()
        if parameter in signature.parameters and parameter.endswith("_id") and is_integer(hint)
    ]


def test_ids_of_every_kind_are_found() -> None:
    """Every ``*_id`` parameter but an event's UUID is an id, whichever id type it has."""
    named = {
        (name, parameter)
        for name, signature in METHODS.items()
        for parameter in signature.parameters
        if parameter.endswith("_id") and parameter != "event_id"
    }
    assert set(id_parameters()) == named
    kinds = {hints(name)[parameter] for name, parameter in id_parameters()}
    assert {UserId, PostId, CommentId, StoryId, NotificationId} <= kinds


@pytest.fixture
def world(feed: SocialFeed) -> World:
    """Alice (with a password and a session) and bob, a post, a comment, a story, a notification."""
    alice = feed.accounts.register("alice", "alice@example.com", "correct horse")
    bob = feed.accounts.create_profile("bob")
    post = feed.posts.create(alice.id, content="hello #world")
    comment = feed.comments.add(bob.id, post.id, "nice")
    story = feed.stories.create(alice.id, content="story")
    feed.messages.send(bob.id, alice.id, "hi")
    feed.follows.follow(bob.id, alice.id)  # the follow that its notification tells of
    notification = feed.notifications.notify(
        recipient_id=alice.id, actor_id=bob.id, kind="follow", event_id=uuid.uuid4()
    )
    assert notification is not None
    token = feed.accounts.login("alice", "correct horse").token
    return {
        "alice": alice.id,
        "bob": bob.id,
        "post": post.id,
        "comment": comment.id,
        "story": story.id,
        "notification": notification.id,
        "token": token,
    }


def arguments(name: str, world: World) -> dict[str, object]:
    """Return valid keyword arguments for the required parameters of ``service.method``."""
    found: dict[str, object] = {}
    for parameter in METHODS[name].parameters.values():
        if parameter.default is not inspect.Parameter.empty:
            continue
        if is_user_id(parameter.name):
            other = parameter.name in BOB_PARAMETERS and name not in OWNER_READS
            found[parameter.name] = world["bob" if other else "alice"]
        else:
            assert parameter.name in VALUES, f"add a valid {parameter.name!r} to VALUES"
            found[parameter.name] = VALUES[parameter.name](world)
    return found


def call(feed: SocialFeed, name: str, **kwargs: object) -> object:
    """Call ``service.method`` on ``feed`` with keyword arguments."""
    service, method = name.split(".")
    return getattr(getattr(feed, service), method)(**kwargs)


def outcome(feed: SocialFeed, name: str, **kwargs: object) -> object:
    """Return what a call answered: its result, or the type and message of its error."""
    try:
        return call(feed, name, **kwargs)
    except SocialFeedError as error:
        return type(error), str(error)


@pytest.mark.parametrize(("name", "parameter"), id_parameters(), ids=lambda v: str(v))
def test_an_unstorable_id_reads_as_an_unused_one(
    feed: SocialFeed, events: EventRecorder, world: World, name: str, parameter: str
) -> None:
    """An id past 64 bits answers as an unused id does, on every backend, and changes nothing."""
    given = arguments(name, world)
    answers = []
    for unstorable in UNSTORABLE_IDS:
        with unchanged(feed, events):
            answers.append(outcome(feed, name, **{**given, parameter: unstorable}))
    expected = outcome(feed, name, **{**given, parameter: UNUSED_ID})
    assert answers == [expected] * len(UNSTORABLE_IDS)


def test_out_of_range_ids_in_a_collection_name_nothing(feed: SocialFeed, world: World) -> None:
    """Ids no row can have in liked_post_ids are left out, not a driver error."""
    feed.likes.like(world["bob"], world["post"])
    ids = [world["post"], *UNSTORABLE_IDS, 0, -1]
    assert feed.likes.liked_post_ids(world["bob"], ids) == {world["post"]}


def test_two_unstorable_ids_stay_two_users(feed: SocialFeed, world: World) -> None:
    """Two different ids past 64 bits are two users nobody is, not one user following themself."""
    with pytest.raises(SocialFeedError) as info:
        feed.follows.follow(UserId(MAX_ID + 1), UserId(MAX_ID + 2))
    assert type(info.value).__name__ == "NotFoundError"


def wrong_values(hint: Any, has_default_none: bool) -> list[object]:
    """Return values of the wrong type for a parameter annotated ``hint``."""
    members = [arg for arg in typing.get_args(hint) if arg is not type(None)]
    optional = has_default_none or len(members) < len(typing.get_args(hint))
    base = members[0] if typing.get_args(hint) and len(members) == 1 else hint
    base = getattr(base, "__supertype__", base)
    origin = typing.get_origin(base)
    wrong: list[object]
    if base is int:
        wrong = [True, "1", 1.5]
    elif base is bool:
        wrong = ["no", 1, 0.0]
    elif base is str:
        wrong = [1, b"bytes", ["x"]]
    elif origin is typing.Literal:
        wrong = ["nothing", 1]
    elif isinstance(origin, type) and issubclass(origin, Mapping):
        wrong = [[("bio", "x")], "bio"]
    elif origin is not None:
        wrong = ["12", [True], 5]
    else:
        wrong = ["2030-01-01", 5]
    return wrong if optional else [*wrong, None]


@pytest.mark.parametrize("name", METHODS, ids=str)
def test_a_wrongly_typed_argument_is_a_typed_error(
    feed: SocialFeed, events: EventRecorder, world: World, name: str
) -> None:
    """Each parameter given a wrong type raises ValidationError on it (a token:
    AuthenticationError), on every backend, and changes nothing."""
    given = arguments(name, world)
    for parameter, hint in hints(name).items():
        if parameter == "return":
            continue
        default = METHODS[name].parameters[parameter].default
        for wrong in wrong_values(hint, default is None):
            expected = AuthenticationError if parameter == "token" else ValidationError
            with unchanged(feed, events), pytest.raises(expected) as info:
                call(feed, name, **{**given, parameter: wrong})
            if expected is ValidationError:
                assert getattr(info.value, "field", None) == parameter, (parameter, wrong)
