"""HashtagService and HashtagHandler: the index of posts by tag, kept in step with posts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from socialfeed import ManualClock, NotFoundError, SocialFeed, ValidationError, signals
from socialfeed.events import HashtagsExtracted, PostCreated
from socialfeed.handlers import HashtagHandler
from socialfeed.ids import PostId
from socialfeed.models import Post, User
from tests.support import EventRecorder, unchanged


@pytest.fixture
def indexed(feed: SocialFeed) -> Iterator[SocialFeed]:
    """The ``feed`` facade with the hashtag handler connected."""
    handler = HashtagHandler()
    handler.connect(feed)
    yield feed
    handler.disconnect(feed)


def post_ids(feed: SocialFeed, tag: str) -> list[int]:
    """Return the ids of the first page of posts carrying ``tag``."""
    return [post.id for post in feed.hashtags.posts(tag).items]


def count(feed: SocialFeed, tag: str) -> int:
    """Return the tag's post count (0 for a tag that is not stored)."""
    hashtag = feed.hashtags.get(tag)
    return 0 if hashtag is None else hashtag.post_count


def trending(
    feed: SocialFeed, within: timedelta | None = None, limit: int = 10
) -> list[tuple[str, int]]:
    """Return the trending tags as (name, posts within the window) pairs."""
    top = feed.hashtags.trending(within=within, limit=limit)
    return [(t.hashtag.name, t.recent_posts) for t in top]


def test_creating_a_post_indexes_its_tags(
    indexed: SocialFeed, alice: User, events: EventRecorder, clock: ManualClock
) -> None:
    """A new post's tags are linked to it, counted, and announced by HashtagsExtracted."""
    events.clear()

    post = indexed.posts.create(alice.id, content="Sunny #Beach day #sun")

    assert post_ids(indexed, "beach") == [post.id]
    assert post_ids(indexed, "sun") == [post.id]
    assert (count(indexed, "beach"), count(indexed, "sun")) == (1, 1)
    assert len(events.events) == 2
    assert events.of_type(PostCreated)[0].post_id == post.id
    (extracted,) = events.of_type(HashtagsExtracted)
    assert (extracted.post_id, extracted.tags) == (post.id, ("beach", "sun"))
    assert post.created_at < extracted.occurred_at < clock.now()


def test_a_post_without_tags_indexes_nothing(
    indexed: SocialFeed, alice: User, events: EventRecorder
) -> None:
    """A post with no tags (or only an image) is indexed with an empty tag set."""
    post = indexed.posts.create(alice.id, image_url="https://example.com/a.jpg")

    assert events.of_type(HashtagsExtracted)[0].tags == ()
    assert events.of_type(HashtagsExtracted)[0].post_id == post.id
    assert indexed.search.hashtags("a") == ()


def test_editing_a_post_moves_its_links(
    indexed: SocialFeed, alice: User, events: EventRecorder
) -> None:
    """An edit unlinks the removed tags (their counts go down) and links the new ones."""
    other = indexed.posts.create(alice.id, content="#old too")
    post = indexed.posts.create(alice.id, content="#old #kept")
    assert count(indexed, "old") == 2
    events.clear()

    indexed.posts.edit(alice.id, post.id, "#kept #new")

    assert (count(indexed, "old"), count(indexed, "kept"), count(indexed, "new")) == (1, 1, 1)
    assert post_ids(indexed, "old") == [other.id]
    assert post_ids(indexed, "kept") == [post.id]
    assert post_ids(indexed, "new") == [post.id]
    extracted = events.of_type(HashtagsExtracted)
    assert [(e.post_id, e.tags) for e in extracted] == [(post.id, ("kept", "new"))]


def test_editing_away_every_tag_unlinks_the_post(indexed: SocialFeed, alice: User) -> None:
    """A post edited to have no tags is listed under none of its old tags."""
    keeper = indexed.posts.create(alice.id, content="#a #b")
    post = indexed.posts.create(alice.id, content="#a #b")

    indexed.posts.edit(alice.id, post.id, "no tags now")

    assert (count(indexed, "a"), count(indexed, "b")) == (1, 1)
    assert post_ids(indexed, "a") == post_ids(indexed, "b") == [keeper.id]


