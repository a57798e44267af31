"""MessageService: sending direct messages, conversations, read marks and unread counts."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from socialfeed import NotFoundError, Page, SelfActionError, SocialFeed, ValidationError
from socialfeed.events import MessageSent, MessagesRead
from socialfeed.ids import UserId
from socialfeed.models import Conversation, Message, User
from tests.support import EventRecorder, unchanged


@pytest.fixture
def users(alice: User, bob: User, carol: User) -> tuple[User, User, User]:
    """Alice, bob and carol, who have not messaged anyone yet."""
    return alice, bob, carol


def walk_messages(fetch: Callable[[str | None], Page[Message]]) -> list[list[int]]:
    """Return the message ids of every page, following the cursor to the end."""
    pages: list[list[int]] = []
    cursor: str | None = None
    while True:
        page = fetch(cursor)
        pages.append([m.id for m in page.items])
        cursor = page.next_cursor
        if cursor is None:
            return pages


def partners(page: Page[Conversation]) -> list[int]:
    """Return the other participant of each conversation on a page, in order."""
    return [c.other_user_id for c in page.items]


def test_send(feed: SocialFeed, events: EventRecorder, users: tuple[User, User, User]) -> None:
    """A sent message is stored trimmed and unread, reaches the receiver and is announced."""
    alice, bob, _ = users
    events.clear()

    message = feed.messages.send(alice.id, bob.id, "  hi bob  ")

    assert (message.sender_id, message.receiver_id) == (alice.id, bob.id)
    assert (message.content, message.is_read) == ("hi bob", False)
    assert feed.messages.conversation(bob.id, alice.id).items == (message,)
    assert feed.messages.unread_count(bob.id) == 1
    assert feed.messages.unread_count(alice.id) == 0
    event = events.only(MessageSent)
    assert (event.message_id, event.sender_id, event.receiver_id) == (message.id, alice.id, bob.id)
    assert event.occurred_at == message.created_at


def test_send_accepts_exactly_the_maximum_length(
    feed: SocialFeed, users: tuple[User, User, User]
) -> None:
    """A message of 1,000 characters is still accepted."""
    alice, bob, _ = users

    feed.messages.send(alice.id, bob.id, "x" * 1000)

    assert feed.messages.conversation(alice.id, bob.id).items[0].content == "x" * 1000


def test_send_to_yourself_is_refused(
    feed: SocialFeed, events: EventRecorder, users: tuple[User, User, User]
) -> None:
    """Messaging yourself raises ValidationError on 'receiver_id'."""
    alice, _, _ = users

    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        feed.messages.send(alice.id, alice.id, "note to self")

    assert info.value.field == "receiver_id"
    assert feed.messages.conversations(alice.id).items == ()


@pytest.mark.parametrize("unknown", [999, 0, -1, 2**63])
def test_send_to_or_from_an_unknown_user_is_not_found(
    feed: SocialFeed, events: EventRecorder, users: tuple[User, User, User], unknown: int
) -> None:
    """A message to or from a user who does not exist raises NotFoundError for the user."""
    alice, _, _ = users

    with unchanged(feed, events), pytest.raises(NotFoundError) as info:
        feed.messages.send(alice.id, UserId(unknown), "hello?")
    assert info.value.entity == "user"
    with unchanged(feed, events), pytest.raises(NotFoundError):
        feed.messages.send(UserId(unknown), alice.id, "hello?")

    assert feed.messages.conversations(alice.id).items == ()


@pytest.mark.parametrize("content", ["", "   \n\t", "x" * 1001, " " + "x" * 1001])
def test_send_empty_or_too_long_is_refused(
    feed: SocialFeed, events: EventRecorder, users: tuple[User, User, User], content: str
) -> None:
    """An empty message or one over 1,000 characters raises ValidationError on 'content'."""
    alice, bob, _ = users

    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        feed.messages.send(alice.id, bob.id, content)

    assert info.value.field == "content"
    assert feed.messages.unread_count(bob.id) == 0
    assert feed.messages.conversation(alice.id, bob.id).items == ()


def test_conversation_has_both_directions_newest_first_over_several_pages(
    feed: SocialFeed, users: tuple[User, User, User]
) -> None:
    """conversation() pages through both directions newest first, the same from either side."""
    alice, bob, _ = users
    sent = [
        feed.messages.send(*((alice.id, bob.id) if n % 2 else (bob.id, alice.id)), f"{n}").id
        for n in range(7)
    ]
    newest_first = sent[::-1]

    from_alice = walk_messages(
        lambda cursor: feed.messages.conversation(alice.id, bob.id, limit=3, cursor=cursor)
    )
    from_bob = walk_messages(
        lambda cursor: feed.messages.conversation(bob.id, alice.id, limit=3, cursor=cursor)
    )

    assert from_alice == from_bob == [newest_first[0:3], newest_first[3:6], newest_first[6:]]
    assert feed.messages.conversation(alice.id, bob.id) == feed.messages.conversation(
        bob.id, alice.id
    )


def test_conversation_pages_are_stable_when_messages_arrive(
    feed: SocialFeed, users: tuple[User, User, User]
) -> None:
    """Messages sent between page requests cause no duplicate and no gap in later pages."""
    alice, bob, _ = users
    original = [feed.messages.send(alice.id, bob.id, f"{n}").id for n in range(5)][::-1]

    def fetch(cursor: str | None) -> Page[Message]:
        page = feed.messages.conversation(alice.id, bob.id, limit=2, cursor=cursor)
        feed.messages.send(bob.id, alice.id, "new")
        return page

    assert [m for page in walk_messages(fetch) for m in page] == original


def test_a_third_user_never_sees_someone_elses_conversation(
    feed: SocialFeed, users: tuple[User, User, User]
) -> None:
    """conversation(carol, alice) holds only carol and alice's messages, none of alice and bob's."""
    alice, bob, carol = users
    feed.messages.send(alice.id, bob.id, "secret")
    feed.messages.send(bob.id, alice.id, "also secret")

    assert feed.messages.conversation(carol.id, alice.id).items == ()
    assert feed.messages.conversation(carol.id, bob.id).items == ()
    assert feed.messages.conversations(carol.id).items == ()

    mine = feed.messages.send(carol.id, alice.id, "hi alice")
    assert feed.messages.conversation(carol.id, alice.id).items == (mine,)


def test_conversation_with_an_unknown_user_is_not_found(
    feed: SocialFeed, users: tuple[User, User, User]
) -> None:
    """conversation() naming a user who does not exist raises NotFoundError for the user."""
    alice, _, _ = users

    for user_id, other_id in ((alice.id, 999), (999, alice.id)):
        with pytest.raises(NotFoundError) as info:
            feed.messages.conversation(UserId(user_id), UserId(other_id))
        assert info.value.entity == "user"


def test_conversations_have_last_message_and_my_unread_count(
    feed: SocialFeed, users: tuple[User, User, User]
) -> None:
    """conversations() has one row per partner: the last message either way and my unread count."""
    alice, bob, carol = users
    dave = feed.accounts.create_profile("dave")
    feed.messages.send(alice.id, dave.id, "old news")
    feed.messages.send(bob.id, alice.id, "one")
    feed.messages.send(bob.id, alice.id, "two")
    to_bob = feed.messages.send(alice.id, bob.id, "three")
    from_carol = feed.messages.send(carol.id, alice.id, "hey")

    rows = feed.messages.conversations(alice.id).items

    summary = [(c.other_user_id, c.other_username, c.last_message, c.unread_count) for c in rows]
    assert summary[:2] == [(carol.id, "carol", from_carol, 1), (bob.id, "bob", to_bob, 2)]
    assert (summary[2][0], summary[2][1], summary[2][3]) == (dave.id, "dave", 0)
    assert summary[2][2].content == "old news"
    (bobs,) = feed.messages.conversations(bob.id).items
    assert (bobs.other_user_id, bobs.last_message, bobs.unread_count) == (alice.id, to_bob, 1)


def test_conversations_are_paginated_with_cursors(
    feed: SocialFeed, users: tuple[User, User, User]
) -> None:
    """conversations() pages the most recent conversation first, following cursors to the end."""
    alice, _, _ = users
    others = [feed.accounts.create_profile(f"friend{n}") for n in range(5)]
    for user in others:
        feed.messages.send(user.id, alice.id, "hi")
    expected = [u.id for u in reversed(others)]

    first = feed.messages.conversations(alice.id, limit=2)
    second = feed.messages.conversations(alice.id, limit=2, cursor=first.next_cursor)
    third = feed.messages.conversations(alice.id, limit=2, cursor=second.next_cursor)

    assert [partners(first), partners(second), partners(third)] == [
        expected[0:2],
        expected[2:4],
        expected[4:],
    ]
    assert third.next_cursor is None


@pytest.mark.parametrize("moved", [1, 3], ids=["already-shown", "not-yet-shown"])
def test_conversation_with_a_new_message_moves_to_the_top_between_pages(
    feed: SocialFeed, users: tuple[User, User, User], moved: int
) -> None:
    """A conversation that gets a message between pages moves to the top; later pages skip it.

    The cursor is the last row's (time, partner), so the other conversations
    keep their places: the later pages repeat none and skip none of them. The
    moved one appears at the top of a fresh first page, not on the later pages.
    """
    alice, _, _ = users
    others = [feed.accounts.create_profile(f"friend{n}") for n in range(6)]
    for user in others:
        feed.messages.send(user.id, alice.id, "hi")
    order = [u.id for u in reversed(others)]
    first = feed.messages.conversations(alice.id, limit=2)
    assert partners(first) == order[:2]

    feed.messages.send(order[moved], alice.id, "again")
    rest: list[int] = []
    cursor = first.next_cursor
    while cursor is not None:
        page = feed.messages.conversations(alice.id, limit=2, cursor=cursor)
        rest.extend(partners(page))
        cursor = page.next_cursor

    assert len(rest) == len(set(rest))
    assert rest == [other for other in order[2:] if other != order[moved]]
    assert partners(feed.messages.conversations(alice.id, limit=1)) == [order[moved]]


def test_mark_read_marks_only_that_senders_messages_to_the_reader(
    feed: SocialFeed, events: EventRecorder, users: tuple[User, User, User]
) -> None:
    """mark_read(reader, sender) reads that sender's messages to the reader, and nothing else."""
    alice, bob, carol = users
    feed.messages.send(bob.id, alice.id, "one")
    feed.messages.send(bob.id, alice.id, "two")
    feed.messages.send(alice.id, bob.id, "from alice")
    feed.messages.send(carol.id, alice.id, "from carol")
    assert feed.messages.unread_count(alice.id) == 3
    events.clear()

    assert feed.messages.mark_read(alice.id, bob.id) == 2

    event = events.only(MessagesRead)
    assert (event.reader_id, event.sender_id, event.count) == (alice.id, bob.id, 2)
    read = {m.content: m.is_read for m in feed.messages.conversation(alice.id, bob.id).items}
    assert read == {"one": True, "two": True, "from alice": False}
    assert [m.is_read for m in feed.messages.conversation(alice.id, carol.id).items] == [False]
    assert feed.messages.unread_count(alice.id) == 1
    assert feed.messages.unread_count(bob.id) == 1
    unread = {c.other_user_id: c.unread_count for c in feed.messages.conversations(alice.id).items}
    assert unread == {bob.id: 0, carol.id: 1}


