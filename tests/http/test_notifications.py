"""Notifications over HTTP: created by the handlers the app connects, listed, counted and read."""

from __future__ import annotations

from socialfeed.events import HashtagsExtracted, NotificationCreated
from tests.http.conftest import ApiClient, Member, expect, expect_error, iso, notification_json
from tests.support import EventRecorder


def notifications_of(api: ApiClient, member: Member) -> list[dict[str, object]]:
    """Return the member's notifications as the library renders them, newest first."""
    return [notification_json(n) for n in api.feed.notifications.list(member.id).items]


def test_like_comment_and_follow_notify_the_other_user(api: ApiClient) -> None:
    """A like, a comment and a follow over HTTP each give alice one notification, newest first."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    post = api.feed.posts.create(alice.id, content="hello")

    api.request("POST", f"/api/posts/{post.id}/likes", token=bob.token)
    api.request("POST", f"/api/posts/{post.id}/comments", json={"content": "hi"}, token=bob.token)
    api.request("POST", f"/api/follow/{alice.id}", token=bob.token)

    response = api.request("GET", "/api/notifications", token=alice.token)
    expect(response, 200, notifications_of(api, alice))
    assert [
        (n["type"], n["actor_id"], n["reference_id"], n["message"], n["is_read"])
        for n in response.json
    ] == [
        ("follow", bob.id, bob.id, "bob started following you", False),
        ("comment", bob.id, post.id, "bob commented on your post", False),
        ("like", bob.id, post.id, "bob liked your post", False),
    ]
    assert {n["user_id"] for n in response.json} == {alice.id}


def test_own_actions_notify_nobody(api: ApiClient) -> None:
    """Liking and commenting on one's own post creates no notification."""
    alice = api.signup("alice")
    post = api.feed.posts.create(alice.id, content="hello")

    api.request("POST", f"/api/posts/{post.id}/likes", token=alice.token)
    api.request("POST", f"/api/posts/{post.id}/comments", json={"content": "me"}, token=alice.token)

    expect(api.request("GET", "/api/notifications", token=alice.token), 200, [])
    expect(
        api.request("GET", "/api/notifications/unread-count", token=alice.token), 200, {"count": 0}
    )


def test_handlers_are_connected_once(api: ApiClient) -> None:
    """One like notifies once and one post is indexed once: each handler is connected once."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    recorder = EventRecorder(api.feed)
    recorder.connect()
    try:
        created = api.request("POST", "/api/posts", json={"content": "#one"}, token=alice.token)
        api.request("POST", f"/api/posts/{created.json['id']}/likes", token=bob.token)
    finally:
        recorder.disconnect()

    assert len(recorder.of_type(HashtagsExtracted)) == 1
    assert len(recorder.of_type(NotificationCreated)) == 1


def test_mark_one_read(api: ApiClient) -> None:
    """Marking one's notification read answers {"status": "ok"} and only that one is read."""
    alice = api.signup("alice")
    bob = api.feed.accounts.create_profile("bob")
    post = api.feed.posts.create(alice.id, content="hello")
    api.feed.likes.like(bob.id, post.id)
    api.feed.follows.follow(bob.id, alice.id)
    _, like = api.feed.notifications.list(alice.id).items

    response = api.request("POST", f"/api/notifications/{like.id}/read", token=alice.token)

    expect(response, 200, {"status": "ok"})
    assert [n.is_read for n in api.feed.notifications.list(alice.id).items] == [False, True]
    expect(
        api.request("GET", "/api/notifications/unread-count", token=alice.token), 200, {"count": 1}
    )


def test_mark_read_of_someone_elses_notification_is_not_found(api: ApiClient) -> None:
    """Marking another user's notification, or a missing one, is 404 and changes nothing."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    post = api.feed.posts.create(alice.id, content="hello")
    api.feed.likes.like(bob.id, post.id)
    (notification,) = api.feed.notifications.list(alice.id).items

    other = api.request("POST", f"/api/notifications/{notification.id}/read", token=bob.token)
    missing = api.request("POST", "/api/notifications/999/read", token=alice.token)

    expect_error(other, 404, "Notification not found")
    expect_error(missing, 404, "Notification not found")
    assert api.feed.notifications.unread_count(alice.id) == 1


def test_mark_all_read(api: ApiClient) -> None:
    """read-all answers {"status": "ok"} and leaves no unread notification."""
    alice = api.signup("alice")
    bob = api.feed.accounts.create_profile("bob")
    post = api.feed.posts.create(alice.id, content="hello")
    api.feed.likes.like(bob.id, post.id)
    api.feed.comments.add(bob.id, post.id, "hi")

    expect(
        api.request("GET", "/api/notifications/unread-count", token=alice.token), 200, {"count": 2}
    )
    response = api.request("POST", "/api/notifications/read-all", token=alice.token)

    expect(response, 200, {"status": "ok"})
    assert [n.is_read for n in api.feed.notifications.list(alice.id).items] == [True, True]
    expect(
        api.request("GET", "/api/notifications/unread-count", token=alice.token), 200, {"count": 0}
    )


def test_grouped_notifications(api: ApiClient) -> None:
    """Grouped notifications fold likes of one post into one line naming the latest actors."""
    alice = api.signup("alice")
    bob = api.feed.accounts.create_profile("bob")
    carol = api.feed.accounts.create_profile("carol")
    post = api.feed.posts.create(alice.id, content="hello")
    api.feed.likes.like(bob.id, post.id)
    api.feed.likes.like(carol.id, post.id)
    api.feed.follows.follow(bob.id, alice.id)

    response = api.request("GET", "/api/notifications/grouped", token=alice.token)

    follows, likes = api.feed.notifications.grouped(alice.id).items
    expect(
        response,
        200,
        [
            {
                "type": "follow",
                "post_id": None,
                "actors": ["bob"],
                "total": 1,
                "is_read": False,
                "latest_at": iso(follows.latest_at),
                "message": "bob started following you",
            },
            {
                "type": "like",
                "post_id": post.id,
                "actors": ["carol", "bob"],
                "total": 2,
                "is_read": False,
                "latest_at": iso(likes.latest_at),
                "message": "carol and 1 other liked your post",
            },
        ],
    )
