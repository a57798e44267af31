"""The small world every pair race starts from, and the id-free snapshot of it the races compare.

A world is three users (A, B and a bystander C), a post P by B carrying a
hashtag and an @mention of C, and a story S by B, plus one starting relation
between A and B (a *variant*). Each round builds a world of its own with
fresh names, ``q<round>z`` followed by ``a``, ``b``, ``c`` (and the same
prefix for the hashtags), so that rounds never meet in one database.

`observe` reads, through the public API only, everything two actions of the
catalogue could change, and normalises it: no ids, no times, the round's
prefix taken out of every name and text, and every list sorted. What two
orders of the same actions leave can then be compared as plain values,
across backends and across rounds.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TypeVar

from socialfeed import NotFoundError, SocialFeed, SocialFeedError, User
from socialfeed.ids import PostId, StoryId, UserId

__all__ = [
    "PROFILES",
    "VARIANTS",
    "Observation",
    "World",
    "build_world",
    "describe_error",
    "names",
    "observe",
    "prefix_of",
    "reads_for",
]

T = TypeVar("T")

World = dict[str, int]
"""What actions need to know about a world: ``round`` and the ids of A, B, C, P, S and A's comment.

A plain dict of ints, so that it pickles to a spawned worker. ``comment`` is
0 (an id that names nothing) in the variants where A has not commented.
"""

Observation = dict[str, object]
"""A normalised snapshot: one entry per aspect of the world, comparable with ``==``."""

VARIANTS = ("strangers", "following", "requested", "blocked")
"""How A and B start out, in the order the tests go through them.

- ``strangers``: B is public and there is nothing between them.
- ``following``: A follows B, likes P, has commented on P, has viewed S and
  has sent B a message.
- ``requested``: B is private and A's follow request waits for B.
- ``blocked``: B blocks A.
"""

POST_CONTENT = "Hello #{p}one from @{p}c"
STORY_CONTENT = "story of {p}b"


def prefix_of(world: World) -> str:
    """The round's prefix of every name and hashtag of ``world``."""
    return f"q{world['round']}z"


def names(world: World) -> dict[str, str]:
    """The usernames of A, B and C, by role."""
    prefix = prefix_of(world)
    return {role: f"{prefix}{role.lower()}" for role in ("A", "B", "C")}


def build_world(feed: SocialFeed, variant: str, round_number: int) -> World:
    """Create a round's users, post and story, and the variant's starting relation."""
    world: World = {"round": round_number, "comment": 0}
    for role, username in names(world).items():
        world[role] = feed.accounts.create_profile(username).id
    prefix = prefix_of(world)
    a, b = world["A"], world["B"]
    world["P"] = feed.posts.create(UserId(b), content=POST_CONTENT.format(p=prefix)).id
    world["S"] = feed.stories.create(UserId(b), content=STORY_CONTENT.format(p=prefix)).id
    if variant == "following":
        feed.follows.follow(UserId(a), UserId(b))
        feed.likes.like(UserId(a), PostId(world["P"]))
        world["comment"] = feed.comments.add(UserId(a), PostId(world["P"]), "first comment").id
        feed.stories.view(UserId(a), StoryId(world["S"]))
        # Something for B to mark read, and a conversation for a block or deletion to cut.
        feed.messages.send(UserId(a), UserId(b), "first message")
    elif variant == "requested":
        feed.users.set_private(UserId(b), True)
        feed.follows.follow(UserId(a), UserId(b))
    elif variant == "blocked":
        feed.blocks.block(UserId(b), UserId(a))
    elif variant != "strangers":
        raise ValueError(f"unknown variant {variant!r}")
    return world


def describe_error(error: Exception) -> str:
    """Name a typed error by its class; anything else says it is untyped, and what it is.

    Not by its entity as well: which of two rows a lost race finds missing
    first (the story, or its author) is not something a race must decide.
    """
    if isinstance(error, SocialFeedError):
        return type(error).__name__
    return f"untyped {type(error).__module__}.{type(error).__name__}: {error}"


PROFILES = frozenset({"A.profile", "B.profile", "C.profile"})


def reads_for(aspects: Iterable[str]) -> frozenset[str]:
    """What `observe` must read to report ``aspects`` the same way on every backend.

    The profiles always (they hold the counters, and who still exists), and
    B's posts along with any notifications, which name their post by its content.
    """
    wanted = set(aspects) | PROFILES
    if any(aspect.endswith(".notifications") for aspect in wanted):
        wanted.add("B.posts")
    return frozenset(wanted)


def observe(feed: SocialFeed, world: World, aspects: frozenset[str] | None = None) -> Observation:
    """Read what the catalogue's actions can change, normalised and id-free.

    Everything, or only ``aspects`` (a set made by `reads_for`), by key:
    ``A.profile``, ``B.posts``, ``C.home``, ``#one``... Users who do not
    exist have only their profile, which reads ``("not found",)``.
    """
    return _Observer(feed, world, aspects).run()