def test_deleting_a_post_removes_its_links(indexed: SocialFeed, alice: User) -> None:
    """A deleted post leaves its tags' lists and counts."""
    kept = indexed.posts.create(alice.id, content="#cats #dogs")
    doomed = indexed.posts.create(alice.id, content="#cats")

    indexed.posts.delete(alice.id, doomed.id)

    assert (count(indexed, "cats"), count(indexed, "dogs")) == (1, 1)
    assert post_ids(indexed, "cats") == [kept.id]


def test_a_tag_no_post_carries_any_more_is_not_found(indexed: SocialFeed, alice: User) -> None:
    """``get`` returns ``None`` for a tag whose last post was deleted, as it documents."""
    post = indexed.posts.create(alice.id, content="#fleeting")

    indexed.posts.delete(alice.id, post.id)

    assert post_ids(indexed, "fleeting") == []
    assert indexed.hashtags.get("fleeting") is None


def test_deleting_an_account_removes_its_posts_links(indexed: SocialFeed, alice: User) -> None:
    """Deleting an author takes their posts off every tag and fixes the counts."""
    bob = indexed.accounts.create_profile("bob")
    bobs = indexed.posts.create(bob.id, content="#shared #mine")
    indexed.posts.create(alice.id, content="#shared #mine")
    alices = indexed.posts.create(alice.id, content="#shared #alone")
    assert count(indexed, "shared") == 3

    indexed.accounts.delete(alice.id)

    assert (count(indexed, "shared"), count(indexed, "mine"), count(indexed, "alone")) == (1, 1, 0)
    assert post_ids(indexed, "shared") == post_ids(indexed, "mine") == [bobs.id]
    assert post_ids(indexed, "alone") == []
    assert alices.id not in post_ids(indexed, "shared")


def test_posts_by_tag_newest_first_across_pages(indexed: SocialFeed, alice: User) -> None:
    """Following the cursor walks all of a tag's posts, newest first, each once."""
    tagged = [indexed.posts.create(alice.id, content=f"#walk {n}") for n in range(7)]
    indexed.posts.create(alice.id, content="#other")

    seen: list[Post] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = indexed.hashtags.posts("walk", limit=3, cursor=cursor)
        seen.extend(page.items)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break

    assert pages == 3
    assert [post.id for post in seen] == [post.id for post in reversed(tagged)]


def test_cursor_is_stable_when_new_posts_arrive(indexed: SocialFeed, alice: User) -> None:
    """A post tagged after the first page was read does not shift the next page."""
    first, second, third = (indexed.posts.create(alice.id, content="#s") for _ in range(3))
    page = indexed.hashtags.posts("s", limit=2)
    indexed.posts.create(alice.id, content="#s newer")

    rest = indexed.hashtags.posts("s", limit=2, cursor=page.next_cursor)

    assert [p.id for p in page.items] == [third.id, second.id]
    assert ([p.id for p in rest.items], rest.next_cursor) == ([first.id], None)


@pytest.mark.parametrize("spelling", ["café", "#Café", "CAFÉ", "＃ＣＡＦÉ", "  #cafe\u0301 "])
def test_posts_by_tag_accepts_any_spelling(indexed: SocialFeed, alice: User, spelling: str) -> None:
    """A leading ``#``, case, width and composition do not change which tag is meant."""
    post = indexed.posts.create(alice.id, content="#Café")

    assert post_ids(indexed, spelling) == [post.id]
    assert count(indexed, spelling) == 1


@pytest.mark.parametrize("tag", ["unknown", "", "#", "x" * 101, "nul\x00byte"])
def test_unknown_tag_has_an_empty_page(indexed: SocialFeed, alice: User, tag: str) -> None:
    """A tag no post carries (even one no post could carry) gives an empty page, not an error."""
    indexed.posts.create(alice.id, content="#known")

    page = indexed.hashtags.posts(tag)

    assert (page.items, page.next_cursor) == ((), None)
    assert indexed.hashtags.get(tag) is None


