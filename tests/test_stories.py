"""StoryService: posting stories, their expiry, deletion, the story feed and who saw a story."""

from __future__ import annotations

from datetime import timedelta

import pytest

from socialfeed import (
    ManualClock,
    NotFoundError,
    PermissionDeniedError,
    Settings,
    SocialFeed,
    ValidationError,
)
from socialfeed.events import StoryCreated, StoryDeleted, StoryViewed
from socialfeed.ids import StoryId, UserId
from socialfeed.models import Story, StoryGroup, User
from socialfeed.storage import Storage
from tests.conftest import HASHER
from tests.support import EventRecorder, dump, unchanged

IMAGE = "https://example.com/story.jpg"
DAY = timedelta(hours=24)


@pytest.fixture
def users(feed: SocialFeed, alice: User, bob: User, carol: User) -> tuple[User, User, User]:
    """Alice (who posts stories), bob (who follows alice) and carol (a stranger to both)."""
    feed.follows.follow(bob.id, alice.id)
    return alice, bob, carol


def story_ids(groups: tuple[StoryGroup, ...]) -> list[tuple[str, list[int]]]:
    """Return each group's author and its story ids, in the order the story feed gave them."""
    return [(g.author_username, [item.story.id for item in g.items]) for g in groups]


def story_view_rows(feed: SocialFeed) -> int:
    """Return how many story views are stored, whatever the backend."""
    return len(dump(feed.storage)["story_views"])


def test_create_with_content(feed: SocialFeed, events: EventRecorder) -> None:
    """A text story is stored trimmed, expires after 24 hours and is announced."""
    alice = feed.accounts.create_profile("alice")
    events.clear()

    story = feed.stories.create(alice.id, content="  good morning  ")

    assert (story.content, story.image_url) == ("good morning", None)
    assert (story.author_id, story.author_username) == (alice.id, "alice")
    assert story.expires_at == story.created_at + DAY
    assert feed.stories.get(story.id, viewer_id=alice.id) == story
    assert feed.stories.active(alice.id) == (story,)
    event = events.only(StoryCreated)
    assert (event.story_id, event.author_id) == (story.id, alice.id)
    assert event.occurred_at == story.created_at


def test_create_with_image_only(feed: SocialFeed, events: EventRecorder) -> None:
    """A story with an image URL and no text has no content."""
    alice = feed.accounts.create_profile("alice")
    events.clear()

    story = feed.stories.create(alice.id, image_url=IMAGE)

    assert (story.content, story.image_url) == (None, IMAGE)
    assert feed.stories.get(story.id, viewer_id=alice.id) == story
    assert events.only(StoryCreated).story_id == story.id


def test_create_with_content_and_image(feed: SocialFeed, events: EventRecorder) -> None:
    """A story may have both text and an image."""
    alice = feed.accounts.create_profile("alice")
    events.clear()

    story = feed.stories.create(alice.id, content="look", image_url=IMAGE)

    assert feed.stories.get(story.id, viewer_id=alice.id).content == "look"
    assert feed.stories.get(story.id, viewer_id=alice.id).image_url == IMAGE
    assert events.only(StoryCreated).story_id == story.id


def test_create_accepts_content_of_exactly_the_maximum_length(feed: SocialFeed) -> None:
    """Story text of 2,200 characters is still accepted."""
    alice = feed.accounts.create_profile("alice")

    story = feed.stories.create(alice.id, content="x" * 2200)

    assert feed.stories.get(story.id, viewer_id=alice.id).content == "x" * 2200


@pytest.mark.parametrize(("content", "image_url"), [(None, None), ("", None), ("  \n", "  ")])
def test_create_without_content_or_image_is_refused(
    feed: SocialFeed, events: EventRecorder, content: str | None, image_url: str | None
) -> None:
    """A story with neither text nor an image raises ValidationError on 'content'."""
    alice = feed.accounts.create_profile("alice")

    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        feed.stories.create(alice.id, content=content, image_url=image_url)

    assert info.value.field == "content"
    assert feed.stories.active(alice.id) == ()


def test_create_with_too_long_content_is_refused(feed: SocialFeed, events: EventRecorder) -> None:
    """Story text over 2,200 characters raises ValidationError on 'content', even with an image."""
    alice = feed.accounts.create_profile("alice")

    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        feed.stories.create(alice.id, content="x" * 2201, image_url=IMAGE)

    assert info.value.field == "content"
    assert feed.stories.active(alice.id) == ()


