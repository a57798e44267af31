"""Who sees what: every read path against every relation between a viewer and an account.

The expectations are one table, :data:`MATRIX`: a row per read path and
owner kind (private or public), a column per relation of the viewer to the
owner. Each cell runs as its own test on every backend.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Final, Literal

import pytest
from attrs import frozen

from socialfeed import HashtagHandler, NotFoundError, SocialFeed
from socialfeed.ids import UserId
from socialfeed.models import Post, Story, User

Outcome = Literal["visible", "not found", "absent", "n/a"]

SEE: Final = "visible"  # the call returns the owner's object, or lists it
GONE: Final = "not found"  # the call raises NotFoundError
ABSENT: Final = "absent"  # the call succeeds, but the owner's object is not in the list
NA: Final = "n/a"  # the case cannot arise, see below

# The viewer's relation to the owner. "follower": an approved follower;
# "blocked": the owner blocked the viewer; "blocker": the viewer blocked the
# owner (in both, the viewer followed the owner until the block);
# "pending": the viewer asked to follow and the owner has not answered;
# "anonymous": viewer_id=None.
RELATIONS: Final = (
    "owner",
    "follower",
    "non_follower",
    "blocked",
    "blocker",
    "pending",
    "anonymous",
)

# NA cells: a public account has no pending requests (follow() follows it at
# once, and going public approves every request), and feed.home and stories.get
# need a viewer id, so they have no anonymous reader.
#
# What each path checks: posts.get, stories.get and users.get return the
# owner's post, story and profile; posts.by_author and stories.active list the
# owner's post and story; feed.home and hashtags.posts (#sunset) list the owner's
# post; search.users finds the owner; comments.for_post lists the owner's comment
# on their post; likes.likers lists the owner, who liked their own post;
# users.followers and users.following list a friend who follows the owner and
# whom the owner follows.
MATRIX: Final[dict[tuple[str, bool], tuple[Outcome, ...]]] = {
    # (path, private owner):            owner follower non_fol blocked blocker pending anonymous
    ("posts.get", True):                (SEE, SEE,     GONE,   GONE,   GONE,   GONE,   GONE),
    ("posts.get", False):               (SEE, SEE,     SEE,    GONE,   GONE,   NA,     SEE),
    ("posts.by_author", True):          (SEE, SEE,     GONE,   GONE,   GONE,   GONE,   GONE),
    ("posts.by_author", False):         (SEE, SEE,     SEE,    GONE,   GONE,   NA,     SEE),
    ("feed.home", True):                (SEE, SEE,     ABSENT, ABSENT, ABSENT, ABSENT, NA),
    ("feed.home", False):               (SEE, SEE,     ABSENT, ABSENT, ABSENT, NA,     NA),
    ("hashtags.posts", True):           (SEE, SEE,     ABSENT, ABSENT, ABSENT, ABSENT, ABSENT),
    ("hashtags.posts", False):          (SEE, SEE,     SEE,    ABSENT, ABSENT, NA,     SEE),
    ("search.users", True):             (SEE, SEE,     SEE,    ABSENT, ABSENT, SEE,    SEE),
    ("search.users", False):            (SEE, SEE,     SEE,    ABSENT, ABSENT, NA,     SEE),
    ("comments.for_post", True):        (SEE, SEE,     GONE,   GONE,   GONE,   GONE,   GONE),
    ("comments.for_post", False):       (SEE, SEE,     SEE,    GONE,   GONE,   NA,     SEE),
    ("likes.likers", True):             (SEE, SEE,     GONE,   GONE,   GONE,   GONE,   GONE),
    ("likes.likers", False):            (SEE, SEE,     SEE,    GONE,   GONE,   NA,     SEE),
    ("users.followers", True):          (SEE, SEE,     GONE,   GONE,   GONE,   GONE,   GONE),
    ("users.followers", False):         (SEE, SEE,     SEE,    GONE,   GONE,   NA,     SEE),
    ("users.following", True):          (SEE, SEE,     GONE,   GONE,   GONE,   GONE,   GONE),
    ("users.following", False):         (SEE, SEE,     SEE,    GONE,   GONE,   NA,     SEE),
    ("stories.get", True):              (SEE, SEE,     GONE,   GONE,   GONE,   GONE,   NA),
    ("stories.get", False):             (SEE, SEE,     SEE,    GONE,   GONE,   NA,     NA),
    ("stories.active", True):           (SEE, SEE,     GONE,   GONE,   GONE,   GONE,   GONE),
    ("stories.active", False):          (SEE, SEE,     SEE,    GONE,   GONE,   NA,     SEE),
    # A profile hides only from the user its owner blocked; the blocker still
    # sees the profile of the user they blocked (to find them and unblock).
    ("users.get", True):                (SEE, SEE,     SEE,    GONE,   SEE,    SEE,    SEE),
    ("users.get", False):               (SEE, SEE,     SEE,    GONE,   SEE,    NA,     SEE),
}  # fmt: skip

#: The same table, one entry per cell: (path, relation, private owner) -> outcome.
EXPECTED: Final[dict[tuple[str, str, bool], Outcome]] = {
    (path, relation, private): outcome
    for (path, private), row in MATRIX.items()
    for relation, outcome in zip(RELATIONS, row, strict=True)
}


@frozen
class World:
    """The owner, what they published, and a friend who follows them and whom they follow."""

    owner: User
    friend: User
    post: Post
    story: Story


Read = Callable[[SocialFeed, World, UserId | None], bool]


def _viewer(viewer_id: UserId | None) -> UserId:
    assert viewer_id is not None, "NA in MATRIX: this path has no anonymous reader"
    return viewer_id


def _ids(items: Iterable[User | Post]) -> set[int]:
    return {item.id for item in items}


# Each read returns whether the owner's object is in its answer; a call that
# should not even answer raises NotFoundError.
READS: Final[dict[str, Read]] = {
    "posts.get": lambda feed, w, v: feed.posts.get(w.post.id, viewer_id=v).id == w.post.id,
    "posts.by_author": lambda feed, w, v: (
        w.post.id in _ids(feed.posts.by_author(w.owner.id, viewer_id=v).items)
    ),
    "feed.home": lambda feed, w, v: (
        w.post.id in {item.post.id for item in feed.feed.home(UserId(_viewer(v))).items}
    ),
    "hashtags.posts": lambda feed, w, v: (
        w.post.id in _ids(feed.hashtags.posts("sunset", viewer_id=v).items)
    ),
    "search.users": lambda feed, w, v: w.owner.id in _ids(feed.search.users("owner", viewer_id=v)),
    "comments.for_post": lambda feed, w, v: (
        w.owner.id
        in {comment.author_id for comment in feed.comments.for_post(w.post.id, viewer_id=v).items}
    ),
    "likes.likers": lambda feed, w, v: (
        w.owner.id in _ids(feed.likes.likers(w.post.id, viewer_id=v).items)
    ),
    "users.followers": lambda feed, w, v: (
        w.friend.id in _ids(feed.users.followers(w.owner.id, viewer_id=v).items)
    ),
    "users.following": lambda feed, w, v: (
        w.friend.id in _ids(feed.users.following(w.owner.id, viewer_id=v).items)
    ),
    "stories.get": lambda feed, w, v: (
        feed.stories.get(w.story.id, viewer_id=UserId(_viewer(v))).id == w.story.id
    ),
    "stories.active": lambda feed, w, v: (
        w.story.id in {story.id for story in feed.stories.active(w.owner.id, viewer_id=v)}
    ),
    "users.get": lambda feed, w, v: feed.users.get(w.owner.id, viewer_id=v).id == w.owner.id,
}


def build_world(feed: SocialFeed, relation: str, private: bool) -> tuple[World, UserId | None]:
    """Publish the owner's content, then put a viewer in ``relation`` to them; return both."""
    handler = HashtagHandler()
    handler.connect(feed)
    owner = feed.accounts.create_profile("owner")
    friend = feed.accounts.create_profile("friend")
    viewer = feed.accounts.create_profile("viewer")
    feed.follows.follow(friend.id, owner.id)
    feed.follows.follow(owner.id, friend.id)
    post = feed.posts.create(owner.id, content="Evening #sunset")
    feed.comments.add(owner.id, post.id, "Look at that sky")
    feed.likes.like(owner.id, post.id)
    story = feed.stories.create(owner.id, content="Now")
    handler.disconnect(feed)
    feed.users.set_private(owner.id, private)
    if relation in ("follower", "blocked", "blocker"):
        if feed.follows.follow(viewer.id, owner.id) == "requested":
            feed.follow_requests.approve(owner.id, viewer.id)
        assert feed.follows.is_following(viewer.id, owner.id)
    if relation == "pending":
        assert feed.follows.follow(viewer.id, owner.id) == "requested"
    elif relation == "blocked":
        feed.blocks.block(owner.id, viewer.id)
    elif relation == "blocker":
        feed.blocks.block(viewer.id, owner.id)
    world = World(owner, friend, post, story)
    viewer_id = {"owner": owner.id, "anonymous": None}.get(relation, viewer.id)
    return world, viewer_id