def test_posts_by_tag_checks_the_limit(
    indexed: SocialFeed, alice: User, events: EventRecorder
) -> None:
    """A limit outside 1..100 is a ValidationError on ``limit``."""
    indexed.posts.create(alice.id, content="#x")

    for limit in (0, 101):
        with unchanged(indexed, events), pytest.raises(ValidationError) as info:
            indexed.hashtags.posts("x", limit=limit)
        assert info.value.field == "limit"


def test_trending_ranks_by_posts_in_the_window(
    indexed: SocialFeed, alice: User, clock: ManualClock
) -> None:
    """Only posts within the window count; ties are broken by name; totals stay whole."""
    indexed.posts.create(alice.id, content="#a #old")
    clock.advance(timedelta(hours=2))
    for content in ("#b #a", "#b", "#c", "#d"):
        indexed.posts.create(alice.id, content=content)

    top = indexed.hashtags.trending(within=timedelta(hours=1))

    assert [(t.hashtag.name, t.recent_posts) for t in top] == [
        ("b", 2),
        ("a", 1),
        ("c", 1),
        ("d", 1),
    ]
    assert top[1].hashtag.post_count == 2
    assert trending(indexed, within=timedelta(hours=3))[:2] == [("a", 2), ("b", 2)]


def test_trending_respects_the_limit(indexed: SocialFeed, alice: User) -> None:
    """``limit`` caps the number of trending tags, keeping the best ranked."""
    for content in ("#z #y #x", "#z #y", "#z"):
        indexed.posts.create(alice.id, content=content)

    assert trending(indexed, limit=2) == [("z", 3), ("y", 2)]
    assert trending(indexed, limit=1) == [("z", 3)]


def test_trending_defaults_to_the_settings_window(
    indexed: SocialFeed, alice: User, clock: ManualClock
) -> None:
    """Without ``within``, posts older than ``Settings.trending_window`` (24 hours) drop out."""
    indexed.posts.create(alice.id, content="#yesterday")
    clock.advance(timedelta(hours=23))
    indexed.posts.create(alice.id, content="#today")
    assert trending(indexed) == [("today", 1), ("yesterday", 1)]

    clock.advance(timedelta(hours=2))

    assert trending(indexed) == [("today", 1)]
    assert count(indexed, "yesterday") == 1


def test_trending_checks_the_limit(indexed: SocialFeed, events: EventRecorder) -> None:
    """A trending limit outside 1..100 is a ValidationError on ``limit``."""
    for limit in (0, 101):
        with unchanged(indexed, events), pytest.raises(ValidationError) as info:
            indexed.hashtags.trending(limit=limit)
        assert info.value.field == "limit"


def test_trending_refuses_a_window_out_of_range(indexed: SocialFeed, events: EventRecorder) -> None:
    """A window of zero, or longer than 100 years (up to timedelta.max), is a ValidationError."""
    for within in (timedelta(0), timedelta(days=36_501), timedelta.max):
        with unchanged(indexed, events), pytest.raises(ValidationError) as info:
            indexed.hashtags.trending(within=within)
        assert info.value.field == "within"


def test_without_the_handler_nothing_is_indexed(
    feed: SocialFeed, alice: User, events: EventRecorder
) -> None:
    """A facade with no HashtagHandler connected keeps no hashtag index."""
    post = feed.posts.create(alice.id, content="#lonely")
    feed.posts.edit(alice.id, post.id, "#still #lonely")

    assert feed.hashtags.get("lonely") is None
    assert post_ids(feed, "lonely") == []
    assert feed.hashtags.trending() == ()
    assert events.of_type(HashtagsExtracted) == []


