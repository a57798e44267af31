"""UserService: looking users up, editing profiles, follower lists and counters."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import timedelta

import pytest

from socialfeed import (
    AuthenticationError,
    ManualClock,
    NotFoundError,
    Page,
    Settings,
    SocialFeed,
    User,
    ValidationError,
)
from socialfeed.events import ProfileUpdated
from socialfeed.ids import UserId
from socialfeed.storage import Storage
from tests.conftest import HASHER
from tests.support import EventRecorder, unchanged

IMAGE = "https://cdn.example.com/alice.png"
ListMethod = Callable[..., Page[User]]


def fullwidth(text: str) -> str:
    """Return ``text`` in full-width forms, which NFKC turns back into ASCII."""
    return "".join(chr(ord(char) + 0xFEE0) for char in text)


def make_users(feed: SocialFeed, count: int) -> list[User]:
    """Create ``count`` profiles named user0, user1, ..."""
    return [feed.accounts.create_profile(f"user{n}") for n in range(count)]


def walk(list_method: ListMethod, user_id: UserId, limit: int) -> list[list[int]]:
    """Follow next_cursor from the first page to the last; return each page's user ids."""
    pages: list[list[int]] = []
    cursor: str | None = None
    while True:
        page = list_method(user_id, limit=limit, cursor=cursor)
        pages.append([user.id for user in page.items])
        cursor = page.next_cursor
        if cursor is None:
            return pages


# -- looking users up ---------------------------------------------------------------


def test_get_returns_the_profile(feed: SocialFeed) -> None:
    """get returns the user as created, with zero counters."""
    alice = feed.accounts.create_profile("Alice", full_name="Alice Liddell")

    found = feed.users.get(alice.id)

    assert found == alice
    assert (found.username, found.full_name, found.bio, found.profile_image_url) == (
        "Alice",
        "Alice Liddell",
        None,
        None,
    )
    assert found.created_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "username",
    ["Alice", "alice", "ALICE", "aLiCe", "  alice  ", fullwidth("alice"), fullwidth("ALICE")],
)
def test_get_by_username_ignores_case_and_width(feed: SocialFeed, username: str) -> None:
    """get_by_username finds the user whatever the case and blanks around, after NFKC."""
    feed.accounts.create_profile("bob")
    alice = feed.accounts.create_profile("Alice")

    assert feed.users.get_by_username(username) == alice


@pytest.mark.parametrize(
    "lookup",
    [
        lambda feed: feed.users.get(999),
        lambda feed: feed.users.get_by_username("nobody"),
        lambda feed: feed.users.get_by_username("alice\x00"),
        lambda feed: feed.users.update_profile(999, {"bio": "hi"}),
        lambda feed: feed.users.update_profile(999, {}),
        lambda feed: feed.users.followers(999),
        lambda feed: feed.users.following(999),
    ],
    ids=["get", "get_by_username", "get_by_username_nul", "update", "update_empty", "followers",
         "following"],
)  # fmt: skip
def test_unknown_users_are_not_found(
    feed: SocialFeed, events: EventRecorder, lookup: Callable[[SocialFeed], object]
) -> None:
    """Every UserService method raises NotFoundError('user') for a user that does not exist."""
    feed.accounts.create_profile("alice")

    with unchanged(feed, events), pytest.raises(NotFoundError) as info:
        lookup(feed)

    assert info.value.entity == "user"


# -- update_profile -------------------------------------------------------------------


def test_update_profile_sets_every_field(
    feed: SocialFeed, events: EventRecorder, clock: ManualClock
) -> None:
    """update_profile stores trimmed values, returns the user and names the fields in its event."""
    alice = feed.accounts.create_profile("alice")
    events.clear()
    before = clock.now()

    updated = feed.users.update_profile(
        alice.id,
        {
            "full_name": " Alice Liddell ",
            "bio": "Down the rabbit hole\n",
            "profile_image_url": IMAGE,
        },
    )

    assert (updated.full_name, updated.bio, updated.profile_image_url) == (
        "Alice Liddell",
        "Down the rabbit hole",
        IMAGE,
    )
    assert feed.users.get(alice.id) == updated
    assert (updated.username, updated.created_at) == (alice.username, alice.created_at)
    event = events.only(ProfileUpdated)
    assert (event.user_id, event.fields) == (alice.id, ("bio", "full_name", "profile_image_url"))
    assert event.occurred_at > before