@pytest.mark.parametrize(
    "image_url", ["not a url", "ftp://example.com/a.jpg", "javascript:alert(1)", "https://"]
)
def test_create_with_bad_image_url_is_refused(
    feed: SocialFeed, events: EventRecorder, image_url: str
) -> None:
    """An image URL that is not http(s) raises ValidationError on 'image_url'."""
    alice = feed.accounts.create_profile("alice")

    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        feed.stories.create(alice.id, content="hi", image_url=image_url)

    assert info.value.field == "image_url"
    assert feed.stories.active(alice.id) == ()


@pytest.mark.parametrize("author_id", [999, 0, -1, 2**63])
def test_create_by_unknown_author_is_refused(
    feed: SocialFeed, events: EventRecorder, author_id: UserId
) -> None:
    """A story by a user who does not exist raises NotFoundError for the user."""
    feed.accounts.create_profile("alice")

    with unchanged(feed, events), pytest.raises(NotFoundError) as info:
        feed.stories.create(author_id, content="hi")

    assert info.value.entity == "user"


def test_story_is_visible_until_its_lifetime_ends(
    feed: SocialFeed, clock: ManualClock, users: tuple[User, User, User]
) -> None:
    """A story is listed just before its 24 hours are over, and in no list once they are."""
    alice, bob, _ = users
    story = feed.stories.create(alice.id, content="today")

    clock.advance(DAY - timedelta(seconds=1))
    assert feed.stories.active(alice.id) == (story,)
    assert story_ids(feed.stories.feed(bob.id)) == [("alice", [story.id])]

    clock.advance(timedelta(seconds=1))
    assert feed.stories.active(alice.id) == ()
    assert feed.stories.feed(bob.id) == ()
    assert feed.stories.feed(alice.id) == ()


def test_expired_story_does_not_exist_for_anyone_but_its_author(
    feed: SocialFeed, clock: ManualClock, events: EventRecorder, users: tuple[User, User, User]
) -> None:
    """Reading, viewing or deleting an expired story as someone else raises NotFoundError."""
    alice, bob, carol = users
    story = feed.stories.create(alice.id, content="today")
    clock.advance(DAY)

    for user in (bob, carol):
        with unchanged(feed, events), pytest.raises(NotFoundError) as info:
            feed.stories.get(story.id, viewer_id=user.id)
        assert info.value.entity == "story"
        with unchanged(feed, events), pytest.raises(NotFoundError):
            feed.stories.view(user.id, story.id)
        with unchanged(feed, events), pytest.raises(NotFoundError):
            feed.stories.delete(user.id, story.id)
    assert feed.stories.get(story.id, viewer_id=alice.id) == story


def test_custom_story_lifetime(storage: Storage, clock: ManualClock) -> None:
    """With Settings(story_lifetime=1h) a story expires after one hour, not 24."""
    feed = SocialFeed(
        storage,
        settings=Settings(story_lifetime=timedelta(hours=1), raise_receiver_errors=True),
        clock=clock,
        password_hasher=HASHER,
    )
    alice, bob = (feed.accounts.create_profile(n) for n in ("alice", "bob"))
    feed.follows.follow(bob.id, alice.id)
    story = feed.stories.create(alice.id, content="brief")
    assert story.expires_at == story.created_at + timedelta(hours=1)

    clock.advance(timedelta(minutes=59))
    assert feed.stories.active(alice.id) == (story,)
    assert feed.stories.get(story.id, viewer_id=bob.id) == story

    clock.advance(timedelta(minutes=1))
    assert feed.stories.active(alice.id) == ()
    assert feed.stories.feed(bob.id) == ()
    with pytest.raises(NotFoundError):
        feed.stories.get(story.id, viewer_id=bob.id)
    assert feed.stories.get(story.id, viewer_id=alice.id) == story


def test_delete_by_author(
    feed: SocialFeed, clock: ManualClock, events: EventRecorder, users: tuple[User, User, User]
) -> None:
    """The author deletes a story: it is gone from every list with its views, and announced."""
    alice, bob, carol = users
    story = feed.stories.create(alice.id, content="oops")
    kept = feed.stories.create(alice.id, content="fine")
    feed.stories.view(bob.id, story.id)
    feed.stories.view(carol.id, story.id)
    feed.stories.view(bob.id, kept.id)
    assert story_view_rows(feed) == 3
    events.clear()

    feed.stories.delete(alice.id, story.id)

    event = events.only(StoryDeleted)
    assert (event.story_id, event.author_id) == (story.id, alice.id)
    assert kept.created_at < event.occurred_at < clock.now()
    assert feed.stories.active(alice.id) == (kept,)
    assert story_ids(feed.stories.feed(bob.id)) == [("alice", [kept.id])]
    for user in (alice, bob):
        with pytest.raises(NotFoundError):
            feed.stories.get(story.id, viewer_id=user.id)
    with pytest.raises(NotFoundError):
        feed.stories.viewers(story.id, viewer_id=alice.id)
    assert story_view_rows(feed) == 1
    assert [v.user.id for v in feed.stories.viewers(kept.id, viewer_id=alice.id).items] == [bob.id]


