"""Who may change what: every mutating action on an owner's things against every relation.

The expectations are one table, :data:`MATRIX`: a row per action and owner
kind (private or public), a column per relation of the acting user to the
owner. A cell naming an error runs the action and checks that exactly that
error is raised and that no row, counter or signal changed; an ``ALLOWED``
cell checks that the action succeeds and is announced, so the table cannot
pass by accident. Each cell runs as its own test on every backend.

There is no anonymous column: every mutating service method takes the acting
user's id, so "no session" exists only before the call, where
`AccountService.authenticate` refuses a missing token (tests/test_sessions.py
and tests/http/test_auth.py cover that path). The actions that take only the
user's own id (``update_profile``, ``set_private``, ``deactivate``, ``delete``,
``mark_all_read``...) have no other party and so no cell either.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Final

import pytest
from attrs import frozen

from socialfeed import (
    AlreadyFollowingError,
    BlockedError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    SocialFeed,
    SocialFeedError,
)
from socialfeed.ids import CommentId, NotificationId, PostId, StoryId, UserId
from socialfeed.models import User
from tests.support import EventRecorder, unchanged

Outcome = type[SocialFeedError] | str

ALLOWED: Final = "allowed"  # the action succeeds and sends its signal
NA: Final = "n/a"  # a public account has no pending requests: follow() follows at once

NF = NotFoundError
PD = PermissionDeniedError

# The acting user's relation to the owner. "follower": an approved follower;
# "blocked": the owner blocked the actor; "blocker": the actor blocked the
# owner (in both, the actor followed the owner until the block); "pending":
# the actor asked to follow the private owner, who has not answered;
# "deleted": the actor's account was deleted, so their id names nobody.
RELATIONS: Final = ("stranger", "follower", "blocked", "blocker", "pending", "deleted")


@frozen
class World:
    """The owner, their things, and the user who acts on them."""

    owner: User
    actor_id: UserId
    requester: User  # asked to follow a private owner; nobody else may answer for the owner
    post_id: PostId
    comment_id: CommentId  # the owner's comment on their own post
    story_id: StoryId
    notification_id: NotificationId  # the owner's notification


Action = Callable[[SocialFeed, World], object]

ACTIONS: Final[dict[str, Action]] = {
    "posts.edit": lambda feed, w: feed.posts.edit(w.actor_id, w.post_id, "defaced"),
    "posts.delete": lambda feed, w: feed.posts.delete(w.actor_id, w.post_id),
    "comments.delete": lambda feed, w: feed.comments.delete(w.actor_id, w.comment_id),
    "stories.delete": lambda feed, w: feed.stories.delete(w.actor_id, w.story_id),
    "notifications.mark_read": lambda feed, w: feed.notifications.mark_read(
        w.actor_id, w.notification_id
    ),
    "follow_requests.approve": lambda feed, w: feed.follow_requests.approve(
        w.actor_id, w.requester.id
    ),
    "follow_requests.reject": lambda feed, w: feed.follow_requests.reject(
        w.actor_id, w.requester.id
    ),
    "likes.like": lambda feed, w: feed.likes.like(w.actor_id, w.post_id),
    "likes.toggle": lambda feed, w: feed.likes.toggle(w.actor_id, w.post_id),
    "comments.add": lambda feed, w: feed.comments.add(w.actor_id, w.post_id, "hi"),
    "stories.view": lambda feed, w: feed.stories.view(w.actor_id, w.story_id),
    "follows.follow": lambda feed, w: feed.follows.follow(w.actor_id, w.owner.id),
    "messages.send": lambda feed, w: feed.messages.send(w.actor_id, w.owner.id, "hi"),
}

# Changing the owner's things: whoever may not see them finds them not found (as
# the reading paths do); whoever may see them is refused. A deleted user
# sees what anonymous readers see. Answering the owner's requests is keyed by
# the caller's own id, so any other caller finds no such request.
MATRIX: Final[dict[tuple[str, bool], tuple[Outcome, ...]]] = {
    # (action, private owner):                stranger follower blocked blocker pending deleted
    ("posts.edit", True):                     (NF,      PD,      NF,     NF,     NF,     NF),
    ("posts.edit", False):                    (PD,      PD,      NF,     NF,     NA,     PD),
    ("posts.delete", True):                   (NF,      PD,      NF,     NF,     NF,     NF),
    ("posts.delete", False):                  (PD,      PD,      NF,     NF,     NA,     PD),
    ("comments.delete", True):                (NF,      PD,      NF,     NF,     NF,     NF),
    ("comments.delete", False):               (PD,      PD,      NF,     NF,     NA,     PD),
    ("stories.delete", True):                 (NF,      PD,      NF,     NF,     NF,     NF),
    ("stories.delete", False):                (PD,      PD,      NF,     NF,     NA,     PD),
    ("notifications.mark_read", True):        (NF,      NF,      NF,     NF,     NF,     NF),
    ("notifications.mark_read", False):       (NF,      NF,      NF,     NF,     NA,     NF),
    ("follow_requests.approve", True):        (NF,      NF,      NF,     NF,     NF,     NF),
    ("follow_requests.approve", False):       (NF,      NF,      NF,     NF,     NA,     NF),
    ("follow_requests.reject", True):         (NF,      NF,      NF,     NF,     NF,     NF),
    ("follow_requests.reject", False):        (NF,      NF,      NF,     NF,     NA,     NF),
    # Interacting with the owner: allowed where the owner's content is visible;
    # across a block the blocked user finds nothing and the blocker is told
    # they blocked (for a user) or finds nothing (for content).
    ("likes.like", True):                     (NF,      ALLOWED, NF,     NF,     NF,     NF),
    ("likes.like", False):                    (ALLOWED, ALLOWED, NF,     NF,     NA,     NF),
    ("likes.toggle", True):                   (NF,      ALLOWED, NF,     NF,     NF,     NF),
    ("likes.toggle", False):                  (ALLOWED, ALLOWED, NF,     NF,     NA,     NF),
    ("comments.add", True):                   (NF,      ALLOWED, NF,     NF,     NF,     NF),
    ("comments.add", False):                  (ALLOWED, ALLOWED, NF,     NF,     NA,     NF),
    ("stories.view", True):                   (NF,      ALLOWED, NF,     NF,     NF,     NF),
    ("stories.view", False):                  (ALLOWED, ALLOWED, NF,     NF,     NA,     NF),
    ("follows.follow", True):                 (ALLOWED, AlreadyFollowingError, NF,
                                               BlockedError, ConflictError, NF),
    ("follows.follow", False):                (ALLOWED, AlreadyFollowingError, NF,
                                               BlockedError, NA, NF),
    ("messages.send", True):                  (ALLOWED, ALLOWED, NF, BlockedError, ALLOWED, NF),
    ("messages.send", False):                 (ALLOWED, ALLOWED, NF, BlockedError, NA, NF),
}  # fmt: skip

CELLS: Final = [
    pytest.param(action, private, relation, outcome, id=f"{action}-{kind}-{relation}")
    for (action, private), outcomes in MATRIX.items()
    for relation, outcome in zip(RELATIONS, outcomes, strict=True)
    if outcome != NA
    for kind in ["private" if private else "public"]
]


def build_world(feed: SocialFeed, *, private: bool, relation: str) -> World:
    """Create the owner, their post, comment, story and notification, and the related actor."""
    owner = feed.accounts.create_profile("owner")
    friend = feed.accounts.create_profile("friend")
    requester = feed.accounts.create_profile("requester")
    actor = feed.accounts.create_profile("actor")
    post = feed.posts.create(owner.id, content="mine")
    comment = feed.comments.add(owner.id, post.id, "also mine")
    story = feed.stories.create(owner.id, content="my story")
    feed.follows.follow(friend.id, owner.id)  # the follow that its notification tells of
    notification = feed.notifications.notify(
        friend.id, recipient_id=owner.id, kind="follow", event_id=uuid.uuid4()
    )
    assert notification is not None
    if private:
        feed.users.set_private(owner.id, True)
        feed.follows.follow(requester.id, owner.id)
    if relation in ("follower", "blocked", "blocker"):
        feed.follows.follow(actor.id, owner.id)
        if private:
            feed.follow_requests.approve(owner.id, actor.id)
    if relation == "blocked":
        feed.blocks.block(owner.id, actor.id)
    elif relation == "blocker":
        feed.blocks.block(actor.id, owner.id)
    elif relation == "pending":
        assert feed.follows.follow(actor.id, owner.id) == "requested"
    elif relation == "deleted":
        feed.accounts.delete(actor.id)
    return World(
        owner=owner,
        actor_id=actor.id,
        requester=requester,
        post_id=post.id,
        comment_id=comment.id,
        story_id=story.id,
        notification_id=notification.id,
    )


@pytest.mark.parametrize(("action", "private", "relation", "outcome"), CELLS)
def test_authorization(
    feed: SocialFeed,
    events: EventRecorder,
    action: str,
    private: bool,
    relation: str,
    outcome: Outcome,
) -> None:
    """The action ends as its cell says: that exact error with nothing changed, or success."""
    world = build_world(feed, private=private, relation=relation)
    events.clear()

    if outcome == ALLOWED:
        ACTIONS[action](feed, world)
        assert len(events.events) == 1, "an allowed action is announced once"
        return
    assert isinstance(outcome, type)
    with unchanged(feed, events), pytest.raises(SocialFeedError) as info:
        ACTIONS[action](feed, world)
    assert type(info.value) is outcome, f"expected {outcome.__name__}, got {info.value!r}"


def test_matrix_covers_every_action_and_relation() -> None:
    """Every action has a row for both owner kinds, and every row a cell per relation."""
    assert set(MATRIX) == {(a, p) for a in ACTIONS for p in (True, False)}
    assert all(len(row) == len(RELATIONS) for row in MATRIX.values())