def test_update_profile_changes_only_the_given_fields(
    feed: SocialFeed, events: EventRecorder
) -> None:
    """A partial update leaves the fields it does not mention as they were."""
    alice = feed.accounts.create_profile("alice", full_name="Alice")
    feed.users.update_profile(alice.id, {"bio": "old bio", "profile_image_url": IMAGE})
    events.clear()

    updated = feed.users.update_profile(alice.id, {"bio": "new bio"})

    assert (updated.full_name, updated.bio, updated.profile_image_url) == (
        "Alice",
        "new bio",
        IMAGE,
    )
    assert feed.users.get(alice.id) == updated
    event = events.only(ProfileUpdated)
    assert (event.user_id, event.fields) == (alice.id, ("bio",))


@pytest.mark.parametrize("blank", [None, "", "   \n"])
def test_update_profile_clears_fields(
    feed: SocialFeed, events: EventRecorder, blank: str | None
) -> None:
    """None or a blank string clears a field, and the event names it."""
    alice = feed.accounts.create_profile("alice", full_name="Alice")
    feed.users.update_profile(alice.id, {"bio": "bio", "profile_image_url": IMAGE})
    events.clear()

    updated = feed.users.update_profile(alice.id, {"bio": blank, "profile_image_url": blank})

    assert (updated.full_name, updated.bio, updated.profile_image_url) == ("Alice", None, None)
    assert feed.users.get(alice.id) == updated
    assert events.only(ProfileUpdated).fields == ("bio", "profile_image_url")


def test_update_profile_with_no_changes(feed: SocialFeed, events: EventRecorder) -> None:
    """An empty change set returns the user, changes nothing and sends no signal."""
    alice = feed.accounts.create_profile("alice", full_name="Alice")

    with unchanged(feed, events):
        assert feed.users.update_profile(alice.id, {}) == alice


def test_update_profile_accepts_maximum_lengths(feed: SocialFeed) -> None:
    """A full name of 100 and a bio of 150 characters are accepted."""
    alice = feed.accounts.create_profile("alice")

    feed.users.update_profile(alice.id, {"full_name": "n" * 100, "bio": "b" * 150})

    assert (feed.users.get(alice.id).full_name, feed.users.get(alice.id).bio) == (
        "n" * 100,
        "b" * 150,
    )


@pytest.mark.parametrize(
    "field",
    ["username", "email", "is_active", "password_hash", "password", "follower_count",
     "following_count", "post_count", "id", "created_at", "fullname", "Bio"],
)  # fmt: skip
def test_update_profile_refuses_other_fields(
    feed: SocialFeed, events: EventRecorder, field: str
) -> None:
    """A key that is not an editable profile field raises ValidationError naming it."""
    alice = feed.accounts.create_profile("alice")

    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        feed.users.update_profile(alice.id, {"full_name": "Mallory", field: "x"})

    assert info.value.field == field
    assert feed.users.get(alice.id) == alice


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("full_name", "n" * 101),
        ("bio", "b" * 151),
        ("profile_image_url", "https://example.com/" + "a" * 2048),
        ("full_name", 42),
        ("bio", ["a", "list"]),
        ("profile_image_url", True),
        ("full_name", "nul\x00char"),
        ("bio", "nul\x00char"),
    ],
)
def test_update_profile_refuses_bad_values(
    feed: SocialFeed, events: EventRecorder, field: str, value: object
) -> None:
    """A too long, non-string or NUL-carrying value raises ValidationError naming the field."""
    alice = feed.accounts.create_profile("alice")

    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        feed.users.update_profile(alice.id, {field: value})

    assert info.value.field == field


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/a.png",
        "javascript:alert(1)",
        "data:image/png;base64,AAAA",
        "example.com/a.png",
        "//example.com/a.png",
        "https://",
        "http://exa mple.com/a.png",
        "file:///etc/passwd",
    ],
)
def test_update_profile_refuses_non_http_urls(
    feed: SocialFeed, events: EventRecorder, url: str
) -> None:
    """A profile image URL that is not http(s) raises ValidationError on 'profile_image_url'."""
    alice = feed.accounts.create_profile("alice")

    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        feed.users.update_profile(alice.id, {"profile_image_url": url})

    assert info.value.field == "profile_image_url"


# -- followers and following ------------------------------------------------------------


def test_followers_and_following_list_newest_follow_first(feed: SocialFeed) -> None:
    """Both lists put the most recent follow first, whatever the users' ids."""
    target = feed.accounts.create_profile("target")
    fans = make_users(feed, 4)
    for fan in [fans[2], fans[0], fans[3], fans[1]]:
        feed.follows.follow(fan.id, target.id)
        feed.follows.follow(target.id, fan.id)

    expected = [fans[1].id, fans[3].id, fans[0].id, fans[2].id]
    assert [u.id for u in feed.users.followers(target.id).items] == expected
    assert [u.id for u in feed.users.following(target.id).items] == expected
    assert [u.id for u in feed.users.following(fans[0].id).items] == [target.id]
    assert feed.users.followers(target.id).next_cursor is None


