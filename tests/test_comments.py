"""CommentService: adding, listing and deleting comments, and the post's comment count."""

from __future__ import annotations

import pytest

from socialfeed import (
    ManualClock,
    NotFoundError,
    PermissionDeniedError,
    SocialFeed,
    ValidationError,
)
from socialfeed.events import CommentAdded, CommentDeleted
from socialfeed.ids import CommentId, PostId, UserId
from socialfeed.models import Post, User
from tests.support import EventRecorder, unchanged


@pytest.fixture
def post(feed: SocialFeed, alice: User, bob: User, events: EventRecorder) -> Post:
    """Alice's post, made once alice and bob exist; the events so far are cleared."""
    created = feed.posts.create(alice.id, content="what do you think?")
    events.clear()
    return created


def test_add_stores_comment_counts_it_and_sends_event(
    feed: SocialFeed, events: EventRecorder, post: Post, alice: User, bob: User
) -> None:
    """A comment is stored trimmed, counted on its post, and announced with the post's author."""
    comment = feed.comments.add(bob.id, post.id, "  great  ")

    assert (comment.post_id, comment.author_id, comment.author_username) == (post.id, bob.id, "bob")
    assert comment.content == "great"
    assert feed.comments.for_post(post.id).items == (comment,)
    assert feed.posts.get(post.id).comment_count == 1
    event = events.only(CommentAdded)
    assert (event.comment_id, event.post_id, event.author_id) == (comment.id, post.id, bob.id)
    assert (event.post_author_id, event.content) == (alice.id, "great")
    assert event.occurred_at == comment.created_at


def test_add_accepts_exactly_the_maximum_length(feed: SocialFeed, post: Post, bob: User) -> None:
    """A comment of 2,200 characters is accepted."""
    comment = feed.comments.add(bob.id, post.id, "x" * 2200)

    assert feed.comments.for_post(post.id).items[0].content == "x" * 2200
    assert comment.content == "x" * 2200


@pytest.mark.parametrize("content", ["", "   \n", "x" * 2201])
def test_add_with_invalid_content_is_refused(
    feed: SocialFeed, events: EventRecorder, post: Post, bob: User, content: str
) -> None:
    """An empty comment or one over 2,200 characters raises ValidationError on 'content'."""
    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        feed.comments.add(bob.id, post.id, content)

    assert info.value.field == "content"
    assert feed.posts.get(post.id).comment_count == 0


def test_add_to_unknown_post_raises_not_found(
    feed: SocialFeed, events: EventRecorder, post: Post, bob: User
) -> None:
    """Commenting on a post that does not exist raises NotFoundError for the post."""
    with unchanged(feed, events), pytest.raises(NotFoundError) as info:
        feed.comments.add(bob.id, PostId(999_999), "hello?")

    assert info.value.entity == "post"


def test_add_by_unknown_user_raises_not_found(
    feed: SocialFeed, events: EventRecorder, post: Post
) -> None:
    """Commenting as a user that does not exist raises NotFoundError for the user."""
    with unchanged(feed, events), pytest.raises(NotFoundError) as info:
        feed.comments.add(UserId(999_999), post.id, "ghost")

    assert info.value.entity == "user"


def test_for_post_lists_newest_first_in_cursor_pages(
    feed: SocialFeed, post: Post, alice: User, bob: User
) -> None:
    """Comments come newest first, and the cursor walks every page exactly once."""
    other = feed.posts.create(alice.id, content="elsewhere")
    feed.comments.add(bob.id, other.id, "not here")
    ids = [feed.comments.add(bob.id, post.id, f"c{n}").id for n in range(5)]

    first = feed.comments.for_post(post.id, limit=2)
    second = feed.comments.for_post(post.id, limit=2, cursor=first.next_cursor)
    third = feed.comments.for_post(post.id, limit=2, cursor=second.next_cursor)

    pages = [[c.id for c in page.items] for page in (first, second, third)]
    assert pages == [[ids[4], ids[3]], [ids[2], ids[1]], [ids[0]]]
    assert third.next_cursor is None


