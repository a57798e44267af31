"""FeedService: the home feed of one's own and followees' posts, newest first, keyset paginated."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest

from socialfeed import ManualClock, NotFoundError, SocialFeed, ValidationError
from socialfeed.ids import PostId, UserId
from socialfeed.models import User
from socialfeed.storage import Storage
from tests.support import EventRecorder, counted_statements, unchanged


def feed_ids(feed: SocialFeed, viewer: User, **page: Any) -> list[int]:
    """Return the post ids of one page of the viewer's feed."""
    return [item.post.id for item in feed.feed.home(viewer.id, **page).items]


def walk(feed: SocialFeed, viewer: User, limit: int) -> list[int]:
    """Return the post ids of the whole feed, following the cursor page by page."""
    ids: list[int] = []
    cursor: str | None = None
    while True:
        page = feed.feed.home(viewer.id, limit=limit, cursor=cursor)
        ids.extend(item.post.id for item in page.items)
        cursor = page.next_cursor
        if cursor is None:
            return ids


def cursor_of(raw: str) -> str:
    """Encode text the way the library's cursors are encoded, to forge one."""
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.fixture
def users(feed: SocialFeed, alice: User, bob: User, carol: User) -> tuple[User, User, User]:
    """Alice (the viewer), bob (whom alice follows) and carol (a stranger to alice)."""
    feed.follows.follow(alice.id, bob.id)
    return alice, bob, carol


def test_feed_has_own_and_followees_posts_newest_first(
    feed: SocialFeed, users: tuple[User, User, User]
) -> None:
    """The feed holds the viewer's and followees' posts, newest first, and no stranger's."""
    alice, bob, carol = users
    expected = []
    for n in range(3):
        expected.append(feed.posts.create(alice.id, content=f"alice {n}").id)
        expected.append(feed.posts.create(bob.id, content=f"bob {n}").id)
        feed.posts.create(carol.id, content=f"carol {n}")
    feed.follows.follow(carol.id, alice.id)

    assert feed_ids(feed, alice) == expected[::-1]
    assert feed_ids(feed, bob) == expected[1::2][::-1]


def test_feed_items_carry_author_counters_and_viewer_like(
    feed: SocialFeed, users: tuple[User, User, User]
) -> None:
    """Each item has its author's username, exact counters and whether the viewer liked it."""
    alice, bob, carol = users
    own = feed.posts.create(alice.id, content="mine")
    theirs = feed.posts.create(bob.id, image_url="https://example.com/b.jpg")
    feed.likes.like(alice.id, theirs.id)
    feed.likes.like(carol.id, theirs.id)
    feed.likes.like(carol.id, own.id)
    for user in (bob, carol, alice):
        feed.comments.add(user.id, theirs.id, "nice")

    items = {item.post.id: item for item in feed.feed.home(alice.id).items}

    assert items[theirs.id].post.author_username == "bob"
    assert items[theirs.id].post.image_url == "https://example.com/b.jpg"
    assert (items[theirs.id].post.like_count, items[theirs.id].post.comment_count) == (2, 3)
    assert items[theirs.id].liked_by_viewer is True
    assert items[own.id].post.author_username == "alice"
    assert (items[own.id].post.like_count, items[own.id].post.comment_count) == (1, 0)
    assert items[own.id].liked_by_viewer is False
    bobs_view = {item.post.id: item.liked_by_viewer for item in feed.feed.home(bob.id).items}
    assert bobs_view == {theirs.id: False}


def test_cursor_pages_are_stable_when_posts_arrive_between_requests(
    feed: SocialFeed, users: tuple[User, User, User]
) -> None:
    """Posts published between page requests cause no duplicate and no gap in later pages."""
    alice, bob, carol = users
    authors = [alice, bob] * 5
    original = [feed.posts.create(u.id, content="old").id for u in authors][::-1]

    seen: list[int] = []
    cursor: str | None = None
    while True:
        page = feed.feed.home(alice.id, limit=3, cursor=cursor)
        seen.extend(item.post.id for item in page.items)
        for user in (alice, bob, carol):
            feed.posts.create(user.id, content="new")
        cursor = page.next_cursor
        if cursor is None:
            break

    assert seen == original
    assert feed_ids(feed, alice, limit=2)[0] not in original


def test_cursor_stays_valid_after_its_post_is_deleted(
    feed: SocialFeed, users: tuple[User, User, User]
) -> None:
    """Deleting the post a page ended on does not break the next page."""
    alice, bob, _ = users
    ids = [feed.posts.create(bob.id, content=f"{n}").id for n in range(5)][::-1]
    first = feed.feed.home(alice.id, limit=2)
    feed.posts.delete(bob.id, first.items[-1].post.id)

    assert feed_ids(feed, alice, limit=10, cursor=first.next_cursor) == ids[2:]


