"""Direct messages between two users."""

from __future__ import annotations

from socialfeed import validation
from socialfeed.errors import BlockedError, SelfActionError
from socialfeed.events import Event, MessageSent, MessagesRead
from socialfeed.ids import UserId
from socialfeed.models import Conversation, Message, Page
from socialfeed.pagination import DEFAULT_LIMIT, PageRequest, Position, page_of
from socialfeed.services._lookups import require_ids, require_user, require_users_of
from socialfeed.services._service import Service
from socialfeed.services._visibility import require_profile
from socialfeed.storage.base import UnitOfWork

__all__ = ["MessageService"]


class MessageService(Service):
    """Sending and reading direct messages.

    Every read names the reader, and a reader only ever gets messages they
    sent or received: a conversation between two other people does not exist
    for them. While a block stands between two users, either way, their
    conversation and its history are hidden from both, and its unread
    messages not counted; they show again after an unblock.
    """

    def send(self, sender_id: UserId, receiver_id: UserId, content: str) -> Message:
        """Send a message of 1 to 1,000 characters to another user.

        Across a block nothing is sent: a user who blocked the sender is not
        found, and messaging someone you blocked is a `BlockedError`.
        """
        if sender_id == receiver_id:
            raise SelfActionError("receiver_id", "Cannot message yourself")
        text = validation.message_content(content)
        now = self._clock.now()

        def work(uow: UnitOfWork) -> tuple[Message, list[Event]]:
            require_user(uow, sender_id)
            require_profile(uow, receiver_id, sender_id)
            if uow.blocks.exists(sender_id, receiver_id):
                raise BlockedError("You blocked this user")
            message = uow.messages.add(sender_id, receiver_id, text, now)
            sent = MessageSent(
                occurred_at=now,
                message_id=message.id,
                sender_id=sender_id,
                receiver_id=receiver_id,
            )
            return message, [sent]

        return self._act(work)

    def conversations(
        self,
        user_id: UserId,
        *,
        limit: int = DEFAULT_LIMIT,
        cursor: str | None = None,
        offset: int = 0,
    ) -> Page[Conversation]:
        """Return one row per person the user has messaged with, most recent first.

        The list is ordered by each conversation's last message, so a
        conversation that gets a new message moves to the top: paging on with
        a cursor neither repeats nor skips the others, but one that moved up
        from a later page shows only on a fresh first page.
        """
        page = PageRequest.build(limit, cursor, offset)
        require_ids(user_id)

        def work(uow: UnitOfWork) -> list[Conversation]:
            return require_users_of(uow, uow.messages.conversations(user_id, page), user_id)

        return page_of(
            self._read(work),
            page,
            lambda c: Position(c.last_message.created_at, c.other_user_id),
        )

    def conversation(
        self,
        user_id: UserId,
        other_id: UserId,
        *,
        limit: int = DEFAULT_LIMIT,
        cursor: str | None = None,
        offset: int = 0,
    ) -> Page[Message]:
        """Return the messages between the user and another, both directions, newest first."""
        if user_id == other_id:
            raise SelfActionError("other_id", "A conversation needs two people")
        page = PageRequest.build(limit, cursor, offset)
        require_ids(user_id, other_id)

        def work(uow: UnitOfWork) -> list[Message]:
            rows = uow.messages.conversation(user_id, other_id, page)
            if not rows:
                # Empty, or hidden by a block: to the blocked user, the
                # blocker reads as not found, like a user who does not exist.
                require_user(uow, user_id)
                require_profile(uow, other_id, user_id)
            return rows

        return page_of(self._read(work), page, lambda m: Position(m.created_at, m.id))

    def mark_read(self, reader_id: UserId, sender_id: UserId) -> int:
        """Mark every unread message from ``sender_id`` to the reader read; return how many.

        Refuses what `conversation` refuses: one's own id (`SelfActionError`),
        and a user that does not exist or blocked the reader (`NotFoundError`).
        """
        if reader_id == sender_id:
            raise SelfActionError("sender_id", "A conversation needs two people")
        require_ids(reader_id, sender_id)
        now = self._clock.now()

        def work(uow: UnitOfWork) -> tuple[int, list[Event]]:
            count = uow.messages.mark_read(reader_id, sender_id)
            if not count:
                # Asked after the update, which waits for a deletion of either
                # user that holds their messages: it then finds them gone.
                require_user(uow, reader_id)
                require_profile(uow, sender_id, reader_id)
                return count, []
            return count, [
                MessagesRead(occurred_at=now, reader_id=reader_id, sender_id=sender_id, count=count)
            ]

        return self._act(work)

    def unread_count(self, user_id: UserId) -> int:
        """Count the unread messages sent to a user, for a badge."""

        require_ids(user_id)

        def work(uow: UnitOfWork) -> int:
            count = uow.messages.unread_count(user_id)
            if not count:
                require_user(uow, user_id)  # a count above 0 proves the user exists
            return count

        return self._read(work)