def test_delete_by_someone_else_is_refused(
    feed: SocialFeed, events: EventRecorder, users: tuple[User, User, User]
) -> None:
    """Deleting another user's story raises PermissionDeniedError("Not your story")."""
    alice, bob, _ = users
    story = feed.stories.create(alice.id, content="mine")

    with unchanged(feed, events), pytest.raises(PermissionDeniedError) as info:
        feed.stories.delete(bob.id, story.id)

    assert info.value.message == "Not your story"
    assert feed.stories.active(alice.id) == (story,)


@pytest.mark.parametrize("story_id", [999, 0, -1, 2**63])
def test_delete_unknown_story_is_not_found(
    feed: SocialFeed, events: EventRecorder, users: tuple[User, User, User], story_id: StoryId
) -> None:
    """Deleting a story that does not exist raises NotFoundError for the story."""
    alice, _, _ = users
    feed.stories.create(alice.id, content="mine")

    with unchanged(feed, events), pytest.raises(NotFoundError) as info:
        feed.stories.delete(alice.id, story_id)

    assert info.value.entity == "story"


def test_active_lists_one_authors_stories_newest_first(
    feed: SocialFeed, users: tuple[User, User, User]
) -> None:
    """active(user) returns that user's unexpired stories only, newest first."""
    alice, bob, _ = users
    stories = [feed.stories.create(alice.id, content=f"{n}") for n in range(3)]
    feed.stories.create(bob.id, content="not alice's")

    assert feed.stories.active(alice.id) == tuple(reversed(stories))


def test_active_of_unknown_user_is_not_found(feed: SocialFeed) -> None:
    """active() for a user who does not exist raises NotFoundError."""
    with pytest.raises(NotFoundError) as info:
        feed.stories.active(UserId(999))

    assert info.value.entity == "user"


def test_story_feed_has_followees_and_own_stories_grouped_newest_first(
    feed: SocialFeed, users: tuple[User, User, User]
) -> None:
    """The story feed groups followees' and one's own stories by author, not strangers'."""
    alice, bob, carol = users
    a1 = feed.stories.create(alice.id, content="a1")
    b1 = feed.stories.create(bob.id, content="b1")
    c1 = feed.stories.create(carol.id, content="stranger")
    a2 = feed.stories.create(alice.id, content="a2")
    b2 = feed.stories.create(bob.id, content="b2")

    groups = feed.stories.feed(bob.id)

    # Alice's stories are unseen, so she comes before bob's own (seen) ones.
    assert story_ids(groups) == [("alice", [a2.id, a1.id]), ("bob", [b2.id, b1.id])]
    assert [g.author_id for g in groups] == [alice.id, bob.id]
    assert groups[0].items[0].story == a2
    assert story_ids(feed.stories.feed(carol.id)) == [("carol", [c1.id])]


def test_story_feed_puts_unseen_authors_first(
    feed: SocialFeed, users: tuple[User, User, User]
) -> None:
    """Authors with an unseen story lead, then the rest; each part by newest story; own is seen."""
    alice, _, carol = users
    bob, dave, erin = (feed.accounts.create_profile(n) for n in ("bob2", "dave", "erin"))
    for user in (bob, carol, dave, erin):
        feed.follows.follow(alice.id, user.id)
    c1 = feed.stories.create(carol.id, content="c1")
    b1 = feed.stories.create(bob.id, content="b1")
    a1 = feed.stories.create(alice.id, content="a1")
    b2 = feed.stories.create(bob.id, content="b2")
    e1 = feed.stories.create(erin.id, content="e1")
    d1 = feed.stories.create(dave.id, content="d1")
    for story in (c1, d1, b1, a1):
        feed.stories.view(alice.id, story.id)

    groups = feed.stories.feed(alice.id)

    assert story_ids(groups) == [
        ("erin", [e1.id]),
        ("bob2", [b2.id, b1.id]),
        ("dave", [d1.id]),
        ("alice", [a1.id]),
        ("carol", [c1.id]),
    ]
    assert [g.has_unseen for g in groups] == [True, True, False, False, False]
    assert [item.seen for item in groups[1].items] == [False, True]
    assert groups[3].items[0].seen is True