def test_disconnected_handler_stops_indexing(feed: SocialFeed, alice: User) -> None:
    """After ``disconnect`` the handler no longer indexes that facade's posts."""
    handler = HashtagHandler()
    handler.connect(feed)
    feed.posts.create(alice.id, content="#before")
    handler.disconnect(feed)

    feed.posts.create(alice.id, content="#after")

    assert count(feed, "before") == 1
    assert feed.hashtags.get("after") is None


def test_a_redelivered_post_created_does_not_double_count(
    indexed: SocialFeed, alice: User, events: EventRecorder
) -> None:
    """Sending the same PostCreated again leaves the links and counts as they were."""
    post = indexed.posts.create(alice.id, content="#once #only")
    created = events.of_type(PostCreated)[0]

    signals.post_created.send(indexed, event=created)

    assert (count(indexed, "once"), count(indexed, "only")) == (1, 1)
    assert post_ids(indexed, "once") == [post.id]
    assert [t.recent_posts for t in indexed.hashtags.trending()] == [1, 1]


def test_a_late_event_cannot_bring_back_old_tags(
    indexed: SocialFeed, alice: User, events: EventRecorder
) -> None:
    """A PostCreated delivered again after an edit indexes the current content, not the old."""
    post = indexed.posts.create(alice.id, content="#before")
    created = events.of_type(PostCreated)[0]
    indexed.posts.edit(alice.id, post.id, "#after")

    signals.post_created.send(indexed, event=created)

    assert (count(indexed, "before"), count(indexed, "after")) == (0, 1)
    assert post_ids(indexed, "before") == []


def test_an_event_for_a_deleted_post_is_skipped(
    indexed: SocialFeed, alice: User, events: EventRecorder
) -> None:
    """The handler ignores a PostCreated whose post was deleted before it ran."""
    post = indexed.posts.create(alice.id, content="#gone")
    created = events.of_type(PostCreated)[0]
    indexed.posts.delete(alice.id, post.id)
    events.clear()

    signals.post_created.send(indexed, event=created)

    assert post_ids(indexed, "gone") == []
    assert events.of_type(HashtagsExtracted) == []


def test_index_post_returns_and_announces_the_tags(
    feed: SocialFeed, alice: User, events: EventRecorder, clock: ManualClock
) -> None:
    """Indexing a post by hand links its tags and sends HashtagsExtracted."""
    post = feed.posts.create(alice.id, content="#Manual #work #manual")
    events.clear()

    assert feed.hashtags.index_post(post.id) == ("manual", "work")

    assert post_ids(feed, "manual") == [post.id]
    event = events.only(HashtagsExtracted)
    assert (event.post_id, event.tags) == (post.id, ("manual", "work"))
    assert post.created_at < event.occurred_at < clock.now()


@pytest.mark.parametrize("post_id", [999, 0, -1, 2**63])
def test_index_post_of_an_unknown_post(
    feed: SocialFeed, alice: User, events: EventRecorder, post_id: PostId
) -> None:
    """Indexing a post that does not exist is a NotFoundError and changes nothing."""
    feed.posts.create(alice.id, content="#real")

    with unchanged(feed, events), pytest.raises(NotFoundError) as info:
        feed.hashtags.index_post(post_id)

    assert info.value.entity == "post"


@pytest.mark.parametrize("within", [timedelta(0), timedelta(hours=-1)])
def test_trending_needs_a_positive_window(indexed: SocialFeed, within: timedelta) -> None:
    """A zero or negative trending window is a ValidationError on 'within', not the default."""
    with pytest.raises(ValidationError) as info:
        indexed.hashtags.trending(within=within)

    assert info.value.field == "within"


def test_a_second_handler_of_the_same_kind_connects_nothing(
    indexed: SocialFeed, events: EventRecorder, alice: User
) -> None:
    """Connecting another HashtagHandler to a facade that has one indexes each post once."""
    second = HashtagHandler()
    second.connect(indexed)
    try:
        indexed.posts.create(alice.id, content="#once")
    finally:
        second.disconnect(indexed)

    assert len(events.of_type(HashtagsExtracted)) == 1
