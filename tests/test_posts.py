"""PostService: creating, reading, editing and deleting posts, and a user's own posts."""

from __future__ import annotations

from typing import Any

import pytest

from socialfeed import (
    ManualClock,
    NotFoundError,
    PermissionDeniedError,
    SocialFeed,
    ValidationError,
)
from socialfeed.events import PostCreated, PostDeleted, PostEdited
from socialfeed.ids import PostId, UserId
from socialfeed.storage import MemoryStorage
from socialfeed.storage.sql.schema import comments, likes
from tests.support import EventRecorder, dump, unchanged

IMAGE = "https://example.com/cat.jpg"


def referenced_post_ids(feed: SocialFeed) -> set[int]:
    """Return the post ids that any stored comment or like row points to."""
    rows: dict[str, Any] = dump(feed.storage)
    if isinstance(feed.storage, MemoryStorage):
        return {c.post_id for c in rows["comments"].values()} | {p for _, p in rows["likes"]}
    return {
        dict(zip(table.c.keys(), row, strict=True))["post_id"]
        for table in (comments, likes)
        for row in rows[table.name.removeprefix("socialfeed_")]
    }


def test_create_with_content(feed: SocialFeed, events: EventRecorder) -> None:
    """A post with text only is stored trimmed, counted on its author and announced."""
    alice = feed.accounts.create_profile("alice")
    events.clear()

    post = feed.posts.create(alice.id, content="  hello world  ")

    assert post.content == "hello world"
    assert post.image_url is None
    assert (post.author_id, post.author_username) == (alice.id, "alice")
    assert (post.like_count, post.comment_count, post.edited_at) == (0, 0, None)
    assert feed.posts.get(post.id) == post
    event = events.only(PostCreated)
    assert (event.post_id, event.author_id, event.content) == (post.id, alice.id, "hello world")
    assert event.occurred_at == post.created_at


def test_create_with_image_only(feed: SocialFeed, events: EventRecorder) -> None:
    """A post with an image URL and no text has no content."""
    alice = feed.accounts.create_profile("alice")
    events.clear()

    post = feed.posts.create(alice.id, image_url=IMAGE)

    assert (post.content, post.image_url) == (None, IMAGE)
    assert feed.posts.get(post.id) == post
    event = events.only(PostCreated)
    assert (event.post_id, event.content) == (post.id, None)


def test_create_with_content_and_image(feed: SocialFeed, events: EventRecorder) -> None:
    """A post may have both text and an image."""
    alice = feed.accounts.create_profile("alice")
    events.clear()

    post = feed.posts.create(alice.id, content="look", image_url=IMAGE)

    assert feed.posts.get(post.id).content == "look"
    assert feed.posts.get(post.id).image_url == IMAGE
    assert events.only(PostCreated).post_id == post.id


def test_create_accepts_content_of_exactly_the_maximum_length(feed: SocialFeed) -> None:
    """Content of 2,200 characters is still accepted."""
    alice = feed.accounts.create_profile("alice")

    post = feed.posts.create(alice.id, content="x" * 2200)

    assert feed.posts.get(post.id).content == "x" * 2200


@pytest.mark.parametrize(
    ("content", "image_url"), [(None, None), ("", None), ("   \n\t", None), ("  ", "  ")]
)
def test_create_without_content_or_image_is_refused(
    feed: SocialFeed, events: EventRecorder, content: str | None, image_url: str | None
) -> None:
    """A post with neither text nor an image raises ValidationError on 'content'."""
    alice = feed.accounts.create_profile("alice")

    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        feed.posts.create(alice.id, content=content, image_url=image_url)

    assert info.value.field == "content"
    assert feed.users.get(alice.id).post_count == 0


def test_create_with_too_long_content_is_refused(feed: SocialFeed, events: EventRecorder) -> None:
    """Content over 2,200 characters raises ValidationError on 'content', even with an image."""
    alice = feed.accounts.create_profile("alice")

    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        feed.posts.create(alice.id, content="x" * 2201, image_url=IMAGE)

    assert info.value.field == "content"


@pytest.mark.parametrize(
    "image_url",
    ["not a url", "ftp://example.com/a.jpg", "javascript:alert(1)", "https://", "http://a b/c"],
)
def test_create_with_bad_image_url_is_refused(
    feed: SocialFeed, events: EventRecorder, image_url: str
) -> None:
    """An image URL that is not http(s) raises ValidationError on 'image_url'."""
    alice = feed.accounts.create_profile("alice")

    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        feed.posts.create(alice.id, content="hi", image_url=image_url)

    assert info.value.field == "image_url"


def test_create_by_unknown_author_is_refused(feed: SocialFeed, events: EventRecorder) -> None:
    """Posting as a user that does not exist raises NotFoundError for the user."""
    feed.accounts.create_profile("alice")

    with unchanged(feed, events), pytest.raises(NotFoundError) as info:
        feed.posts.create(UserId(999_999), content="hi")

    assert info.value.entity == "user"


