"""Hostile text in every string parameter of every service: success or a typed error.

Hypothesis mixes what breaks text handling: NUL (which PostgreSQL refuses in
text), lone surrogates (which no database and no UTF-8 encoder accepts, but a
JSON body can carry), bidi overrides, zero-width characters, combining marks,
characters that NFKC expands eighteen-fold, and very long strings. Each call
must either succeed or raise a `SocialFeedError`, never a driver, encoding or
argon2 error, and a call that fails must change no row, counter or signal.
The notification and hashtag handlers are connected, so the text also goes
through mention and hashtag extraction.
"""

from __future__ import annotations

import inspect
import re
import typing
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Final

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialfeed import HashtagHandler, NotificationHandler, SocialFeed, SocialFeedError
from socialfeed.ids import PostId, StoryId, UserId
from socialfeed.services._service import Service
from socialfeed.storage import MemoryStorage
from tests.support import SCALE, EventRecorder, dump

EXAMPLES: Final = 20 * SCALE

NASTY: Final = [
    "\x00",  # NUL
    "\ud800",  # lone high surrogate
    "\udfff",  # lone low surrogate
    "\u202e",  # right-to-left override
    "\u2066",  # left-to-right isolate
    "\u200b",  # zero-width space
    "\u200d",  # zero-width joiner
    "\ufeff",  # byte order mark
    "\u0301",  # combining acute accent
    "\ufdfa",  # expands to 18 characters under NFKC
    "\u2126",  # Ohm sign, the Greek omega after NFKC
    "\u0130",  # capital I with dot, which case folding lengthens
    "%",
    "_",
    "\\",
    "'",
    "#",
    "@",
    "http://",
    "\n",
    " ",
]

pieces = st.one_of(
    st.sampled_from(NASTY),
    st.characters(),
    st.text(max_size=8),
    st.sampled_from(["alice", "#tag", "@alice", "bob@example.com", "x" * 40]),
)
short_text = st.lists(pieces, max_size=12).map("".join)
long_text = st.tuples(short_text, st.sampled_from([129, 2201, 10_000, 100_000]), pieces).map(
    lambda parts: parts[0] + parts[2] * parts[1]
)
hostile = st.one_of(short_text, short_text, short_text, long_text)
"""Mostly short mixtures, and now and then a string past every length limit."""


@pytest.fixture
def world(feed: SocialFeed) -> Iterator[dict[str, int]]:
    """Alice and bob with a post, a story and a session, and the handlers connected."""
    notifications, hashtags = NotificationHandler(), HashtagHandler()
    notifications.connect(feed)
    hashtags.connect(feed)
    alice = feed.accounts.register("alice", "alice@example.com", "correct horse")
    bob = feed.accounts.create_profile("bob")
    post = feed.posts.create(alice.id, content="hello #world @bob")
    story = feed.stories.create(alice.id, content="story")
    feed.follows.follow(bob.id, alice.id)
    feed.accounts.login("alice", "correct horse")
    yield {"alice": alice.id, "bob": bob.id, "post": post.id, "story": story.id}
    notifications.disconnect(feed)
    hashtags.disconnect(feed)


Call = Callable[[SocialFeed, dict[str, int], str], object]

