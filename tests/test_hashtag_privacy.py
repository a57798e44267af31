"""Hashtag counts, search and trending show only what the public may see: public accounts' posts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from socialfeed import SocialFeed
from socialfeed.events import HashtagsExtracted, PostCreated, PostDeleted, VisibilityChanged
from socialfeed.handlers import HashtagHandler
from socialfeed.ids import PostId, UserId
from socialfeed.models import User
from tests.support import EventRecorder


@pytest.fixture
def indexed(feed: SocialFeed) -> Iterator[SocialFeed]:
    """The ``feed`` facade with the hashtag handler connected."""
    handler = HashtagHandler()
    handler.connect(feed)
    yield feed
    handler.disconnect(feed)


@pytest.fixture
def hidden(indexed: SocialFeed, alice: User) -> User:
    """Alice, made private."""
    indexed.users.set_private(alice.id, True)
    return alice


def count(feed: SocialFeed, tag: str) -> int:
    """The tag's public count, as anyone reads it (0 for a tag ``get`` does not find)."""
    hashtag = feed.hashtags.get(tag)
    return 0 if hashtag is None else hashtag.post_count


def searched(feed: SocialFeed, prefix: str) -> list[tuple[str, int]]:
    """The tags search lists for ``prefix``, as (name, count)."""
    return [(tag.name, tag.post_count) for tag in feed.search.hashtags(prefix)]


def trending(feed: SocialFeed) -> list[tuple[str, int, int]]:
    """The trending tags, as (name, public count, recent uses)."""
    top = feed.hashtags.trending()
    return [(t.hashtag.name, t.hashtag.post_count, t.recent_posts) for t in top]


def tagged(feed: SocialFeed, tag: str, viewer: UserId | None) -> list[PostId]:
    """The ids of the posts carrying ``tag`` that ``viewer`` may see."""
    return [post.id for post in feed.hashtags.posts(tag, viewer_id=viewer).items]


def test_a_tag_only_a_private_account_uses_is_not_shown(
    indexed: SocialFeed, hidden: User, bob: User, events: EventRecorder
) -> None:
    """A private account's tag is absent from get, search and trending, yet indexed for them."""
    events.clear()

    post = indexed.posts.create(hidden.id, content="#secret plans")

    assert indexed.hashtags.get("secret") is None
    assert searched(indexed, "sec") == []
    assert trending(indexed) == []
    assert tagged(indexed, "secret", None) == tagged(indexed, "secret", bob.id) == []
    assert tagged(indexed, "secret", hidden.id) == [post.id]
    assert [e.post_id for e in events.of_type(PostCreated)] == [post.id]
    assert [e.tags for e in events.of_type(HashtagsExtracted)] == [("secret",)]
    assert indexed.maintenance.reconcile_counters() == 0


def test_an_approved_follower_still_finds_the_posts_by_tag(
    indexed: SocialFeed, hidden: User, bob: User
) -> None:
    """hashtags.posts lists a private account's tagged posts to its followers, count or not."""
    indexed.follows.follow(bob.id, hidden.id)
    indexed.follow_requests.approve(hidden.id, bob.id)
    post = indexed.posts.create(hidden.id, content="#secret")

    assert tagged(indexed, "secret", bob.id) == [post.id]
    assert count(indexed, "secret") == 0


def test_a_shared_tag_counts_and_trends_by_public_posts_only(
    indexed: SocialFeed, hidden: User, bob: User
) -> None:
    """A tag both use counts bob's public posts; trending counts only his recent uses."""
    indexed.posts.create(hidden.id, content="#sun #sun2")
    indexed.posts.create(hidden.id, content="#sun")
    indexed.posts.create(bob.id, content="#sun")

    assert count(indexed, "sun") == 1
    assert searched(indexed, "sun") == [("sun", 1)]
    assert trending(indexed) == [("sun", 1, 1)]


def test_going_public_and_private_again_moves_the_counts(
    indexed: SocialFeed, alice: User, bob: User, events: EventRecorder
) -> None:
    """Each change of side adds or takes away the account's posts in its tags' counts."""
    indexed.posts.create(alice.id, content="#sun #sea")
    indexed.posts.create(alice.id, content="#sun")
    indexed.posts.create(bob.id, content="#sun")
    public = [("sun", 3, 3), ("sea", 1, 1)]
    assert trending(indexed) == public
    events.clear()

    indexed.users.set_private(alice.id, True)

    assert events.only(VisibilityChanged).is_private is True
    assert (count(indexed, "sun"), count(indexed, "sea")) == (1, 0)
    assert searched(indexed, "s") == [("sun", 1)]
    assert trending(indexed) == [("sun", 1, 1)]
    assert indexed.maintenance.reconcile_counters() == 0
    events.clear()

    indexed.users.set_private(alice.id, False)

    assert events.only(VisibilityChanged).is_private is False
    assert searched(indexed, "s") == [("sun", 3), ("sea", 1)]
    assert trending(indexed) == public
    assert indexed.maintenance.reconcile_counters() == 0

    indexed.users.set_private(alice.id, True)

    assert (count(indexed, "sun"), count(indexed, "sea")) == (1, 0)
    assert indexed.maintenance.reconcile_counters() == 0