def test_get_unknown_post_raises_not_found(feed: SocialFeed) -> None:
    """Getting a post that does not exist raises NotFoundError for the post."""
    with pytest.raises(NotFoundError) as info:
        feed.posts.get(PostId(999_999))

    assert info.value.entity == "post"


def test_post_count_follows_creates_and_deletes(feed: SocialFeed) -> None:
    """The author's post_count is the number of their posts, and nobody else's counts move."""
    alice = feed.accounts.create_profile("alice")
    bob = feed.accounts.create_profile("bob")
    posts = [feed.posts.create(alice.id, content=f"post {n}") for n in range(3)]
    feed.posts.create(bob.id, content="bob's")

    feed.posts.delete(alice.id, posts[0].id)

    assert feed.users.get(alice.id).post_count == 2
    assert feed.users.get(bob.id).post_count == 1


def test_edit_by_author(feed: SocialFeed, events: EventRecorder) -> None:
    """The author can replace the content; edited_at is set and PostEdited is sent."""
    alice = feed.accounts.create_profile("alice")
    post = feed.posts.create(alice.id, content="frist")
    events.clear()

    edited = feed.posts.edit(alice.id, post.id, "  first  ")

    stored = feed.posts.get(post.id)
    assert stored == edited
    assert stored.content == "first"
    assert stored.edited_at is not None
    assert stored.edited_at > post.created_at
    assert stored.created_at == post.created_at
    event = events.only(PostEdited)
    assert (event.post_id, event.author_id, event.content) == (post.id, alice.id, "first")
    assert event.occurred_at == stored.edited_at


def test_edit_can_remove_content_of_a_post_with_an_image(
    feed: SocialFeed, events: EventRecorder
) -> None:
    """An image post keeps its image when its text is removed."""
    alice = feed.accounts.create_profile("alice")
    post = feed.posts.create(alice.id, content="caption", image_url=IMAGE)
    events.clear()

    feed.posts.edit(alice.id, post.id, None)

    stored = feed.posts.get(post.id)
    assert (stored.content, stored.image_url) == (None, IMAGE)
    assert events.only(PostEdited).content is None


@pytest.mark.parametrize("content", [None, "   ", "x" * 2201])
def test_edit_with_invalid_content_is_refused(
    feed: SocialFeed, events: EventRecorder, content: str | None
) -> None:
    """Removing the only body of a text post, or making it too long, raises on 'content'."""
    alice = feed.accounts.create_profile("alice")
    post = feed.posts.create(alice.id, content="keep me")

    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        feed.posts.edit(alice.id, post.id, content)

    assert info.value.field == "content"


def test_edit_by_someone_else_is_refused(feed: SocialFeed, events: EventRecorder) -> None:
    """Only the author may edit a post; anyone else gets PermissionDeniedError."""
    alice = feed.accounts.create_profile("alice")
    mallory = feed.accounts.create_profile("mallory")
    post = feed.posts.create(alice.id, content="mine")

    with unchanged(feed, events), pytest.raises(PermissionDeniedError):
        feed.posts.edit(mallory.id, post.id, "pwned")

    assert feed.posts.get(post.id) == post


def test_edit_unknown_post_raises_not_found(feed: SocialFeed, events: EventRecorder) -> None:
    """Editing a post that does not exist raises NotFoundError for the post."""
    alice = feed.accounts.create_profile("alice")

    with unchanged(feed, events), pytest.raises(NotFoundError) as info:
        feed.posts.edit(alice.id, PostId(999_999), "hello")

    assert info.value.entity == "post"


def test_delete_by_author_removes_post_comments_and_likes(
    feed: SocialFeed, events: EventRecorder, clock: ManualClock
) -> None:
    """Deleting a post removes its comments and likes, uncounts it and sends PostDeleted."""
    alice = feed.accounts.create_profile("alice")
    bob = feed.accounts.create_profile("bob")
    post = feed.posts.create(alice.id, content="doomed")
    other = feed.posts.create(alice.id, content="survivor")
    for target in (post, other):
        feed.comments.add(bob.id, target.id, "nice")
        feed.likes.like(bob.id, target.id)
        feed.likes.like(alice.id, target.id)
    events.clear()
    before = clock.now()

    feed.posts.delete(alice.id, post.id)

    with pytest.raises(NotFoundError):
        feed.posts.get(post.id)
    assert referenced_post_ids(feed) == {other.id}
    assert feed.users.get(alice.id).post_count == 1
    survivor = feed.posts.get(other.id)
    assert (survivor.like_count, survivor.comment_count) == (2, 1)
    assert feed.likes.liked_post_ids(bob.id, [post.id, other.id]) == {other.id}
    event = events.only(PostDeleted)
    assert (event.post_id, event.author_id) == (post.id, alice.id)
    assert before < event.occurred_at < clock.now()