@pytest.mark.parametrize("direction", ["followers", "following"])
def test_lists_page_through_cursors_without_gaps_or_duplicates(
    feed: SocialFeed, direction: str
) -> None:
    """Following next_cursor with limit 3 over 8 follows yields every user once, in order."""
    target = feed.accounts.create_profile("target")
    others = make_users(feed, 8)
    for other in others:
        if direction == "followers":
            feed.follows.follow(other.id, target.id)
        else:
            feed.follows.follow(target.id, other.id)
    list_method: ListMethod = getattr(feed.users, direction)

    pages = walk(list_method, target.id, limit=3)

    assert [len(page) for page in pages] == [3, 3, 2]
    assert [i for page in pages for i in page] == [other.id for other in reversed(others)]


def test_cursor_pages_stay_stable_when_follows_arrive(feed: SocialFeed) -> None:
    """A follow that arrives between two pages shifts nothing on the next page."""
    target = feed.accounts.create_profile("target")
    fans = make_users(feed, 6)
    for fan in fans:
        feed.follows.follow(fan.id, target.id)
    first = feed.users.followers(target.id, limit=3)
    latecomer = feed.accounts.create_profile("latecomer")
    feed.follows.follow(latecomer.id, target.id)

    assert first.next_cursor is not None
    second = feed.users.followers(target.id, limit=3, cursor=first.next_cursor)

    assert [u.id for u in first.items] == [fans[5].id, fans[4].id, fans[3].id]
    assert [u.id for u in second.items] == [fans[2].id, fans[1].id, fans[0].id]
    assert second.next_cursor is None


def test_cursors_handle_follows_made_at_the_same_instant(
    storage: Storage, clock: ManualClock
) -> None:
    """When every follow has the same timestamp, pages still cover each user exactly once."""
    frozen = SocialFeed(
        storage,
        settings=Settings(raise_receiver_errors=True),
        clock=ManualClock(clock.now(), tick=timedelta(0)),
        password_hasher=HASHER,
    )
    target = frozen.accounts.create_profile("target")
    fans = make_users(frozen, 7)
    for fan in fans:
        frozen.follows.follow(fan.id, target.id)

    pages = walk(frozen.users.followers, target.id, limit=2)

    listed = [i for page in pages for i in page]
    assert sorted(listed) == [fan.id for fan in fans]
    assert len(listed) == len(set(listed)) == 7


def test_lists_accept_an_offset(feed: SocialFeed) -> None:
    """offset skips that many entries of the newest-first list."""
    target = feed.accounts.create_profile("target")
    fans = make_users(feed, 6)
    for fan in fans:
        feed.follows.follow(fan.id, target.id)
    newest_first = [fan.id for fan in reversed(fans)]

    middle = feed.users.followers(target.id, limit=3, offset=2)
    tail = feed.users.followers(target.id, limit=3, offset=4)
    beyond = feed.users.followers(target.id, offset=10)

    assert [u.id for u in middle.items] == newest_first[2:5]
    assert middle.next_cursor is not None
    assert [u.id for u in tail.items] == newest_first[4:]
    assert tail.next_cursor is None
    assert beyond == Page((), None)


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": -1}, "limit"),
        ({"offset": -1}, "offset"),
        ({"cursor": "not a cursor"}, "cursor"),
        ({"cursor": ""}, "cursor"),
    ],
)
@pytest.mark.parametrize("direction", ["followers", "following"])
def test_lists_refuse_bad_page_arguments(
    feed: SocialFeed,
    events: EventRecorder,
    direction: str,
    arguments: dict[str, object],
    field: str,
) -> None:
    """A limit outside 1-100, a negative offset or a foreign cursor raises ValidationError."""
    target = feed.accounts.create_profile("target")
    list_method: ListMethod = getattr(feed.users, direction)

    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        list_method(target.id, **arguments)

    assert info.value.field == field


def test_lists_accept_limits_of_1_and_100(feed: SocialFeed) -> None:
    """The limit bounds themselves are accepted."""
    target = feed.accounts.create_profile("target")
    fans = make_users(feed, 2)
    for fan in fans:
        feed.follows.follow(fan.id, target.id)

    one = feed.users.followers(target.id, limit=1)
    hundred = feed.users.followers(target.id, limit=100)

    assert [u.id for u in one.items] == [fans[1].id]
    assert one.next_cursor is not None
    assert [u.id for u in hundred.items] == [fans[1].id, fans[0].id]
    assert hundred.next_cursor is None


