"""Memory repositories for stories, direct messages and notifications."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime

import attrs

from socialfeed.ids import MessageId, StoryId, UserId
from socialfeed.models import Conversation, Message, Story, StoryItem, StoryViewer
from socialfeed.pagination import PageRequest, Position
from socialfeed.storage.base import NewNotification, NotificationGroupRow, NotificationRow
from socialfeed.storage.memory._tables import Repository, newest_first


class Stories(Repository):
    def add(
        self,
        author_id: int,
        content: str | None,
        image_url: str | None,
        created_at: datetime,
        expires_at: datetime,
    ) -> Story:
        story = Story(
            id=StoryId(self._next_id("stories")),
            author_id=UserId(author_id),
            author_username=self._t.users[author_id].username,
            content=content,
            image_url=image_url,
            created_at=created_at,
            expires_at=expires_at,
        )
        self._j.set(self._t.stories, story.id, story)
        return story

    def get(self, story_id: int) -> Story | None:
        return self._t.stories.get(story_id)

    def delete(self, story_id: int) -> None:
        self._delete_where(self._t.story_views, lambda key, _: key[0] == story_id)
        self._j.delete(self._t.stories, story_id)

    def active_by_author(self, author_id: int, now: datetime) -> list[Story]:
        mine = [s for s in self._t.stories.values() if s.author_id == author_id]
        return _active_newest_first(mine, now)

    def feed(self, viewer_id: int, now: datetime) -> list[StoryItem]:
        followees = {b for a, b in self._t.follows if a == viewer_id}
        authors = {b for b in followees if not self._muting(viewer_id, b, now)} | {viewer_id}
        stories = [s for s in self._t.stories.values() if s.author_id in authors]
        return [
            StoryItem(story, (story.id, viewer_id) in self._t.story_views)
            for story in _active_newest_first(stories, now)
        ]

    def add_view(self, story_id: int, viewer_id: int, viewed_at: datetime) -> bool:
        if (story_id, viewer_id) in self._t.story_views:
            return False
        self._j.set(self._t.story_views, (story_id, viewer_id), viewed_at)
        return True

    def viewers(self, story_id: int, page: PageRequest, viewer_id: int) -> list[StoryViewer]:
        views = (
            StoryViewer(self._t.users[viewer], at)
            for (story, viewer), at in self._t.story_views.items()
            if story == story_id and not self._blocked_between(viewer_id, viewer)
        )
        return newest_first(views, lambda v: Position(v.viewed_at, v.user.id), page)


def _active_newest_first(stories: list[Story], now: datetime) -> list[Story]:
    active = [s for s in stories if s.expires_at > now]
    return sorted(active, key=lambda s: (s.created_at, s.id), reverse=True)


class Messages(Repository):
    def add(self, sender_id: int, receiver_id: int, content: str, created_at: datetime) -> Message:
        message = Message(
            id=MessageId(self._next_id("messages")),
            sender_id=UserId(sender_id),
            receiver_id=UserId(receiver_id),
            content=content,
            is_read=False,
            created_at=created_at,
        )
        self._j.set(self._t.messages, message.id, message)
        return message

    def conversation(self, user_id: int, other_id: int, page: PageRequest) -> list[Message]:
        if self._blocked_between(user_id, other_id):
            return []  # hidden from both while the block stands
        pair = {user_id, other_id}
        between = (m for m in self._t.messages.values() if {m.sender_id, m.receiver_id} == pair)
        return newest_first(between, lambda m: Position(m.created_at, m.id), page)

    def conversations(self, user_id: int, page: PageRequest) -> list[Conversation]:
        last: dict[UserId, Message] = {}
        unread: defaultdict[int, int] = defaultdict(int)
        for m in self._t.messages.values():
            if user_id not in (m.sender_id, m.receiver_id):
                continue
            other = m.receiver_id if m.sender_id == user_id else m.sender_id
            if self._blocked_between(user_id, other):
                continue
            if other not in last or (m.created_at, m.id) > (last[other].created_at, last[other].id):
                last[other] = m
            if m.receiver_id == user_id and not m.is_read:
                unread[other] += 1
        rows = (
            Conversation(other, self._t.users[other].username, message, unread[other])
            for other, message in last.items()
        )
        return newest_first(
            rows, lambda c: Position(c.last_message.created_at, c.other_user_id), page
        )

    def mark_read(self, reader_id: int, sender_id: int) -> int:
        unread = [
            m
            for m in self._t.messages.values()
            if (m.receiver_id, m.sender_id) == (reader_id, sender_id)
            and not m.is_read
            and not self._blocked_between(reader_id, sender_id)
        ]
        for message in unread:
            self._j.set(self._t.messages, message.id, attrs.evolve(message, is_read=True))
        return len(unread)

    def unread_count(self, user_id: int) -> int:
        return sum(
            1
            for m in self._t.messages.values()
            if m.receiver_id == user_id
            and not m.is_read
            and not self._blocked_between(user_id, m.sender_id)
        )


class Notifications(Repository):
    def add(self, new: NewNotification) -> NotificationRow | None:
        key = (new.event_id, new.recipient_id)
        existing = self._t.notification_events.get(key)
        if existing is not None:
            row = self._t.notifications[existing]
            if new.created_at < row.created_at:
                earlier = attrs.evolve(row, created_at=new.created_at)
                self._j.set(self._t.notifications, existing, earlier)
            return None
        row = NotificationRow(
            id=self._next_id("notifications"),
            recipient_id=new.recipient_id,
            actor_id=new.actor_id,
            actor_username=self._t.users[new.actor_id].username,
            kind=new.kind,
            post_id=new.post_id,
            comment_id=new.comment_id,
            is_read=False,
            created_at=new.created_at,
        )
        self._j.set(self._t.notifications, row.id, row)
        self._j.set(self._t.notification_events, key, row.id)
        return row

    def get(self, notification_id: int) -> NotificationRow | None:
        return self._t.notifications.get(notification_id)

    def for_recipient(
        self, recipient_id: int, page: PageRequest, now: datetime
    ) -> list[NotificationRow]:
        mine = self._visible(recipient_id, now)
        return newest_first(mine, lambda n: Position(n.created_at, n.id), page)

    def groups(
        self, recipient_id: int, page: PageRequest, actors_per_group: int, now: datetime
    ) -> list[NotificationGroupRow]:
        members: defaultdict[tuple[str, int | None], list[NotificationRow]] = defaultdict(list)
        for n in self._visible(recipient_id, now):
            members[(n.kind, n.post_id)].append(n)
        groups = []
        for rows in members.values():
            rows.sort(key=lambda n: (n.created_at, n.id), reverse=True)
            groups.append(
                NotificationGroupRow(
                    kind=rows[0].kind,
                    post_id=rows[0].post_id,
                    actor_usernames=_distinct_actors(rows, actors_per_group),
                    total=len({n.actor_id for n in rows}),
                    unread=any(not n.is_read for n in rows),
                    latest_at=rows[0].created_at,
                    latest_id=max(n.id for n in rows),
                )
            )
        return newest_first(groups, lambda g: Position(g.latest_at, g.latest_id), page)

    def unread_count(self, recipient_id: int, now: datetime) -> int:
        return sum(1 for n in self._visible(recipient_id, now) if not n.is_read)

    def mark_read(self, notification_id: int) -> bool:
        row = self._t.notifications[notification_id]
        if row.is_read:
            return False
        self._j.set(self._t.notifications, notification_id, attrs.evolve(row, is_read=True))
        return True

    def mark_all_read(self, recipient_id: int, now: datetime) -> int:
        unread = [n for n in self._visible(recipient_id, now) if not n.is_read]
        for row in unread:
            self._j.set(self._t.notifications, row.id, attrs.evolve(row, is_read=True))
        return len(unread)

    def _visible(self, recipient_id: int, now: datetime) -> Iterator[NotificationRow]:
        """The recipient's notifications they may see at ``now`` (see NotificationRepository)."""
        for n in self._t.notifications.values():
            if n.recipient_id != recipient_id:
                continue
            if self._blocked_between(recipient_id, n.actor_id):
                continue
            if self._muting(recipient_id, n.actor_id, now):
                continue
            if n.post_id is not None:
                author_id = self._t.posts[n.post_id].author_id
                if not self._visible_author(recipient_id, author_id):
                    continue
            if not self._cause_holds(n):
                continue
            yield n

    def _cause_holds(self, n: NotificationRow) -> bool:
        """Whether the like is still there, or the actor still follows the recipient."""
        if n.kind == "like":
            return (n.actor_id, n.post_id) in self._t.likes
        if n.kind == "follow":
            return (n.actor_id, n.recipient_id) in self._t.follows
        return True  # a deleted comment or post took its notifications with it


def _distinct_actors(rows: list[NotificationRow], limit: int) -> tuple[str, ...]:
    names: dict[str, None] = {}
    for row in rows:
        names.setdefault(row.actor_username)
    return tuple(names)[:limit]
