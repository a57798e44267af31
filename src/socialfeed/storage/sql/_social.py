"""SQL repositories for stories and direct messages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    union_all,
    update,
)

from socialfeed.errors import NotFoundError
from socialfeed.ids import MessageId, UserId
from socialfeed.models import Conversation, Message, Story, StoryItem, StoryViewer
from socialfeed.pagination import PageRequest
from socialfeed.storage.sql._common import (
    USER_COLUMNS,
    PagedQuery,
    Repository,
    id_param,
    newest_first,
    not_blocked,
    not_muted,
    time_param,
    to_user,
)
from socialfeed.storage.sql.schema import (
    conversations,
    follows,
    messages,
    stories,
    story_views,
    users,
)

_STORY_COLUMNS = (
    stories.c.id,
    stories.c.author_id,
    users.c.username,
    stories.c.content,
    stories.c.image_url,
    stories.c.created_at,
    stories.c.expires_at,
)
_STORIES_WITH_AUTHOR = stories.join(users, users.c.id == stories.c.author_id)
_MESSAGE_COLUMNS = (
    messages.c.id,
    messages.c.sender_id,
    messages.c.receiver_id,
    messages.c.content,
    messages.c.is_read,
    messages.c.created_at,
)


def _story(row: Sequence[Any]) -> Story:
    return Story(*row[: len(_STORY_COLUMNS)])


def _message(row: Sequence[Any]) -> Message:
    return Message(*row[: len(_MESSAGE_COLUMNS)])


class SQLStories(Repository):
    def add(
        self,
        author_id: int,
        content: str | None,
        image_url: str | None,
        created_at: datetime,
        expires_at: datetime,
    ) -> Story:
        story_id = self._conn.execute(
            insert(stories)
            .values(
                author_id=author_id,
                content=content,
                image_url=image_url,
                created_at=created_at,
                expires_at=expires_at,
            )
            .returning(stories.c.id)
        ).scalar_one()
        story = self.get(story_id)
        assert story is not None
        return story

    def get(self, story_id: int) -> Story | None:
        query = (
            select(*_STORY_COLUMNS)
            .select_from(_STORIES_WITH_AUTHOR)
            .where(stories.c.id == story_id)
        )
        row = self._conn.execute(query).first()
        return None if row is None else _story(row)

    def delete(self, story_id: int) -> None:
        # Views go with the story through ON DELETE CASCADE.
        deleted = self._conn.execute(delete(stories).where(stories.c.id == story_id))
        if deleted.rowcount == 0:
            # A concurrent delete of the same story won the race.
            raise NotFoundError("story")

    def active_by_author(self, author_id: int, now: datetime) -> list[Story]:
        query = (
            select(*_STORY_COLUMNS)
            .select_from(_STORIES_WITH_AUTHOR)
            .where(stories.c.author_id == author_id, stories.c.expires_at > now)
            .order_by(stories.c.created_at.desc(), stories.c.id.desc())
        )
        return [_story(row) for row in self._conn.execute(query)]

    def feed(self, viewer_id: int, now: datetime) -> list[StoryItem]:
        authors = union_all(
            select(follows.c.followee_id).where(follows.c.follower_id == viewer_id),
            select(literal(viewer_id, users.c.id.type)),
        )
        seen = exists().where(
            story_views.c.story_id == stories.c.id, story_views.c.viewer_id == viewer_id
        )
        query = (
            select(*_STORY_COLUMNS, seen.label("seen"))
            .select_from(_STORIES_WITH_AUTHOR)
            .where(
                stories.c.author_id.in_(authors),
                stories.c.expires_at > now,
                or_(
                    stories.c.author_id == viewer_id, not_muted(viewer_id, stories.c.author_id, now)
                ),
            )
            .order_by(stories.c.created_at.desc(), stories.c.id.desc())
        )
        return [StoryItem(_story(row), bool(row.seen)) for row in self._conn.execute(query)]

    def add_view(self, story_id: int, viewer_id: int, viewed_at: datetime) -> bool:
        inserted = self._conn.execute(
            self._insert_ignoring_duplicates(story_views)
            .values(story_id=story_id, viewer_id=viewer_id, viewed_at=viewed_at)
            .returning(story_views.c.story_id)
        ).first()
        return inserted is not None

    def viewers(self, story_id: int, page: PageRequest, viewer_id: int) -> list[StoryViewer]:
        query = (
            select(*USER_COLUMNS, story_views.c.viewed_at)
            .select_from(story_views.join(users, users.c.id == story_views.c.viewer_id))
            .where(
                story_views.c.story_id == story_id,
                not_blocked(viewer_id, story_views.c.viewer_id),
            )
        )
        query = newest_first(query, story_views.c.viewed_at, story_views.c.viewer_id, page)
        return [StoryViewer(to_user(row), row.viewed_at) for row in self._conn.execute(query)]


class SQLMessages(Repository):
    def add(self, sender_id: int, receiver_id: int, content: str, created_at: datetime) -> Message:
        low, high = min(sender_id, receiver_id), max(sender_id, receiver_id)
        message_id = self._conn.execute(
            _ADD_MESSAGE,
            {
                "sender_id": sender_id,
                "receiver_id": receiver_id,
                "low_user_id": low,
                "high_user_id": high,
                "content": content,
                "created_at": created_at,
            },
        ).scalar_one()
        # Both participants' conversation rows now end with this message.
        self._conn.execute(
            _end_conversations(self._conn.dialect.name),
            {"low_user_id": low, "high_user_id": high, "message_id": message_id, "at": created_at},
        )
        return Message(
            MessageId(message_id),
            UserId(sender_id),
            UserId(receiver_id),
            content,
            False,
            created_at,
        )

    def conversation(self, user_id: int, other_id: int, page: PageRequest) -> list[Message]:
        params = {
            "low_user_id": min(user_id, other_id),
            "high_user_id": max(user_id, other_id),
            "user_id": user_id,
            "other_id": other_id,
        }
        return [_message(row) for row in _CONVERSATION.run(self._conn, page, params)]

    def conversations(self, user_id: int, page: PageRequest) -> list[Conversation]:
        unread_messages = messages.alias("unread_messages")
        unread = (
            select(func.count())
            .select_from(unread_messages)
            .where(
                unread_messages.c.receiver_id == user_id,
                unread_messages.c.sender_id == conversations.c.other_id,
                ~unread_messages.c.is_read,
            )
            .scalar_subquery()
        )
        query = (
            select(*_MESSAGE_COLUMNS, conversations.c.other_id, users.c.username, unread)
            .select_from(
                conversations.join(messages, messages.c.id == conversations.c.last_message_id).join(
                    users, users.c.id == conversations.c.other_id
                )
            )
            .where(
                conversations.c.user_id == user_id,
                not_blocked(user_id, conversations.c.other_id),
            )
        )
        query = newest_first(query, conversations.c.last_at, conversations.c.other_id, page)
        width = len(_MESSAGE_COLUMNS)
        return [
            Conversation(row[width], row[width + 1], _message(row), row[width + 2])
            for row in self._conn.execute(query)
        ]

    def mark_read(self, reader_id: int, sender_id: int) -> int:
        result = self._conn.execute(
            update(messages)
            .where(
                messages.c.receiver_id == reader_id,
                messages.c.sender_id == sender_id,
                ~messages.c.is_read,
                not_blocked(reader_id, messages.c.sender_id),
            )
            .values(is_read=True)
        )
        return result.rowcount

    def unread_count(self, user_id: int) -> int:
        query = (
            select(func.count())
            .select_from(messages)
            .where(
                messages.c.receiver_id == user_id,
                ~messages.c.is_read,
                not_blocked(user_id, messages.c.sender_id),
            )
        )
        count: int = self._conn.execute(query).scalar_one()
        return count


# The statements of the hot paths, built once (see PagedQuery for why).
_CONVERSATION = PagedQuery.build(
    select(*_MESSAGE_COLUMNS).where(
        messages.c.low_user_id == id_param("low_user_id"),
        messages.c.high_user_id == id_param("high_user_id"),
        # Hidden from both while a block between them stands.
        not_blocked(id_param("user_id"), id_param("other_id")),
    ),
    messages.c.created_at,
    messages.c.id,
)
_ADD_MESSAGE = (
    insert(messages)
    .values(
        sender_id=id_param("sender_id"),
        receiver_id=id_param("receiver_id"),
        low_user_id=id_param("low_user_id"),
        high_user_id=id_param("high_user_id"),
        content=bindparam("content"),
        is_read=False,
        created_at=time_param("created_at"),
    )
    .returning(messages.c.id)
)


@cache
def _end_conversations(dialect: str) -> Any:
    low, high = id_param("low_user_id"), id_param("high_user_id")
    ends = {"last_message_id": id_param("message_id"), "last_at": time_param("at")}
    # The lower user's row first: two senders lock the pair's rows in one order.
    upsert = Repository.insert_for(dialect, conversations).values(
        [{"user_id": low, "other_id": high, **ends}, {"user_id": high, "other_id": low, **ends}]
    )
    return upsert.on_conflict_do_update(
        index_elements=[conversations.c.user_id, conversations.c.other_id],
        set_={
            "last_message_id": upsert.excluded.last_message_id,
            "last_at": upsert.excluded.last_at,
        },
    )