# One entry per text parameter of a service method: "service.method(parameter)";
# a mapping parameter has an entry per key it accepts, and one for the keys themselves.
CALLS: Final[dict[str, Call]] = {
    "accounts.register(username)": lambda f, w, s: f.accounts.register(
        s, "new@example.com", "correct horse"
    ),
    "accounts.register(email)": lambda f, w, s: f.accounts.register("newbie", s, "correct horse"),
    "accounts.register(password)": lambda f, w, s: f.accounts.register(
        "newbie", "new@example.com", s
    ),
    "accounts.register(full_name)": lambda f, w, s: f.accounts.register(
        "newbie", "new@example.com", "correct horse", full_name=s
    ),
    "accounts.create_profile(username)": lambda f, w, s: f.accounts.create_profile(s),
    "accounts.create_profile(full_name)": lambda f, w, s: f.accounts.create_profile(
        "newbie", full_name=s
    ),
    "accounts.login(login)": lambda f, w, s: f.accounts.login(s, "correct horse"),
    "accounts.login(password)": lambda f, w, s: f.accounts.login("alice", s),
    "accounts.authenticate(token)": lambda f, w, s: f.accounts.authenticate(s),
    "accounts.revoke_session(token)": lambda f, w, s: f.accounts.revoke_session(s),
    "accounts.change_password(old_password)": lambda f, w, s: f.accounts.change_password(
        UserId(w["alice"]), s, "correct horse"
    ),
    "accounts.change_password(new_password)": lambda f, w, s: f.accounts.change_password(
        UserId(w["alice"]), "correct horse", s
    ),
    "users.get_by_username(username)": lambda f, w, s: f.users.get_by_username(s),
    "users.update_profile(changes: full_name)": lambda f, w, s: f.users.update_profile(
        UserId(w["alice"]), {"full_name": s}
    ),
    "users.update_profile(changes: bio)": lambda f, w, s: f.users.update_profile(
        UserId(w["alice"]), {"bio": s}
    ),
    "users.update_profile(changes: profile_image_url)": lambda f, w, s: f.users.update_profile(
        UserId(w["alice"]), {"profile_image_url": s}
    ),
    "users.update_profile(changes: key)": lambda f, w, s: f.users.update_profile(
        UserId(w["alice"]), {s: "x"}
    ),
    "posts.create(content)": lambda f, w, s: f.posts.create(UserId(w["bob"]), content=s),
    "posts.create(image_url)": lambda f, w, s: f.posts.create(UserId(w["bob"]), image_url=s),
    "posts.edit(content)": lambda f, w, s: f.posts.edit(UserId(w["alice"]), PostId(w["post"]), s),
    "posts.by_author(cursor)": lambda f, w, s: f.posts.by_author(UserId(w["alice"]), cursor=s),
    "comments.add(content)": lambda f, w, s: f.comments.add(UserId(w["bob"]), PostId(w["post"]), s),
    "comments.for_post(cursor)": lambda f, w, s: f.comments.for_post(PostId(w["post"]), cursor=s),
    "messages.send(content)": lambda f, w, s: f.messages.send(
        UserId(w["bob"]), UserId(w["alice"]), s
    ),
    "messages.conversation(cursor)": lambda f, w, s: f.messages.conversation(
        UserId(w["alice"]), UserId(w["bob"]), cursor=s
    ),
    "stories.create(content)": lambda f, w, s: f.stories.create(UserId(w["bob"]), content=s),
    "stories.create(image_url)": lambda f, w, s: f.stories.create(UserId(w["bob"]), image_url=s),
    "feed.home(cursor)": lambda f, w, s: f.feed.home(UserId(w["bob"]), cursor=s),
    "users.followers(cursor)": lambda f, w, s: f.users.followers(UserId(w["alice"]), cursor=s),
    "notifications.list(cursor)": lambda f, w, s: f.notifications.list(
        UserId(w["alice"]), cursor=s
    ),
    "notifications.notify_mentions(content)": lambda f, w, s: f.notifications.notify_mentions(
        UserId(w["alice"]), s, event_id=uuid.uuid4(), post_id=PostId(w["post"])
    ),
    "hashtags.get(tag)": lambda f, w, s: f.hashtags.get(s),
    "hashtags.posts(tag)": lambda f, w, s: f.hashtags.posts(s),
    "search.users(query)": lambda f, w, s: f.search.users(s),
    "search.hashtags(query)": lambda f, w, s: f.search.hashtags(s),
    "users.following(cursor)": lambda f, w, s: f.users.following(UserId(w["bob"]), cursor=s),
    "likes.likers(cursor)": lambda f, w, s: f.likes.likers(PostId(w["post"]), cursor=s),
    "stories.viewers(cursor)": lambda f, w, s: f.stories.viewers(
        StoryId(w["story"]), viewer_id=UserId(w["alice"]), cursor=s
    ),
    "messages.conversations(cursor)": lambda f, w, s: f.messages.conversations(
        UserId(w["alice"]), cursor=s
    ),
    "notifications.grouped(cursor)": lambda f, w, s: f.notifications.grouped(
        UserId(w["alice"]), cursor=s
    ),
    "hashtags.posts(cursor)": lambda f, w, s: f.hashtags.posts("world", cursor=s),
    "blocks.list(cursor)": lambda f, w, s: f.blocks.list(UserId(w["alice"]), cursor=s),
    "mutes.list(cursor)": lambda f, w, s: f.mutes.list(UserId(w["alice"]), cursor=s),
    "follow_requests.incoming(cursor)": lambda f, w, s: f.follow_requests.incoming(
        UserId(w["alice"]), cursor=s
    ),
    "follow_requests.outgoing(cursor)": lambda f, w, s: f.follow_requests.outgoing(
        UserId(w["bob"]), cursor=s
    ),
}


def string_parameters() -> set[str]:
    """Return "service.method(parameter)" for every text parameter of every public method."""
    found = set()
    feed = SocialFeed(MemoryStorage())
    for service_name, service in vars(feed).items():
        if not isinstance(service, Service):
            continue
        for method_name, method in inspect.getmembers(type(service), inspect.isfunction):
            if method_name.startswith("_"):
                continue
            for parameter, hint in typing.get_type_hints(method).items():
                if parameter != "return" and hint in (str, str | None, Mapping[str, object]):
                    found.add(f"{service_name}.{method_name}({parameter})")
    return found


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
def test_hostile_text_gives_success_or_a_typed_error(
    feed: SocialFeed, events: EventRecorder, world: dict[str, int], call: Call
) -> None:
    """Any text here succeeds or raises SocialFeedError, and a failure changes nothing."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(text=hostile)
    def check(text: str) -> None:
        before = dump(feed.storage)
        sent = len(events.events)
        try:
            call(feed, world, text)
        except SocialFeedError:
            assert dump(feed.storage) == before, "the failed call changed stored data"
            assert events.events[sent:] == [], "the failed call sent a signal"

    check()


def test_every_text_parameter_is_attacked() -> None:
    """Each text parameter of each service method has an entry in CALLS."""
    attacked = {re.sub(r":[^)]*", "", name) for name in CALLS}

    assert string_parameters() - attacked == set()