# -- counters -----------------------------------------------------------------------------


def test_user_counts_posts_followers_and_following(feed: SocialFeed) -> None:
    """post_count, follower_count and following_count follow posts, follows and their undoing."""
    alice, bob, carol = make_users(feed, 3)
    first = feed.posts.create(alice.id, content="one")
    feed.posts.create(alice.id, content="two")
    feed.follows.follow(bob.id, alice.id)
    feed.follows.follow(carol.id, alice.id)
    feed.follows.follow(alice.id, bob.id)

    now = feed.users.get(alice.id)
    assert (now.post_count, now.follower_count, now.following_count) == (2, 2, 1)
    assert feed.users.get(bob.id).following_count == 1
    assert feed.users.following(bob.id).items == (now,)

    feed.posts.delete(alice.id, first.id)
    feed.follows.unfollow(carol.id, alice.id)
    feed.follows.unfollow(alice.id, bob.id)

    now = feed.users.get(alice.id)
    assert (now.post_count, now.follower_count, now.following_count) == (1, 1, 0)
    assert feed.users.get(bob.id).follower_count == 0
    assert feed.users.get(carol.id).following_count == 0
    assert feed.users.followers(alice.id).items == (feed.users.get(bob.id),)


@pytest.mark.parametrize("name", ["alice", " Alice", "ALICE\t", "\u3000alice", "nobody", " "])
def test_get_by_username_and_login_read_a_name_alike(feed: SocialFeed, name: str) -> None:
    """A name finds the user by get_by_username exactly when it logs them in."""
    alice = feed.accounts.register("alice", "alice@example.com", "correct horse")
    try:
        found: int | None = feed.users.get_by_username(name).id
    except NotFoundError:
        found = None
    try:
        logged_in: int | None = feed.accounts.login(name, "correct horse").user_id
    except AuthenticationError:
        logged_in = None
    assert found == logged_in
    assert (found == alice.id) == (name.strip().lower() == "alice")


def forgeries(cursor: str) -> list[str]:
    """Variants of a real cursor that decode to the same numbers by a lenient parser."""
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    micros, item_id, fingerprint = raw.split(":")
    arabic = item_id.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    variants = [
        f"+{micros}:{item_id}:{fingerprint}",
        f"{micros}:+{item_id}:{fingerprint}",
        f" {micros}:{item_id} :{fingerprint}",
        f"{micros[:1]}_{micros[1:]}:{item_id}:{fingerprint}",
        f"{micros}:{arabic}:{fingerprint}",
        f"-{micros}:{item_id}:{fingerprint}",
    ]
    encoded = [base64.urlsafe_b64encode(v.encode()).decode().rstrip("=") for v in variants]
    return [*encoded, cursor + "=" * (-len(cursor) % 4 or 4)]


def test_only_the_exact_cursor_text_is_a_cursor(
    feed: SocialFeed, events: EventRecorder, alice: User, bob: User, carol: User
) -> None:
    """A forged variant of a real cursor (sign, '_', blanks, other digits, padding) is refused."""
    feed.follows.follow(bob.id, alice.id)
    feed.follows.follow(carol.id, alice.id)
    cursor = feed.users.followers(alice.id, limit=1).next_cursor
    assert cursor is not None
    for forged in forgeries(cursor):
        with unchanged(feed, events), pytest.raises(ValidationError) as info:
            feed.users.followers(alice.id, limit=1, cursor=forged)
        assert info.value.field == "cursor", forged


def test_a_cursor_pages_only_the_list_it_was_made_for(
    feed: SocialFeed, alice: User, bob: User, carol: User
) -> None:
    """Another list, or the same list of another user, refuses a cursor; its own takes it."""
    for follower, followee in [(bob, alice), (carol, alice), (alice, bob), (carol, bob)]:
        feed.follows.follow(follower.id, followee.id)
    cursor = feed.users.followers(alice.id, limit=1).next_cursor
    assert cursor is not None
    others: list[Callable[[], object]] = [
        lambda: feed.users.followers(bob.id, limit=1, cursor=cursor),
        lambda: feed.users.following(alice.id, limit=1, cursor=cursor),
        lambda: feed.likes.likers(feed.posts.create(alice.id, content="x").id, cursor=cursor),
        lambda: feed.posts.by_author(alice.id, cursor=cursor),
    ]
    for other in others:
        with pytest.raises(ValidationError) as info:
            other()
        assert info.value.field == "cursor"
    assert len(feed.users.followers(alice.id, cursor=cursor, viewer_id=bob.id).items) == 1