def test_going_public_with_pending_requests_counts_the_tags(
    indexed: SocialFeed, hidden: User, bob: User, events: EventRecorder
) -> None:
    """Going public approves the requests and brings the account's tags back, in one action."""
    indexed.posts.create(hidden.id, content="#sun")
    indexed.follows.follow(bob.id, hidden.id)
    events.clear()

    indexed.users.set_private(hidden.id, False)

    assert events.only(VisibilityChanged).approved_requester_ids == (bob.id,)
    assert count(indexed, "sun") == 1
    assert indexed.follows.is_following(bob.id, hidden.id)
    assert indexed.maintenance.reconcile_counters() == 0


def test_asking_for_the_side_already_taken_counts_nothing_twice(
    indexed: SocialFeed, hidden: User, events: EventRecorder
) -> None:
    """Making a private account private again changes no count and sends no signal."""
    indexed.posts.create(hidden.id, content="#sun")
    indexed.users.set_private(hidden.id, False)
    events.clear()

    indexed.users.set_private(hidden.id, False)

    assert events.events == []
    assert count(indexed, "sun") == 1
    assert indexed.maintenance.reconcile_counters() == 0


def test_editing_a_private_post_moves_its_links_not_the_counts(
    indexed: SocialFeed, hidden: User, bob: User
) -> None:
    """A private author's edit relinks the post; counts follow only once the account is public."""
    post = indexed.posts.create(hidden.id, content="#old")
    indexed.posts.create(bob.id, content="#old #new")

    indexed.posts.edit(hidden.id, post.id, "#new")

    assert (count(indexed, "old"), count(indexed, "new")) == (1, 1)
    assert post.id in tagged(indexed, "new", hidden.id)
    assert post.id not in tagged(indexed, "old", hidden.id)
    assert indexed.maintenance.reconcile_counters() == 0
    indexed.users.set_private(hidden.id, False)
    assert (count(indexed, "old"), count(indexed, "new")) == (1, 2)
    assert indexed.maintenance.reconcile_counters() == 0


def test_deleting_a_private_post_leaves_the_public_counts(
    indexed: SocialFeed, hidden: User, bob: User, events: EventRecorder
) -> None:
    """A private author's deleted post takes nothing off the counts, which never held it."""
    post = indexed.posts.create(hidden.id, content="#sun")
    indexed.posts.create(bob.id, content="#sun")
    events.clear()

    indexed.posts.delete(hidden.id, post.id)

    assert events.only(PostDeleted).post_id == post.id
    assert count(indexed, "sun") == 1
    assert tagged(indexed, "sun", hidden.id) == tagged(indexed, "sun", None)
    assert indexed.maintenance.reconcile_counters() == 0


def test_deleting_a_private_account_leaves_the_public_counts(
    indexed: SocialFeed, hidden: User, bob: User
) -> None:
    """A private account's deletion takes its posts' links and leaves bob's counts as they were."""
    indexed.posts.create(hidden.id, content="#sun #mine")
    bobs = indexed.posts.create(bob.id, content="#sun")

    indexed.accounts.delete(hidden.id)

    assert (count(indexed, "sun"), count(indexed, "mine")) == (1, 0)
    assert tagged(indexed, "sun", bob.id) == [bobs.id]
    assert indexed.maintenance.reconcile_counters() == 0


def test_reconcile_recounts_a_count_that_held_private_posts(
    indexed: SocialFeed, hidden: User
) -> None:
    """A count that still holds private posts (kept before the change) is set right, as one fix."""
    indexed.posts.create(hidden.id, content="#sun")
    with indexed.storage.transaction() as uow:
        uow.hashtags.count_author(hidden.id, +1)  # as every post was counted before
    assert count(indexed, "sun") == 1

    assert indexed.maintenance.reconcile_counters() == 1

    assert indexed.hashtags.get("sun") is None
    assert searched(indexed, "sun") == []
