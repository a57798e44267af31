"""LikeService: like, unlike, toggle, the like count, and "liked by me" for a page of posts."""

from __future__ import annotations

import pytest

from socialfeed import LikeState, ManualClock, NotFoundError, SocialFeed
from socialfeed.events import PostLiked, PostUnliked
from socialfeed.ids import UserId
from socialfeed.models import Post, User
from socialfeed.storage import SQLStorage
from tests.support import EventRecorder, counted_statements, unchanged


@pytest.fixture
def post(feed: SocialFeed, alice: User, bob: User, events: EventRecorder) -> Post:
    """Alice's post, made once alice and bob exist; the events so far are cleared."""
    created = feed.posts.create(alice.id, content="like me")
    events.clear()
    return created


def test_like(
    feed: SocialFeed, events: EventRecorder, clock: ManualClock, post: Post, alice: User, bob: User
) -> None:
    """Liking a post counts it, remembers it and sends PostLiked with the post's author."""
    before = clock.now()

    state = feed.likes.like(bob.id, post.id)

    assert state == LikeState(liked=True, like_count=1)
    assert feed.posts.get(post.id).like_count == 1
    assert feed.likes.liked_post_ids(bob.id, [post.id]) == {post.id}
    event = events.only(PostLiked)
    assert (event.user_id, event.post_id, event.post_author_id) == (bob.id, post.id, alice.id)
    assert before < event.occurred_at < clock.now()


def test_like_twice_keeps_one_like(
    feed: SocialFeed, events: EventRecorder, post: Post, bob: User
) -> None:
    """A second like changes nothing and sends no second PostLiked."""
    feed.likes.like(bob.id, post.id)

    state = feed.likes.like(bob.id, post.id)

    assert state == LikeState(liked=True, like_count=1)
    assert feed.posts.get(post.id).like_count == 1
    assert len(events.of_type(PostLiked)) == 1
    assert len(events.events) == 1


def test_unlike(
    feed: SocialFeed, events: EventRecorder, post: Post, alice: User, bob: User
) -> None:
    """Unliking takes the like back, uncounts it and sends PostUnliked."""
    feed.likes.like(bob.id, post.id)
    events.clear()

    state = feed.likes.unlike(bob.id, post.id)

    assert state == LikeState(liked=False, like_count=0)
    assert feed.posts.get(post.id).like_count == 0
    assert feed.likes.liked_post_ids(bob.id, [post.id]) == frozenset()
    event = events.only(PostUnliked)
    assert (event.user_id, event.post_id, event.post_author_id) == (bob.id, post.id, alice.id)


def test_unlike_when_not_liked_sends_nothing(
    feed: SocialFeed, events: EventRecorder, post: Post, alice: User, bob: User
) -> None:
    """Unliking a post one does not like leaves others' likes alone and sends no signal."""
    feed.likes.like(alice.id, post.id)
    events.clear()

    with unchanged(feed, events):
        state = feed.likes.unlike(bob.id, post.id)

    assert state == LikeState(liked=False, like_count=1)


def test_toggle_likes_then_unlikes(
    feed: SocialFeed, events: EventRecorder, post: Post, bob: User
) -> None:
    """Toggle likes a post not liked yet, and unlikes it the next time."""
    first = feed.likes.toggle(bob.id, post.id)
    assert first == LikeState(liked=True, like_count=1)
    assert feed.posts.get(post.id).like_count == 1
    assert events.only(PostLiked).user_id == bob.id
    events.clear()

    second = feed.likes.toggle(bob.id, post.id)

    assert second == LikeState(liked=False, like_count=0)
    assert feed.posts.get(post.id).like_count == 0
    assert events.only(PostUnliked).user_id == bob.id


def test_like_count_counts_distinct_users(
    feed: SocialFeed, post: Post, alice: User, bob: User
) -> None:
    """The like count is the number of users who like the post, and states report it."""
    carol = feed.accounts.create_profile("carol")
    assert feed.likes.like(alice.id, post.id).like_count == 1
    assert feed.likes.like(bob.id, post.id).like_count == 2
    assert feed.likes.toggle(carol.id, post.id) == LikeState(liked=True, like_count=3)
    assert feed.likes.unlike(alice.id, post.id) == LikeState(liked=False, like_count=2)

    assert feed.posts.get(post.id).like_count == 2


def test_liked_post_ids_for_a_page_of_posts(feed: SocialFeed, alice: User, bob: User) -> None:
    """liked_post_ids returns exactly the posts of the page that the user likes."""
    ids = [feed.posts.create(alice.id, content=f"p{n}").id for n in range(6)]
    for post_id in (ids[0], ids[2], ids[5]):
        feed.likes.like(bob.id, post_id)
    feed.likes.like(alice.id, ids[1])
    page = feed.posts.by_author(alice.id, limit=4)

    liked = feed.likes.liked_post_ids(bob.id, [p.id for p in page.items])

    assert liked == {ids[5], ids[2]}
    assert feed.likes.liked_post_ids(bob.id, []) == frozenset()
    assert feed.likes.liked_post_ids(alice.id, ids) == {ids[1]}


def test_liked_post_ids_takes_any_number_of_ids_in_one_query(
    feed: SocialFeed, alice: User, bob: User
) -> None:
    """300,000 ids, past every database's parameter limit, are still answered in one query."""
    liked = feed.posts.create(alice.id, content="liked")
    other = feed.posts.create(alice.id, content="not liked")
    feed.likes.like(bob.id, liked.id)
    ids = [*range(10**9, 10**9 + 300_000), liked.id, other.id, liked.id]

    if isinstance(feed.storage, SQLStorage):
        with counted_statements(feed.storage) as statements:
            found = feed.likes.liked_post_ids(bob.id, ids)
        assert len(statements) == 1
    else:
        found = feed.likes.liked_post_ids(bob.id, ids)

    assert found == {liked.id}


@pytest.mark.parametrize("action", ["like", "unlike", "toggle"])
def test_unknown_post_raises_not_found(
    feed: SocialFeed, events: EventRecorder, post: Post, bob: User, action: str
) -> None:
    """Every like action on a post that does not exist raises NotFoundError for the post."""
    with unchanged(feed, events), pytest.raises(NotFoundError) as info:
        getattr(feed.likes, action)(bob.id, 999_999)

    assert info.value.entity == "post"


def test_unknown_user_raises_not_found(feed: SocialFeed, events: EventRecorder, post: Post) -> None:
    """Liking as a user that does not exist raises NotFoundError for the user."""
    with unchanged(feed, events), pytest.raises(NotFoundError) as info:
        feed.likes.like(UserId(999_999), post.id)

    assert info.value.entity == "user"
