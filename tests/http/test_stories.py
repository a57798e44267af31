"""Stories over HTTP: posting, the two lists, expiry after 24 hours, deletion, views and viewers."""

from __future__ import annotations

from datetime import timedelta

from tests.http.conftest import ApiClient, expect, expect_error, story_json, user_json
from tests.support import dump

IMAGE = "https://example.com/story.jpg"
DAY = timedelta(hours=24)


def test_create_story(api: ApiClient) -> None:
    """POST /stories answers 201 with the story, image_url before content."""
    alice = api.signup("alice")

    response = api.request(
        "POST", "/api/stories", json={"image_url": IMAGE, "content": "morning"}, token=alice.token
    )

    story = api.feed.stories.get(response.json["id"], viewer_id=alice.id)
    expect(response, 201, story_json(story))
    assert list(response.json)[3:5] == ["image_url", "content"]


def test_create_story_needs_content_or_an_image(api: ApiClient) -> None:
    """A story with neither content nor image is a 422 on ``content``; nothing is stored."""
    alice = api.signup("alice")
    before = dump(api.feed.storage)

    response = api.request("POST", "/api/stories", json={"content": " "}, token=alice.token)

    expect_error(response, 422, "content: a story needs content or an image_url")
    assert dump(api.feed.storage) == before


def test_my_stories_newest_first(api: ApiClient) -> None:
    """GET /stories lists the caller's active stories only, newest first."""
    alice = api.signup("alice")
    bob = api.feed.accounts.create_profile("bob")
    first = api.feed.stories.create(alice.id, content="first")
    api.feed.stories.create(bob.id, content="bob's")
    second = api.feed.stories.create(alice.id, image_url=IMAGE)

    expect(
        api.request("GET", "/api/stories", token=alice.token),
        200,
        [story_json(second), story_json(first)],
    )


def test_story_feed_has_followed_and_own_stories_newest_first(api: ApiClient) -> None:
    """GET /stories/feed is one flat list of followees' and own stories, newest first overall."""
    alice = api.signup("alice")
    bob = api.feed.accounts.create_profile("bob")
    carol = api.feed.accounts.create_profile("carol")
    api.feed.follows.follow(alice.id, bob.id)
    oldest = api.feed.stories.create(alice.id, content="alice 1")
    followed = api.feed.stories.create(bob.id, content="bob 1")
    api.feed.stories.create(carol.id, content="a stranger's")
    newest = api.feed.stories.create(alice.id, content="alice 2")

    expect(
        api.request("GET", "/api/stories/feed", token=alice.token),
        200,
        [story_json(newest), story_json(followed), story_json(oldest)],
    )


def test_stories_expire_after_24_hours(api: ApiClient) -> None:
    """Past 24 hours a story is in no list, and to anyone else its id is not found."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    api.feed.follows.follow(bob.id, alice.id)
    story = api.feed.stories.create(alice.id, content="soon gone")

    api.clock.advance(DAY - timedelta(seconds=1))
    assert [s["id"] for s in api.request("GET", "/api/stories/feed", token=bob.token).json] == [
        story.id
    ]
    api.clock.advance(timedelta(seconds=1))

    expect(api.request("GET", "/api/stories", token=alice.token), 200, [])
    expect(api.request("GET", "/api/stories/feed", token=alice.token), 200, [])
    expect(api.request("GET", "/api/stories/feed", token=bob.token), 200, [])
    view = api.request("POST", f"/api/stories/{story.id}/view", token=bob.token)
    delete = api.request("DELETE", f"/api/stories/{story.id}", token=bob.token)
    expect_error(view, 404, "Story not found")
    expect_error(delete, 404, "Story not found")


def test_delete_story(api: ApiClient) -> None:
    """The author deletes a story with 204; others get 403, a missing story 404."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    kept = api.feed.stories.create(alice.id, content="kept")
    gone = api.feed.stories.create(alice.id, content="gone")

    forbidden = api.request("DELETE", f"/api/stories/{kept.id}", token=bob.token)
    deleted = api.request("DELETE", f"/api/stories/{gone.id}", token=alice.token)
    missing = api.request("DELETE", f"/api/stories/{gone.id}", token=alice.token)

    expect_error(forbidden, 403, "Not your story")
    assert (deleted.status, deleted.body) == (204, b"")
    expect_error(missing, 404, "Story not found")
    assert api.feed.stories.active(alice.id) == (kept,)


def test_views_and_viewers(api: ApiClient) -> None:
    """Views answer 204; the author lists the viewers (no email), most recent first, not herself."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    carol = api.signup("carol")
    story = api.feed.stories.create(alice.id, content="look")
    path = f"/api/stories/{story.id}"

    responses = [
        api.request("POST", f"{path}/view", token=token)
        for token in (bob.token, carol.token, bob.token, alice.token)
    ]

    assert [(r.status, r.body) for r in responses] == [(204, b"")] * 4
    expect(
        api.request("GET", f"{path}/viewers", token=alice.token),
        200,
        [user_json(api.feed.users.get(carol.id)), user_json(api.feed.users.get(bob.id))],
    )


def test_viewers_are_for_the_author_only(api: ApiClient) -> None:
    """Anyone but the author asking for the viewers gets 403 "Not your story"; unknown is 404."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    story = api.feed.stories.create(alice.id, content="look")

    forbidden = api.request("GET", f"/api/stories/{story.id}/viewers", token=bob.token)
    missing = api.request("GET", "/api/stories/999/viewers", token=alice.token)
    view_missing = api.request("POST", "/api/stories/999/view", token=bob.token)

    expect_error(forbidden, 403, "Not your story")
    expect_error(missing, 404, "Story not found")
    expect_error(view_missing, 404, "Story not found")
