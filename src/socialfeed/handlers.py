"""Optional handlers that turn signals into notifications and a hashtag index.

Nothing here runs until you connect it to a facade, explicitly:

```python
feed = SocialFeed(storage)
NotificationHandler().connect(feed)
HashtagHandler().connect(feed)
```

Handlers connect with strong references (a receiver defined inside a function
would otherwise vanish with it), listen to that one facade only, and run
after the action committed, each in a transaction of its own. What they
leave in the database depends on the events alone, not on when, in what
order or how often they arrive: notifications are keyed by what caused them
and hidden at read time by blocks, mutes and privacy, and the hashtag index
is rebuilt from the post's current content (a repeat still sends
``hashtags_extracted`` again). An event about a post, comment or user that
was deleted before the handler ran is skipped (``NotFoundError`` is
suppressed): the deletion took with it what the handler would have stored.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from blinker import NamedSignal

from socialfeed import signals
from socialfeed.errors import NotFoundError, StorageConflictError
from socialfeed.events import (
    CommentAdded,
    Event,
    FollowRequestApproved,
    PostCreated,
    PostEdited,
    PostLiked,
    UserFollowed,
    VisibilityChanged,
)
from socialfeed.ids import UserId

if TYPE_CHECKING:
    from socialfeed.facade import SocialFeed

__all__ = ["HashtagHandler", "NotificationHandler", "once_per_event"]

Receiver = Callable[..., None]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_KEYS = uuid.UUID("3cb2a3db-a09c-4339-a220-b1f735e2132a")  # namespace of the derived keys


def once_per_event(
    name: str, *, lease: timedelta = timedelta(minutes=1)
) -> Callable[[Receiver], Receiver]:
    """Make a receiver run once per event id, across every process on the storage.

    For a receiver whose effect is not idempotent by itself (an email, a
    push, a call to another service)::

        @once_per_event("welcome-email")
        def send_welcome(feed: SocialFeed, *, event: UserRegistered) -> None: ...

    Before the receiver runs, the event is claimed for ``name`` in the
    facade's storage for ``lease``; once it returns, the claim becomes a
    receipt, and every later delivery of the event returns at once. A
    delivery that finds the event claimed by another process raises
    `StorageConflictError`, so that a worker tries it again later (a worker
    waits out storage errors without spending attempts): by then the other
    finished, or died and its claim lapsed. A receiver that raises drops its
    claim, so the event is tried again. A process that dies after the
    receiver's effect and before the receipt runs it again once the lease
    lapsed: at least once, never lost, never twice at the same time. Give
    ``lease`` more than the receiver's longest run. ``name`` must be unique
    per receiver and stay the same across deployments. Receipts are kept
    until `MaintenanceService.purge_receipts` deletes them: keep them longer
    than you replay events for.
    """

    def decorate(receiver: Receiver) -> Receiver:
        @functools.wraps(receiver)
        def once(feed: SocialFeed, *, event: Event) -> None:
            now = feed.clock.now()
            with feed.storage.transaction() as uow:
                claim = uow.receipts.claim(name, event.event_id, now, now + lease)
            if claim == "done":
                return
            if claim == "busy":
                raise StorageConflictError(f"{name}: another process is handling this event")
            try:
                receiver(feed, event=event)
            except BaseException:
                with feed.storage.transaction() as uow:
                    uow.receipts.release(name, event.event_id)
                raise
            with feed.storage.transaction() as uow:
                uow.receipts.complete(name, event.event_id, feed.clock.now())

        return once

    return decorate


class _Handler:
    """Connects a set of receivers to one facade's signals, and disconnects them."""

    _receivers: dict[NamedSignal, Receiver]
    _facades = 0  # how many facades this handler handles now

    def connect(self, feed: SocialFeed) -> None:
        """Start handling ``feed``'s events.

        If a handler of the same kind already handles this facade, nothing is
        connected: two would store every hashtag link and send every signal
        twice (two web apps sharing one facade, say).
        """
        if self._kind_connected(feed):
            return
        for signal, receiver in self._receivers.items():
            signal.connect(receiver, sender=feed, weak=False)
        self._facades += 1

    def _kind_connected(self, feed: SocialFeed) -> bool:
        signal = next(iter(self._receivers))
        return any(
            isinstance(getattr(receiver, "__self__", None), type(self))
            for receiver in signal.receivers_for(feed)
        )

    def disconnect(self, feed: SocialFeed) -> None:
        """Stop handling ``feed``'s events."""
        signal, receiver = next(iter(self._receivers.items()))
        was_connected = receiver in signal.receivers_for(feed)
        for signal, receiver in self._receivers.items():
            signal.disconnect(receiver, sender=feed)
        if was_connected:
            self._facades -= 1
        if was_connected and self._facades == 0:
            # blinker keeps a strongly held receiver in the signal's registry after
            # its last sender is disconnected: every disconnected handler would
            # stay alive, and be walked on every send, for the life of the process.
            for signal, receiver in self._receivers.items():
                signal.disconnect(receiver)