def outcome_of(feed: SocialFeed, path: str, world: World, viewer_id: UserId | None) -> Outcome:
    """Run one read path for the viewer and classify what came back."""
    try:
        found = READS[path](feed, world, viewer_id)
    except NotFoundError:
        return GONE
    return SEE if found else ABSENT


@pytest.mark.parametrize(
    ("path", "relation", "private", "expected"),
    [
        pytest.param(
            path,
            relation,
            private,
            outcome,
            id=f"{path}-{relation}-{'private' if private else 'public'}",
        )
        for (path, relation, private), outcome in EXPECTED.items()
        if outcome != NA
    ],
)
def test_visibility(
    feed: SocialFeed, path: str, relation: str, private: bool, expected: Outcome
) -> None:
    """Each read path shows, hides (NotFoundError) or leaves out the owner's content per MATRIX."""
    world, viewer_id = build_world(feed, relation, private)

    assert outcome_of(feed, path, world, viewer_id) == expected


def test_matrix_covers_every_path_and_owner_kind() -> None:
    """MATRIX has a row for each read path and owner kind, and NA only where no case exists."""
    assert set(MATRIX) == {(path, private) for path in READS for private in (True, False)}
    not_applicable = {key for key, outcome in EXPECTED.items() if outcome == NA}
    no_pending = {(path, "pending", False) for path in READS}
    no_anonymous = {
        (path, "anonymous", private)
        for path in ("feed.home", "stories.get")
        for private in (True, False)
    }
    assert not_applicable == no_pending | no_anonymous
