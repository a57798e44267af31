"""Direct messages over HTTP: sending, conversations, one conversation, read marks and counts."""

from __future__ import annotations

from tests.http.conftest import (
    ApiClient,
    expect,
    expect_error,
    expect_field_error,
    message_json,
)
from tests.support import dump


def test_send_message(api: ApiClient) -> None:
    """POST /messages answers 201 with the unread message, stored for both participants."""
    alice = api.signup("alice")
    bob = api.signup("bob")

    response = api.request(
        "POST", "/api/messages", json={"receiver_id": bob.id, "content": " hi "}, token=alice.token
    )

    (message,) = api.feed.messages.conversation(bob.id, alice.id).items
    expect(response, 201, message_json(message))
    assert (message.sender_id, message.receiver_id, message.content) == (alice.id, bob.id, "hi")
    assert message.is_read is False


def test_send_message_errors(api: ApiClient) -> None:
    """Self is 400, an unknown receiver 404, blank content 422, no receiver 422; nothing is sent."""
    alice = api.signup("alice")
    bob = api.signup("bob")
    before = dump(api.feed.storage)

    itself = api.request(
        "POST", "/api/messages", json={"receiver_id": alice.id, "content": "hi"}, token=alice.token
    )
    unknown = api.request(
        "POST", "/api/messages", json={"receiver_id": 999, "content": "hi"}, token=alice.token
    )
    blank = api.request(
        "POST", "/api/messages", json={"receiver_id": bob.id, "content": "  "}, token=alice.token
    )
    no_receiver = api.request("POST", "/api/messages", json={"content": "hi"}, token=alice.token)

    expect_error(itself, 400, "Cannot message yourself")
    expect_error(unknown, 404, "User not found")
    expect_error(blank, 422, "content: must not be empty")
    expect_field_error(no_receiver, "receiver_id")
    assert dump(api.feed.storage) == before


def test_conversations_latest_first(api: ApiClient) -> None:
    """GET /messages lists one row per person, the most recently active conversation first."""
    alice = api.signup("alice")
    bob = api.feed.accounts.create_profile("bob")
    carol = api.feed.accounts.create_profile("carol")
    api.feed.messages.send(alice.id, bob.id, "to bob")
    api.feed.messages.send(carol.id, alice.id, "from carol")
    latest = api.feed.messages.send(bob.id, alice.id, "bob again")
    from_carol = api.feed.messages.conversation(alice.id, carol.id).items[0]

    expect(
        api.request("GET", "/api/messages", token=alice.token),
        200,
        [
            {"other_user_id": bob.id, "last_message": message_json(latest)},
            {"other_user_id": carol.id, "last_message": message_json(from_carol)},
        ],
    )


def test_conversation_both_directions_newest_first(api: ApiClient) -> None:
    """GET /messages/{user_id} lists both directions of one conversation, newest first, only it."""
    alice = api.signup("alice")
    bob = api.feed.accounts.create_profile("bob")
    carol = api.feed.accounts.create_profile("carol")
    first = api.feed.messages.send(alice.id, bob.id, "hi bob")
    api.feed.messages.send(alice.id, carol.id, "hi carol")
    second = api.feed.messages.send(bob.id, alice.id, "hi alice")

    expect(
        api.request("GET", f"/api/messages/{bob.id}", token=alice.token),
        200,
        [message_json(second), message_json(first)],
    )


def test_conversation_with_unknown_or_self(api: ApiClient) -> None:
    """A conversation with a missing user is 404; with oneself, a 400 from the library's reason."""
    alice = api.signup("alice")

    expect_error(api.request("GET", "/api/messages/999", token=alice.token), 404, "User not found")
    expect_error(
        api.request("GET", f"/api/messages/{alice.id}", token=alice.token),
        400,
        "A conversation needs two people",
    )


def test_mark_read_and_unread_count(api: ApiClient) -> None:
    """Marking a sender's messages read answers {"status": "ok"} and brings the count down."""
    alice = api.signup("alice")
    bob = api.feed.accounts.create_profile("bob")
    carol = api.feed.accounts.create_profile("carol")
    api.feed.messages.send(bob.id, alice.id, "one")
    api.feed.messages.send(bob.id, alice.id, "two")
    api.feed.messages.send(carol.id, alice.id, "three")

    expect(api.request("GET", "/api/messages/unread-count", token=alice.token), 200, {"count": 3})
    response = api.request("POST", f"/api/messages/{bob.id}/read", token=alice.token)

    expect(response, 200, {"status": "ok"})
    expect(api.request("GET", "/api/messages/unread-count", token=alice.token), 200, {"count": 1})
    assert [m.is_read for m in api.feed.messages.conversation(alice.id, bob.id).items] == [
        True,
        True,
    ]
    assert api.feed.messages.conversation(alice.id, carol.id).items[0].is_read is False


def test_mark_read_answers_as_the_conversation_does(api: ApiClient) -> None:
    """POST /messages/{id}/read answers as GET /messages/{id}: for oneself, a stranger, nobody."""
    alice = api.signup("alice")
    stranger = api.signup("stranger")
    before = dump(api.feed.storage)

    for other_id in (alice.id, stranger.id, 999):
        read = api.request("GET", f"/api/messages/{other_id}", token=alice.token)
        marked = api.request("POST", f"/api/messages/{other_id}/read", token=alice.token)

        assert marked.status == read.status, (other_id, marked.body, read.body)
        if read.status >= 400:
            expect_error(marked, read.status, read.detail)
        else:
            expect(marked, 200, {"status": "ok"})
    assert dump(api.feed.storage) == before