def test_seen_marks_reflect_only_the_viewers_own_views(
    feed: SocialFeed, users: tuple[User, User, User]
) -> None:
    """StoryItem.seen and has_unseen count the views of the viewer asking, nobody else's."""
    alice, bob, carol = users
    feed.follows.follow(carol.id, alice.id)
    story = feed.stories.create(alice.id, content="hi")
    feed.stories.view(carol.id, story.id)

    (bobs,) = feed.stories.feed(bob.id)
    (carols,) = feed.stories.feed(carol.id)

    assert (bobs.has_unseen, bobs.items[0].seen) == (True, False)
    assert (carols.has_unseen, carols.items[0].seen) == (False, True)
    feed.stories.view(bob.id, story.id)
    assert feed.stories.feed(bob.id)[0].has_unseen is False


def test_story_feed_of_unknown_user_is_not_found(feed: SocialFeed) -> None:
    """feed() for a user who does not exist raises NotFoundError."""
    with pytest.raises(NotFoundError) as info:
        feed.stories.feed(UserId(999))

    assert info.value.entity == "user"


def test_view_is_recorded_once_however_often(
    feed: SocialFeed, events: EventRecorder, users: tuple[User, User, User]
) -> None:
    """Viewing a story again records nothing new, and StoryViewed is sent only the first time."""
    alice, bob, _ = users
    story = feed.stories.create(alice.id, content="hi")
    events.clear()

    for _ in range(3):
        feed.stories.view(bob.id, story.id)

    event = events.only(StoryViewed)
    assert (event.story_id, event.author_id, event.viewer_id) == (story.id, alice.id, bob.id)
    (viewer,) = feed.stories.viewers(story.id, viewer_id=alice.id).items
    assert (viewer.user.id, viewer.user.username) == (bob.id, "bob")
    assert viewer.viewed_at == event.occurred_at
    assert story_view_rows(feed) == 1


def test_viewing_ones_own_story_records_nothing(
    feed: SocialFeed, events: EventRecorder, users: tuple[User, User, User]
) -> None:
    """An author who views their own story adds no viewer and sends no signal."""
    alice, _, _ = users
    story = feed.stories.create(alice.id, content="hi")

    with unchanged(feed, events):
        feed.stories.view(alice.id, story.id)

    assert feed.stories.viewers(story.id, viewer_id=alice.id).items == ()


@pytest.mark.parametrize("unknown", ["story", "user"])
def test_view_of_unknown_story_or_by_unknown_user_is_not_found(
    feed: SocialFeed, events: EventRecorder, users: tuple[User, User, User], unknown: str
) -> None:
    """Viewing a story that does not exist, or as a user who does not exist, is NotFoundError."""
    alice, bob, _ = users
    story = feed.stories.create(alice.id, content="hi")
    story_id, viewer_id = (999, bob.id) if unknown == "story" else (story.id, 999)

    with unchanged(feed, events), pytest.raises(NotFoundError) as info:
        feed.stories.view(UserId(viewer_id), StoryId(story_id))

    assert info.value.entity == unknown


def test_viewers_is_for_the_author_only(feed: SocialFeed, users: tuple[User, User, User]) -> None:
    """Anyone but the author asking for a story's viewers gets PermissionDeniedError."""
    alice, bob, carol = users
    story = feed.stories.create(alice.id, content="hi")
    feed.stories.view(bob.id, story.id)

    for user in (bob, carol):
        with pytest.raises(PermissionDeniedError) as info:
            feed.stories.viewers(story.id, viewer_id=user.id)
        assert info.value.message == "Not your story"


def test_viewers_of_unknown_story_is_not_found(
    feed: SocialFeed, users: tuple[User, User, User]
) -> None:
    """viewers() of a story that does not exist raises NotFoundError for the story."""
    alice, _, _ = users

    with pytest.raises(NotFoundError) as info:
        feed.stories.viewers(StoryId(999), viewer_id=alice.id)

    assert info.value.entity == "story"


def test_viewers_are_most_recent_first_and_paginated(
    feed: SocialFeed, users: tuple[User, User, User]
) -> None:
    """viewers() lists the most recent viewer first, page by page with cursors."""
    alice, _, _ = users
    story: Story = feed.stories.create(alice.id, content="hi")
    viewers = [feed.accounts.create_profile(f"viewer{n}") for n in range(5)]
    for user in viewers:
        feed.stories.view(user.id, story.id)

    pages: list[list[int]] = []
    cursor: str | None = None
    while True:
        page = feed.stories.viewers(story.id, viewer_id=alice.id, limit=2, cursor=cursor)
        pages.append([v.user.id for v in page.items])
        cursor = page.next_cursor
        if cursor is None:
            break

    ids = [u.id for u in reversed(viewers)]
    assert pages == [ids[0:2], ids[2:4], ids[4:]]