def test_mark_read_with_nothing_unread_changes_nothing(
    feed: SocialFeed, events: EventRecorder, users: tuple[User, User, User]
) -> None:
    """mark_read() when nothing is unread returns 0 and sends no MessagesRead."""
    alice, bob, _ = users
    feed.messages.send(bob.id, alice.id, "hi")
    feed.messages.mark_read(alice.id, bob.id)

    with unchanged(feed, events):
        assert feed.messages.mark_read(alice.id, bob.id) == 0

    assert feed.messages.unread_count(alice.id) == 0


def test_a_third_user_cannot_mark_others_messages_read(
    feed: SocialFeed, events: EventRecorder, users: tuple[User, User, User]
) -> None:
    """mark_read(carol, alice) leaves alice and bob's unread messages unread."""
    alice, bob, carol = users
    feed.messages.send(alice.id, bob.id, "for bob")
    feed.messages.send(bob.id, alice.id, "for alice")

    with unchanged(feed, events):
        assert feed.messages.mark_read(carol.id, alice.id) == 0
        assert feed.messages.mark_read(carol.id, bob.id) == 0

    assert (feed.messages.unread_count(alice.id), feed.messages.unread_count(bob.id)) == (1, 1)
    assert [m.is_read for m in feed.messages.conversation(alice.id, bob.id).items] == [False] * 2