def test_for_post_offset_skips_newest_comments(feed: SocialFeed, post: Post, bob: User) -> None:
    """An offset skips that many comments, newest first."""
    ids = [feed.comments.add(bob.id, post.id, f"c{n}").id for n in range(4)]

    page = feed.comments.for_post(post.id, limit=10, offset=1)

    assert [c.id for c in page.items] == [ids[2], ids[1], ids[0]]


def test_for_unknown_post_raises_not_found(feed: SocialFeed) -> None:
    """Listing the comments of a post that does not exist raises NotFoundError for the post."""
    with pytest.raises(NotFoundError) as info:
        feed.comments.for_post(PostId(999_999))

    assert info.value.entity == "post"


def test_for_post_rejects_an_invalid_cursor(feed: SocialFeed, post: Post) -> None:
    """A cursor the library did not make raises ValidationError on 'cursor'."""
    with pytest.raises(ValidationError) as info:
        feed.comments.for_post(post.id, cursor="garbage")

    assert info.value.field == "cursor"


def test_delete_by_comment_author(
    feed: SocialFeed, events: EventRecorder, clock: ManualClock, post: Post, bob: User
) -> None:
    """The comment's author can delete it; it is uncounted and CommentDeleted is sent."""
    comment = feed.comments.add(bob.id, post.id, "oops")
    events.clear()
    before = clock.now()

    feed.comments.delete(bob.id, comment.id)

    assert feed.comments.for_post(post.id).items == ()
    assert feed.posts.get(post.id).comment_count == 0
    event = events.only(CommentDeleted)
    assert (event.comment_id, event.post_id, event.deleted_by) == (comment.id, post.id, bob.id)
    assert before < event.occurred_at < clock.now()


def test_delete_by_post_author(
    feed: SocialFeed, events: EventRecorder, post: Post, alice: User, bob: User
) -> None:
    """The post's author can delete someone else's comment on their post."""
    comment = feed.comments.add(bob.id, post.id, "spam")
    events.clear()

    feed.comments.delete(alice.id, comment.id)

    assert feed.comments.for_post(post.id).items == ()
    assert feed.posts.get(post.id).comment_count == 0
    event = events.only(CommentDeleted)
    assert (event.comment_id, event.deleted_by) == (comment.id, alice.id)


def test_delete_by_third_user_is_refused(
    feed: SocialFeed, events: EventRecorder, post: Post, bob: User
) -> None:
    """Someone who wrote neither the comment nor the post gets PermissionDeniedError."""
    carol = feed.accounts.create_profile("carol")
    comment = feed.comments.add(bob.id, post.id, "mine")

    with unchanged(feed, events), pytest.raises(PermissionDeniedError) as info:
        feed.comments.delete(carol.id, comment.id)

    assert info.value.message == "Not your comment"
    assert feed.comments.for_post(post.id).items == (comment,)


def test_delete_unknown_comment_raises_not_found(
    feed: SocialFeed, events: EventRecorder, post: Post, alice: User
) -> None:
    """Deleting a comment that does not exist raises NotFoundError for the comment."""
    with unchanged(feed, events), pytest.raises(NotFoundError) as info:
        feed.comments.delete(alice.id, CommentId(999_999))

    assert info.value.entity == "comment"


def test_comment_count_is_exact(feed: SocialFeed, post: Post, alice: User, bob: User) -> None:
    """comment_count equals the number of comments after adds and deletes by several users."""
    other = feed.posts.create(alice.id, content="other")
    feed.comments.add(bob.id, other.id, "elsewhere")
    added = [feed.comments.add(user.id, post.id, "hi") for user in (alice, bob, bob, alice)]
    feed.comments.delete(bob.id, added[1].id)
    feed.comments.delete(alice.id, added[3].id)

    assert feed.posts.get(post.id).comment_count == 2
    assert len(feed.comments.for_post(post.id).items) == 2
    assert feed.posts.get(other.id).comment_count == 1