class _Observer:
    """One observation: the reads, and the maps from ids and prefixed names to roles."""

    def __init__(self, feed: SocialFeed, world: World, aspects: frozenset[str] | None) -> None:
        self.feed = feed
        self.aspects = aspects
        self.prefix = prefix_of(world)
        self.world = world
        self.found: Observation = {}
        self.user_ids: dict[str, int] = {}
        self.post_contents: dict[int, str] = {}

    def norm(self, text: str | None) -> str | None:
        # The round's prefix is the only thing that differs between two rounds' texts.
        return None if text is None else text.replace(self.prefix, "")

    def role(self, username: str) -> str:
        # Every user of the world is named prefix + a, b or c.
        return (self.norm(username) or "?").upper()

    def read(self, key: str, reading: Callable[[], T]) -> T | None:
        """Record what ``reading`` returns under ``key``, or the error it raised."""
        if self.aspects is not None and key not in self.aspects:
            return None
        try:
            value = reading()
        except Exception as error:  # an untyped one is recorded too, and mismatches
            self.found[key] = describe_error(error)
            return None
        self.found[key] = value
        return value

    def run(self) -> Observation:
        for role, username in names(self.world).items():
            self.read(f"{role}.profile", functools.partial(self.profile, username))
        # The author's own view sees the most: B's posts, stories and lists.
        b = self.user_ids.get("B")
        if b is not None:
            self.read("B.posts", lambda: self.posts(UserId(b)))
            self.read("B.stories", lambda: self.stories(UserId(b)))
        for tag in ("one", "two"):
            self.read(f"#{tag}", functools.partial(self.hashtag, tag))
        for role, user_id in sorted(self.user_ids.items()):
            self.relations(role, UserId(user_id))
        a = self.user_ids.get("A")
        if a is not None and b is not None:
            self.read("A-B.messages", lambda: self.messages(a, b))
        return self.found

    def profile(self, username: str) -> tuple[object, ...]:
        try:
            user = self.feed.users.get_by_username(username)
        except NotFoundError:
            return ("not found",)
        self.user_ids[self.role(username)] = user.id
        return (
            "private" if user.is_private else "public",
            "active" if user.is_active else "inactive",
            f"posts={user.post_count}",
            f"followers={user.follower_count}",
            f"following={user.following_count}",
            f"bio={user.bio}",
        )

    def posts(self, author_id: UserId) -> list[tuple[object, ...]]:
        feed, found = self.feed, []
        for post in feed.posts.by_author(author_id, viewer_id=author_id, limit=100).items:
            self.post_contents[post.id] = self.norm(post.content) or ""
            likers = feed.likes.likers(post.id, viewer_id=author_id, limit=100).items
            comments = feed.comments.for_post(post.id, viewer_id=author_id, limit=100).items
            found.append(
                (
                    self.norm(post.content),
                    f"likes={post.like_count}",
                    f"comments={post.comment_count}",
                    sorted(self.role(user.username) for user in likers),
                    sorted((self.role(c.author_username), c.content) for c in comments),
                )
            )
        return sorted(found, key=repr)

    def stories(self, author_id: UserId) -> list[tuple[object, ...]]:
        found = []
        for story in self.feed.stories.active(author_id, viewer_id=author_id):
            viewers = self.feed.stories.viewers(story.id, viewer_id=author_id, limit=100).items
            found.append(
                (self.norm(story.content), sorted(self.role(v.user.username) for v in viewers))
            )
        return sorted(found, key=repr)

    def hashtag(self, tag: str) -> int:
        # The count is kept with the links, so a stale or missing link shows in it.
        hashtag = self.feed.hashtags.get(f"{self.prefix}{tag}")
        return 0 if hashtag is None else hashtag.post_count

    def relations(self, role: str, user_id: UserId) -> None:
        feed, key = self.feed, role + "."

        def roles(page: Callable[[], Iterable[User]]) -> Callable[[], list[str]]:
            return lambda: sorted(self.role(user.username) for user in page())

        lists: dict[str, Callable[[], Iterable[User]]] = {
            "followers": lambda: feed.users.followers(user_id, viewer_id=user_id, limit=100).items,
            "following": lambda: feed.users.following(user_id, viewer_id=user_id, limit=100).items,
            "blocks": lambda: feed.blocks.list(user_id, limit=100).items,
            "mutes": lambda: (mute.user for mute in feed.mutes.list(user_id, limit=100).items),
            "requests in": lambda: feed.follow_requests.incoming(user_id, limit=100).items,
            "requests out": lambda: feed.follow_requests.outgoing(user_id, limit=100).items,
        }
        for name, listing in lists.items():
            self.read(key + name, roles(listing))
        self.read(key + "notifications", lambda: self.notifications(user_id))
        self.read(key + "conversations", lambda: self.conversations(user_id))
        if role in ("A", "C"):
            self.read(key + "home", lambda: self.home(user_id))

    def notifications(self, user_id: UserId) -> list[tuple[object, ...]]:
        items = self.feed.notifications.list(user_id, limit=100).items
        return sorted(
            (
                n.kind,
                self.role(n.actor_username),
                None if n.post_id is None else self.post_contents.get(n.post_id, "unseen post"),
                "read" if n.is_read else "unread",
            )
            for n in items
        )

    def conversations(self, user_id: UserId) -> list[tuple[object, ...]]:
        items = self.feed.messages.conversations(user_id, limit=100).items
        return sorted(
            (self.role(c.other_username), c.last_message.content, f"unread={c.unread_count}")
            for c in items
        )

    def messages(self, a: int, b: int) -> list[tuple[object, ...]]:
        items = self.feed.messages.conversation(UserId(a), UserId(b), limit=100).items
        sender = {a: "A", b: "B"}
        return sorted(
            (sender[m.sender_id], m.content, "read" if m.is_read else "unread") for m in items
        )

    def home(self, user_id: UserId) -> list[tuple[object, ...]]:
        items = self.feed.feed.home(user_id, limit=100).items
        return sorted(
            (
                self.role(item.post.author_username),
                self.norm(item.post.content),
                f"likes={item.post.like_count}",
                f"comments={item.post.comment_count}",
                "liked" if item.liked_by_viewer else "not liked",
            )
            for item in items
        )
