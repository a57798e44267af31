"""Optional handlers that turn signals into notifications and a hashtag index.

Nothing here runs until you connect it to a facade, explicitly:

```python
feed = SocialFeed(storage)
NotificationHandler().connect(feed)
HashtagHandler().connect(feed)
```

Handlers connect with strong references (a receiver defined inside a function
would otherwise vanish with it), listen to that one facade only, and run
after the action committed, each in a transaction of its own. An event
delivered twice stores nothing twice: notifications are unique per event id
and recipient, and the hashtag index is rebuilt from the post's current
content (the second delivery still sends ``hashtags_extracted`` again). An
event about a post, comment or user that was deleted before the handler ran
is skipped (``NotFoundError`` is suppressed).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import suppress
from datetime import timedelta
from typing import TYPE_CHECKING

from blinker import NamedSignal

from socialfeed import signals
from socialfeed.errors import NotFoundError
from socialfeed.events import (
    CommentAdded,
    FollowRequestApproved,
    PostCreated,
    PostEdited,
    PostLiked,
    UserFollowed,
    VisibilityChanged,
)

if TYPE_CHECKING:
    from socialfeed.facade import SocialFeed

__all__ = ["HashtagHandler", "NotificationHandler"]

Receiver = Callable[..., None]


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

    Nobody is notified of their own doing. A like that follows an unlike of
    the same post, or a follow that follows an unfollow, within
    ``quiet_period`` (one day by default) does not notify again, so toggling
    cannot flood anyone.
    """

    def __init__(self, *, quiet_period: timedelta = timedelta(days=1)) -> None:
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

    def _on_post_liked(self, feed: SocialFeed, *, event: PostLiked) -> None:
        with suppress(NotFoundError):
            feed.notifications.notify(
                event.post_author_id,
                event.user_id,
                "like",
                event_id=event.event_id,
                post_id=event.post_id,
                unless_notified_since=event.occurred_at - self.quiet_period,
            )

    def _on_comment_added(self, feed: SocialFeed, *, event: CommentAdded) -> None:
        with suppress(NotFoundError):
            feed.notifications.notify(
                event.post_author_id,
                event.author_id,
                "comment",
                event_id=event.event_id,
                post_id=event.post_id,
                comment_id=event.comment_id,
            )
        with suppress(NotFoundError):
            feed.notifications.notify_mentions(
                event.author_id,
                event.content,
                event_id=event.event_id,
                post_id=event.post_id,
                comment_id=event.comment_id,
            )

    def _on_user_followed(self, feed: SocialFeed, *, event: UserFollowed) -> None:
        with suppress(NotFoundError):
            feed.notifications.notify(
                event.followee_id,
                event.follower_id,
                "follow",
                event_id=event.event_id,
                unless_notified_since=event.occurred_at - self.quiet_period,
            )

    def _on_request_approved(self, feed: SocialFeed, *, event: FollowRequestApproved) -> None:
        with suppress(NotFoundError):
            feed.notifications.notify(
                event.owner_id, event.requester_id, "follow", event_id=event.event_id
            )

    def _on_visibility_changed(self, feed: SocialFeed, *, event: VisibilityChanged) -> None:
        for requester_id in event.approved_requester_ids:
            # One event approves many: each follow gets its own stable id, so a
            # redelivered event still notifies each follower once.
            follow_event_id = uuid.uuid5(event.event_id, str(requester_id))
            with suppress(NotFoundError):
                feed.notifications.notify(
                    event.user_id, requester_id, "follow", event_id=follow_event_id
                )

    def _on_post_written(self, feed: SocialFeed, *, event: PostCreated | PostEdited) -> None:
        with suppress(NotFoundError):
            feed.notifications.notify_mentions(
                event.author_id, event.content, event_id=event.event_id, post_id=event.post_id
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