class NotificationHandler(_Handler):
    """Notifies on likes, comments, follows (approved requests included) and @mentions.

    What it stores is a function of the events alone, not of when or how
    often they arrive (see "Handlers and timing" in the docs): each
    notification is keyed by what caused it and dated by the event, and the
    rules that depend on later state (blocks, mutes, who may see a post) are
    applied when notifications are read. So in-process receivers, late
    workers, repeats and replays all end with the same notifications.

    Nobody is notified of their own doing. Likes of one post by one person,
    and follows of one person by another, fold into one notification per
    ``quiet_period`` window (windows of one day by default, counted from the
    Unix epoch, UTC), so toggling cannot flood anyone; ``timedelta(0)``
    notifies every one of them.
    """

    def __init__(self, *, quiet_period: timedelta = timedelta(days=1)) -> None:
        if quiet_period < timedelta(0):
            raise ValueError("quiet_period cannot be negative")
        self.quiet_period = quiet_period
        self._receivers = {
            signals.post_liked: self._on_post_liked,
            signals.comment_added: self._on_comment_added,
            signals.user_followed: self._on_user_followed,
            signals.follow_request_approved: self._on_request_approved,
            signals.visibility_changed: self._on_visibility_changed,
            signals.post_created: self._on_post_written,
            signals.post_edited: self._on_post_written,
        }

    def quiet_key(self, event: Event, kind: str, actor_id: int, subject_id: int) -> uuid.UUID:
        """The key of an actor's notifications of a kind about a subject in the event's window.

        Every event of the same actor, kind and subject within one
        ``quiet_period`` window has the same key, so it stores one
        notification, dated by the earliest of them.
        """
        if not self.quiet_period:
            return event.event_id
        window = (event.occurred_at - _EPOCH) // self.quiet_period
        return uuid.uuid5(_KEYS, f"{kind}:{actor_id}:{subject_id}:{window}")

    @staticmethod
    def mention_key(post_id: int) -> uuid.UUID:
        """The key of the mentions in a post and its edits: each user is notified once per post."""
        return uuid.uuid5(_KEYS, f"mention:{post_id}")

    def _on_post_liked(self, feed: SocialFeed, *, event: PostLiked) -> None:
        with suppress(NotFoundError):
            feed.notifications.notify(
                event.user_id,
                recipient_id=event.post_author_id,
                kind="like",
                event_id=self.quiet_key(event, "like", event.user_id, event.post_id),
                post_id=event.post_id,
                occurred_at=event.occurred_at,
            )

    def _on_comment_added(self, feed: SocialFeed, *, event: CommentAdded) -> None:
        with suppress(NotFoundError):
            feed.notifications.notify(
                event.author_id,
                recipient_id=event.post_author_id,
                kind="comment",
                event_id=event.event_id,
                post_id=event.post_id,
                comment_id=event.comment_id,
                occurred_at=event.occurred_at,
            )
        with suppress(NotFoundError):
            # The comment's own key: its post's author, mentioned, is told once.
            feed.notifications.notify_mentions(
                event.author_id,
                event.content,
                event_id=event.event_id,
                post_id=event.post_id,
                comment_id=event.comment_id,
                occurred_at=event.occurred_at,
            )

    def _on_user_followed(self, feed: SocialFeed, *, event: UserFollowed) -> None:
        self._notify_follow(feed, event, event.follower_id, event.followee_id)

    def _on_request_approved(self, feed: SocialFeed, *, event: FollowRequestApproved) -> None:
        self._notify_follow(feed, event, event.requester_id, event.owner_id)

    def _on_visibility_changed(self, feed: SocialFeed, *, event: VisibilityChanged) -> None:
        # Going public approves every pending request: each is a follow.
        for requester_id in event.approved_requester_ids:
            self._notify_follow(feed, event, requester_id, event.user_id)

    def _notify_follow(
        self, feed: SocialFeed, event: Event, follower_id: UserId, followee_id: UserId
    ) -> None:
        with suppress(NotFoundError):
            feed.notifications.notify(
                follower_id,
                recipient_id=followee_id,
                kind="follow",
                event_id=self.quiet_key(event, "follow", follower_id, followee_id),
                occurred_at=event.occurred_at,
            )

    def _on_post_written(self, feed: SocialFeed, *, event: PostCreated | PostEdited) -> None:
        with suppress(NotFoundError):
            feed.notifications.notify_mentions(
                event.author_id,
                event.content,
                event_id=self.mention_key(event.post_id),
                post_id=event.post_id,
                occurred_at=event.occurred_at,
            )


class HashtagHandler(_Handler):
    """Keeps the hashtag index in step with posts, on create and on every edit."""

    def __init__(self) -> None:
        self._receivers = {
            signals.post_created: self._on_post_written,
            signals.post_edited: self._on_post_written,
        }

    def _on_post_written(self, feed: SocialFeed, *, event: PostCreated | PostEdited) -> None:
        with suppress(NotFoundError):
            feed.hashtags.index_post(event.post_id)