def test_cursor_pages_break_timestamp_ties_by_id(storage: Storage) -> None:
    """Posts that share a timestamp are each listed exactly once, newest id first."""
    feed = SocialFeed(storage, clock=ManualClock(tick=timedelta(0)))
    alice = feed.accounts.create_profile("alice")
    ids = [feed.posts.create(alice.id, content=f"{n}").id for n in range(7)]

    assert walk(feed, alice, limit=2) == ids[::-1]


def test_offset_skips_the_newest_items(feed: SocialFeed, users: tuple[User, User, User]) -> None:
    """An offset skips that many items, alone or after a cursor."""
    alice, bob, _ = users
    ids = [feed.posts.create(u.id, content="p").id for u in [alice, bob] * 4][::-1]

    assert feed_ids(feed, alice, limit=3, offset=2) == ids[2:5]
    first = feed.feed.home(alice.id, limit=2)
    assert feed_ids(feed, alice, limit=2, cursor=first.next_cursor, offset=1) == ids[3:5]
    assert feed_ids(feed, alice, offset=50) == []


@pytest.mark.parametrize("limit", [1, 100])
def test_limit_bounds_are_accepted(
    feed: SocialFeed, users: tuple[User, User, User], limit: int
) -> None:
    """The smallest and largest limits are accepted and cap the page's size."""
    alice, _, _ = users
    for n in range(limit + 1):
        feed.posts.create(alice.id, content=f"{n}")

    page = feed.feed.home(alice.id, limit=limit)

    assert len(page.items) == limit
    assert page.next_cursor is not None


@pytest.mark.parametrize(
    ("limit", "offset", "field"),
    [(0, 0, "limit"), (101, 0, "limit"), (-1, 0, "limit"), (5, -1, "offset")],
)
def test_out_of_range_limit_or_offset_is_refused(
    feed: SocialFeed,
    events: EventRecorder,
    users: tuple[User, User, User],
    limit: int,
    offset: int,
    field: str,
) -> None:
    """A limit outside 1..100 or a negative offset raises ValidationError naming it."""
    alice, _, _ = users

    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        feed.feed.home(alice.id, limit=limit, offset=offset)

    assert info.value.field == field


@pytest.mark.parametrize(
    "cursor",
    ["", "garbage", "!!!", "é", cursor_of("abc"), cursor_of("1:2:3"), cursor_of("9" * 30 + ":1")],
)
def test_invalid_cursor_is_refused(
    feed: SocialFeed, events: EventRecorder, users: tuple[User, User, User], cursor: str
) -> None:
    """A cursor string the library did not make raises ValidationError on 'cursor'."""
    alice, _, _ = users
    feed.posts.create(alice.id, content="hi")

    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        feed.feed.home(alice.id, cursor=cursor)

    assert info.value.field == "cursor"


@pytest.mark.parametrize("post_id", [2**63, -(2**63) - 1, 10**30])
def test_cursor_with_out_of_range_id_is_refused(
    feed: SocialFeed, events: EventRecorder, users: tuple[User, User, User], post_id: PostId
) -> None:
    """A forged cursor whose id no database integer can hold is a ValidationError on 'cursor'."""
    alice, _, _ = users
    feed.posts.create(alice.id, content="hi")

    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        feed.feed.home(alice.id, cursor=cursor_of(f"1767225600000000:{post_id}"))

    assert info.value.field == "cursor"


def test_unfollowed_users_posts_leave_the_feed(
    feed: SocialFeed, users: tuple[User, User, User]
) -> None:
    """After unfollowing, the former followee's posts are no longer in the feed."""
    alice, bob, _ = users
    own = feed.posts.create(alice.id, content="mine").id
    feed.posts.create(bob.id, content="bob's")

    feed.follows.unfollow(alice.id, bob.id)

    assert feed_ids(feed, alice) == [own]


def test_feed_of_unknown_user_raises_not_found(feed: SocialFeed) -> None:
    """The feed of a user that does not exist raises NotFoundError for the user."""
    with pytest.raises(NotFoundError) as info:
        feed.feed.home(UserId(999_999))

    assert info.value.entity == "user"


def test_feed_page_costs_the_same_number_of_queries_whatever_its_size(
    sql_storage: Storage,
) -> None:
    """A page of 50 items takes as many SQL statements as a page of 5 (no query per item)."""
    feed = SocialFeed(sql_storage, clock=ManualClock())
    viewer = feed.accounts.create_profile("viewer")
    for n in range(3):
        followee = feed.accounts.create_profile(f"followee{n}")
        feed.follows.follow(viewer.id, followee.id)
        for _ in range(20):
            post = feed.posts.create(followee.id, content="p")
            feed.likes.like(viewer.id, post.id)
            feed.comments.add(viewer.id, post.id, "c")
    feed.feed.home(viewer.id, limit=1)

    sizes: dict[int, int] = {}
    for limit in (5, 50):
        with counted_statements(sql_storage) as statements:
            page = feed.feed.home(viewer.id, limit=limit)
        assert len(page.items) == limit
        assert all(item.liked_by_viewer and item.post.comment_count == 1 for item in page.items)
        sizes[limit] = len(statements)

    assert sizes[5] == sizes[50]
    assert sizes[5] > 0