def test_delete_by_someone_else_is_refused(feed: SocialFeed, events: EventRecorder) -> None:
    """Only the author may delete a post; anyone else gets PermissionDeniedError."""
    alice = feed.accounts.create_profile("alice")
    mallory = feed.accounts.create_profile("mallory")
    post = feed.posts.create(alice.id, content="mine")
    feed.comments.add(mallory.id, post.id, "mine now")

    with unchanged(feed, events), pytest.raises(PermissionDeniedError):
        feed.posts.delete(mallory.id, post.id)

    assert feed.posts.get(post.id).comment_count == 1


def test_delete_unknown_post_raises_not_found(feed: SocialFeed, events: EventRecorder) -> None:
    """Deleting a post that does not exist raises NotFoundError for the post."""
    alice = feed.accounts.create_profile("alice")

    with unchanged(feed, events), pytest.raises(NotFoundError) as info:
        feed.posts.delete(alice.id, PostId(999_999))

    assert info.value.entity == "post"


def test_delete_twice_raises_not_found(feed: SocialFeed, events: EventRecorder) -> None:
    """A deleted post cannot be deleted again, and the post count does not drop twice."""
    alice = feed.accounts.create_profile("alice")
    post = feed.posts.create(alice.id, content="once")
    feed.posts.delete(alice.id, post.id)

    with unchanged(feed, events), pytest.raises(NotFoundError):
        feed.posts.delete(alice.id, post.id)

    assert feed.users.get(alice.id).post_count == 0


def test_by_author_lists_only_that_authors_posts_newest_first(feed: SocialFeed) -> None:
    """A user's posts come newest first, without other users' posts."""
    alice = feed.accounts.create_profile("alice")
    bob = feed.accounts.create_profile("bob")
    mine = [feed.posts.create(alice.id, content=f"a{n}").id for n in range(3)]
    feed.posts.create(bob.id, content="b")

    page = feed.posts.by_author(alice.id)

    assert [p.id for p in page.items] == mine[::-1]
    assert all(p.author_username == "alice" for p in page.items)
    assert page.next_cursor is None


def test_by_author_cursor_walks_every_page(feed: SocialFeed) -> None:
    """Following next_cursor yields each post exactly once, newest first, then stops."""
    alice = feed.accounts.create_profile("alice")
    ids = [feed.posts.create(alice.id, content=f"p{n}").id for n in range(7)]

    seen: list[list[int]] = []
    cursor: str | None = None
    while True:
        page = feed.posts.by_author(alice.id, limit=3, cursor=cursor)
        seen.append([p.id for p in page.items])
        cursor = page.next_cursor
        if cursor is None:
            break

    assert seen == [ids[6:3:-1], ids[3:0:-1], ids[0:1]]


def test_by_author_exact_multiple_of_limit_ends_without_empty_page(feed: SocialFeed) -> None:
    """When the posts fill the last page exactly, that page has no next cursor."""
    alice = feed.accounts.create_profile("alice")
    for n in range(4):
        feed.posts.create(alice.id, content=f"p{n}")

    first = feed.posts.by_author(alice.id, limit=2)
    second = feed.posts.by_author(alice.id, limit=2, cursor=first.next_cursor)

    assert len(second.items) == 2
    assert second.next_cursor is None


def test_by_author_offset_skips_newest_posts(feed: SocialFeed) -> None:
    """An offset skips that many posts, newest first."""
    alice = feed.accounts.create_profile("alice")
    ids = [feed.posts.create(alice.id, content=f"p{n}").id for n in range(5)]

    page = feed.posts.by_author(alice.id, limit=2, offset=2)

    assert [p.id for p in page.items] == [ids[2], ids[1]]
    assert page.next_cursor is not None
    rest = feed.posts.by_author(alice.id, limit=2, cursor=page.next_cursor)
    assert [p.id for p in rest.items] == [ids[0]]


def test_by_author_unknown_author_raises_not_found(feed: SocialFeed) -> None:
    """Listing the posts of a user that does not exist raises NotFoundError for the user."""
    with pytest.raises(NotFoundError) as info:
        feed.posts.by_author(UserId(999_999))

    assert info.value.entity == "user"


@pytest.mark.parametrize(
    ("limit", "offset", "field"), [(0, 0, "limit"), (101, 0, "limit"), (5, -1, "offset")]
)
def test_by_author_rejects_bad_page_arguments(
    feed: SocialFeed, events: EventRecorder, limit: int, offset: int, field: str
) -> None:
    """A limit outside 1..100 or a negative offset raises ValidationError naming it."""
    alice = feed.accounts.create_profile("alice")

    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        feed.posts.by_author(alice.id, limit=limit, offset=offset)

    assert info.value.field == field
