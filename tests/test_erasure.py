"""Erasure: deleting an account leaves no row anywhere that points at the user or their content."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from socialfeed import AuthenticationError, HashtagHandler, NotificationHandler, SocialFeed
from socialfeed.events import UserDeleted
from socialfeed.ids import UserId
from socialfeed.models import Post, User
from socialfeed.storage import MemoryStorage
from socialfeed.storage.sql.schema import metadata
from tests.support import EventRecorder, dump

#: The columns that hold a user id, on every backend (``users.id`` is checked on its own).
USER_COLUMNS = frozenset(
    {
        "user_id",
        "author_id",
        "follower_id",
        "followee_id",
        "sender_id",
        "receiver_id",
        "recipient_id",
        "actor_id",
        "viewer_id",
        "blocker_id",
        "blocked_id",
        "muter_id",
        "muted_id",
        "requester_id",
        "owner_id",
        "other_id",
        "low_user_id",
        "high_user_id",
    }
)

#: The columns that point at another table's ``id``, and that table.
REFERENCES = {
    "post_id": "posts",
    "comment_id": "comments",
    "story_id": "stories",
    "hashtag_id": "hashtags",
    "last_message_id": "messages",
    "notification_id": "notifications",
}

Row = dict[str, Any]

# The memory backend's tables, read as rows named like the SQL columns they stand for.
MEMORY_ROWS: dict[str, Callable[[Any, Any], Row]] = {
    "users": lambda key, user: {"id": key},
    "password_hashes": lambda key, _: {"user_id": key},
    "username_keys": lambda _, user_id: {"user_id": user_id},
    "email_keys": lambda _, user_id: {"user_id": user_id},
    "sessions": lambda _, session: {"user_id": session[0]},
    "posts": lambda key, post: {"id": key, "author_id": post.author_id},
    "comments": lambda key, c: {"id": key, "post_id": c.post_id, "author_id": c.author_id},
    "likes": lambda key, _: {"user_id": key[0], "post_id": key[1]},
    "follows": lambda key, _: {"follower_id": key[0], "followee_id": key[1]},
    "stories": lambda key, story: {"id": key, "author_id": story.author_id},
    "story_views": lambda key, _: {"story_id": key[0], "viewer_id": key[1]},
    "messages": lambda key, m: {"id": key, "sender_id": m.sender_id, "receiver_id": m.receiver_id},
    "notifications": lambda key, n: {
        "id": key,
        "recipient_id": n.recipient_id,
        "actor_id": n.actor_id,
        "post_id": n.post_id,
        "comment_id": n.comment_id,
    },
    "notification_events": lambda key, row_id: {"recipient_id": key[1], "notification_id": row_id},
    "hashtags": lambda key, _: {"id": key},
    "hashtag_names": lambda _, tag_id: {"hashtag_id": tag_id},
    "post_hashtags": lambda key, _: {"hashtag_id": key[0], "post_id": key[1]},
    "blocks": lambda key, _: {"blocker_id": key[0], "blocked_id": key[1]},
    "mutes": lambda key, _: {"muter_id": key[0], "muted_id": key[1]},
    "follow_requests": lambda key, _: {"requester_id": key[0], "owner_id": key[1]},
    "timeline_entries": lambda key, entry: {
        "owner_id": key[0],
        "post_id": key[1],
        "author_id": entry[0],
    },
    # Events name users only inside their payload, which erasure leaves to purge.
    "outbox": lambda key, _: {"id": key},
    "receipts": lambda key, _: {"receiver": key[0], "event_id": key[1]},
}


def rows(feed: SocialFeed) -> dict[str, list[Row]]:
    """Return every stored row as a column-name mapping, whatever the backend."""
    tables = dump(feed.storage)
    if isinstance(feed.storage, MemoryStorage):
        assert set(tables) == set(MEMORY_ROWS), "a memory table is not described in MEMORY_ROWS"
        return {
            name: [MEMORY_ROWS[name](key, value) for key, value in table.items()]
            for name, table in tables.items()
        }
    return {
        name: [
            dict(zip(metadata.tables[f"socialfeed_{name}"].columns.keys(), row, strict=True))
            for row in table
        ]
        for name, table in tables.items()
    }


def mentions_of(feed: SocialFeed, user_id: UserId) -> list[tuple[str, Row]]:
    """Return each (table, row) whose user columns hold ``user_id``."""
    return [
        (name, row)
        for name, table in rows(feed).items()
        for row in table
        if any(row.get(column) == user_id for column in USER_COLUMNS)
        or (name == "users" and row["id"] == user_id)
    ]


def dangling(feed: SocialFeed) -> list[tuple[str, str, Row]]:
    """Return each (table, column, row) that points at a post, comment or other row that is gone."""
    stored = rows(feed)
    ids = {name: {row["id"] for row in stored[name]} for name in set(REFERENCES.values())}
    return [
        (name, column, row)
        for name, table in stored.items()
        for row in table
        for column, target in REFERENCES.items()
        if row.get(column) is not None and row[column] not in ids[target]
    ]


@pytest.fixture
def handlers(feed: SocialFeed) -> Iterator[None]:
    """The notification and hashtag handlers, connected to ``feed`` for one test."""
    connected = [NotificationHandler(), HashtagHandler()]
    for handler in connected:
        handler.connect(feed)
    yield
    for handler in connected:
        handler.disconnect(feed)


def build_world(feed: SocialFeed) -> dict[str, Any]:
    """Make dora, who touches everyone in every way, and the users and posts around her."""
    dora = feed.accounts.register("dora", "dora@example.com", "correct horse")
    alice, bob, carol, erin, pat, zed = (
        feed.accounts.create_profile(name)
        for name in ("alice", "bob", "carol", "erin", "pat", "zed")
    )
    for follower, followee in ((dora, alice), (alice, dora), (dora, bob), (bob, dora)):
        feed.follows.follow(follower.id, followee.id)
    feed.follows.follow(alice.id, bob.id)
    feed.follows.follow(zed.id, alice.id)

    doras = feed.posts.create(dora.id, content="#sunset #shared with @alice")
    alices = feed.posts.create(alice.id, content="#shared thanks @dora")
    bobs = feed.posts.create(bob.id, content="plain")
    feed.comments.add(alice.id, doras.id, "lovely @dora")
    feed.comments.add(dora.id, alices.id, "you too @bob")
    feed.comments.add(dora.id, bobs.id, "first")
    feed.comments.add(dora.id, bobs.id, "second")
    feed.comments.add(bob.id, alices.id, "agreed")
    feed.likes.like(alice.id, doras.id)
    feed.likes.like(dora.id, alices.id)
    feed.likes.like(dora.id, bobs.id)
    feed.likes.like(bob.id, alices.id)
    feed.likes.like(dora.id, doras.id)

    doras_story = feed.stories.create(dora.id, content="morning")
    alices_story = feed.stories.create(alice.id, content="evening")
    feed.stories.view(alice.id, doras_story.id)
    feed.stories.view(dora.id, alices_story.id)
    feed.stories.view(bob.id, alices_story.id)

    feed.messages.send(dora.id, alice.id, "hi alice")
    feed.messages.send(alice.id, dora.id, "hi dora")
    feed.messages.send(bob.id, dora.id, "hello")
    feed.messages.send(alice.id, bob.id, "between us")

    feed.users.set_private(pat.id, True)
    assert feed.follows.follow(dora.id, pat.id) == "requested"
    feed.users.set_private(dora.id, True)
    assert feed.follows.follow(pat.id, dora.id) == "requested"
    feed.blocks.block(dora.id, carol.id)
    feed.blocks.block(erin.id, dora.id)
    feed.mutes.mute(dora.id, alice.id)
    feed.mutes.mute(bob.id, dora.id)

    feed.accounts.login("dora", "correct horse")
    session = feed.accounts.login("dora@example.com", "correct horse")
    return {
        "dora": dora,
        "alice": alice,
        "bob": bob,
        "zed": zed,
        "doras": doras,
        "alices": alices,
        "bobs": bobs,
        "token": session.token,
    }


@pytest.mark.usefixtures("handlers")
def test_deleting_an_account_erases_every_reference(
    feed: SocialFeed, events: EventRecorder
) -> None:
    """After an account is deleted, no row on any backend names its user, post or comment."""
    world = build_world(feed)
    dora: User = world["dora"]
    before = rows(feed)
    assert {"posts", "comments", "likes", "follows", "story_views", "messages"} <= {
        name for name, row in mentions_of(feed, dora.id)
    }
    assert before["notifications"], "the world should hold notifications"
    assert {(row["recipient_id"] == dora.id) for row in before["notifications"]} == {True, False}
    assert dangling(feed) == []
    events.clear()

    feed.accounts.delete(dora.id)

    assert mentions_of(feed, dora.id) == []
    assert dangling(feed) == []
    event = events.only(UserDeleted)
    assert (event.user_id, event.username) == (dora.id, "dora")
    with pytest.raises(AuthenticationError):
        feed.accounts.authenticate(world["token"])


@pytest.mark.usefixtures("handlers")
def test_deleting_an_account_keeps_other_counters_exact(feed: SocialFeed) -> None:
    """After an account is deleted, every other user's and post's counters match what is left."""
    world = build_world(feed)
    alice: User = world["alice"]
    bob: User = world["bob"]
    alices: Post = world["alices"]
    bobs: Post = world["bobs"]

    feed.accounts.delete(world["dora"].id)

    def counters(user: User) -> tuple[int, int, int]:
        stored = feed.users.get(user.id)
        return stored.post_count, stored.follower_count, stored.following_count

    assert counters(alice) == (1, 1, 1)
    assert counters(bob) == (1, 1, 0)
    assert counters(world["zed"]) == (0, 0, 1)
    assert (feed.posts.get(alices.id).like_count, feed.posts.get(alices.id).comment_count) == (1, 1)
    assert (feed.posts.get(bobs.id).like_count, feed.posts.get(bobs.id).comment_count) == (0, 0)
    shared = feed.hashtags.get("shared")
    assert shared is not None
    assert shared.post_count == 1
    assert feed.hashtags.get("sunset") is None
    assert [p.id for p in feed.hashtags.posts("shared").items] == [alices.id]
    assert feed.maintenance.reconcile_counters() == 0