def test_unread_count_totals_across_senders(
    feed: SocialFeed, users: tuple[User, User, User]
) -> None:
    """unread_count() adds up the unread messages from every sender, and only those to the user."""
    alice, bob, carol = users
    for sender, count in ((bob, 2), (carol, 3)):
        for n in range(count):
            feed.messages.send(sender.id, alice.id, f"{n}")
    feed.messages.send(alice.id, bob.id, "reply")

    assert feed.messages.unread_count(alice.id) == 5
    feed.messages.mark_read(alice.id, carol.id)
    assert feed.messages.unread_count(alice.id) == 2


def test_deleting_an_account_removes_its_messages_and_conversations(
    feed: SocialFeed, users: tuple[User, User, User]
) -> None:
    """Deleting a user removes the messages they sent and received from the others' lists."""
    alice, bob, carol = users
    feed.messages.send(bob.id, alice.id, "from bob")
    feed.messages.send(alice.id, bob.id, "to bob")
    feed.messages.send(bob.id, carol.id, "bob to carol")
    kept = feed.messages.send(carol.id, alice.id, "from carol")

    feed.accounts.delete(bob.id)

    (row,) = feed.messages.conversations(alice.id).items
    assert (row.other_user_id, row.last_message, row.unread_count) == (carol.id, kept, 1)
    assert feed.messages.conversations(carol.id).items[0].other_user_id == alice.id
    assert len(feed.messages.conversations(carol.id).items) == 1
    assert feed.messages.unread_count(alice.id) == 1
    assert feed.messages.unread_count(carol.id) == 0
    assert feed.messages.conversation(alice.id, carol.id).items == (kept,)
    with pytest.raises(NotFoundError):
        feed.messages.conversation(alice.id, bob.id)


def test_a_conversation_with_yourself_is_refused(feed: SocialFeed) -> None:
    """Reading a conversation with yourself is a ValidationError on other_id, like sending one."""
    alice = feed.accounts.create_profile("alice")

    with pytest.raises(ValidationError) as info:
        feed.messages.conversation(alice.id, alice.id)

    assert info.value.field == "other_id"


def test_mark_read_of_ones_own_id_is_refused_as_a_conversation_is(
    feed: SocialFeed, events: EventRecorder, users: tuple[User, User, User]
) -> None:
    """mark_read(alice, alice) raises SelfActionError on sender_id and changes nothing."""
    alice, bob, _ = users
    feed.messages.send(bob.id, alice.id, "hi")

    with unchanged(feed, events), pytest.raises(SelfActionError) as raised:
        feed.messages.mark_read(alice.id, alice.id)

    assert raised.value.field == "sender_id"
    assert feed.messages.unread_count(alice.id) == 1
