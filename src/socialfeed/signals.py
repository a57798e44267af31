"""Every signal socialfeed sends, one per domain action.

Each signal is sent **after** its action's transaction committed, never for an
action that rolled back. The sender is the `SocialFeed`
facade that ran the action, and the only keyword argument is ``event``, a
frozen event from `socialfeed.events`:

```python
from socialfeed import signals
from socialfeed.events import PostLiked

@signals.post_liked.connect
def on_post_liked(sender: object, event: PostLiked) -> None:
    print(f"user {event.user_id} liked post {event.post_id}")
```

Connect with ``signals.post_liked.connect_via(feed)`` to hear one facade
only. Every receiver runs even when another raised; errors are logged on the
``socialfeed`` logger (see ``Settings.raise_receiver_errors``).
"""

from __future__ import annotations

from blinker import NamedSignal, Namespace

from socialfeed import events

__all__ = [
    "ALL_SIGNALS",
    "all_notifications_read",
    "comment_added",
    "comment_deleted",
    "follow_request_approved",
    "follow_request_rejected",
    "follow_request_withdrawn",
    "follow_requested",
    "hashtags_extracted",
    "message_sent",
    "messages_read",
    "notification_created",
    "notification_read",
    "password_changed",
    "post_created",
    "post_deleted",
    "post_edited",
    "post_liked",
    "post_unliked",
    "profile_updated",
    "session_revoked",
    "signal_for",
    "story_created",
    "story_deleted",
    "story_viewed",
    "user_blocked",
    "user_deactivated",
    "user_deleted",
    "user_followed",
    "user_logged_in",
    "user_muted",
    "user_registered",
    "user_unblocked",
    "user_unfollowed",
    "user_unmuted",
    "visibility_changed",
]

_signals = Namespace()

user_registered = _signals.signal(
    "user-registered", doc="A user was created. Event: `UserRegistered`."
)
user_logged_in = _signals.signal("user-logged-in", doc="A user logged in. Event: `UserLoggedIn`.")
password_changed = _signals.signal(
    "password-changed",
    doc="A user changed their password. Event: `PasswordChanged`.",
)
profile_updated = _signals.signal(
    "profile-updated",
    doc="A user's profile changed. Event: `ProfileUpdated`.",
)
user_deactivated = _signals.signal(
    "user-deactivated",
    doc="A user was deactivated. Event: `UserDeactivated`.",
)
user_deleted = _signals.signal(
    "user-deleted",
    doc="A user and all they owned were deleted. Event: `UserDeleted`.",
)
session_revoked = _signals.signal(
    "session-revoked",
    doc="One or all of a user's sessions ended. Event: `SessionRevoked`.",
)
post_created = _signals.signal("post-created", doc="A post was created. Event: `PostCreated`.")
post_edited = _signals.signal("post-edited", doc="A post's content changed. Event: `PostEdited`.")
post_deleted = _signals.signal("post-deleted", doc="A post was deleted. Event: `PostDeleted`.")
comment_added = _signals.signal("comment-added", doc="A comment was added. Event: `CommentAdded`.")
comment_deleted = _signals.signal(
    "comment-deleted",
    doc="A comment was deleted. Event: `CommentDeleted`.",
)
post_liked = _signals.signal("post-liked", doc="A post got a new like. Event: `PostLiked`.")
post_unliked = _signals.signal("post-unliked", doc="A like was taken back. Event: `PostUnliked`.")
user_followed = _signals.signal(
    "user-followed", doc="A user followed another. Event: `UserFollowed`."
)
user_unfollowed = _signals.signal(
    "user-unfollowed",
    doc="A user unfollowed another. Event: `UserUnfollowed`.",
)

story_created = _signals.signal(
    "story-created",
    doc="A story was posted. Event: `StoryCreated`.",
)
story_deleted = _signals.signal(
    "story-deleted",
    doc="A story was deleted. Event: `StoryDeleted`.",
)
story_viewed = _signals.signal(
    "story-viewed",
    doc="A user saw a story for the first time. Event: `StoryViewed`.",
)
message_sent = _signals.signal(
    "message-sent",
    doc="A direct message was sent. Event: `MessageSent`.",
)
messages_read = _signals.signal(
    "messages-read",
    doc="A user read one sender's messages. Event: `MessagesRead`.",
)
notification_created = _signals.signal(
    "notification-created",
    doc="A notification was stored. Event: `NotificationCreated`.",
)
notification_read = _signals.signal(
    "notification-read",
    doc="A notification was marked read. Event: `NotificationRead`.",
)
all_notifications_read = _signals.signal(
    "all-notifications-read",
    doc="A user read all notifications. Event: `AllNotificationsRead`.",
)
hashtags_extracted = _signals.signal(
    "hashtags-extracted",
    doc="A post's hashtags were indexed. Event: `HashtagsExtracted`.",
)

user_blocked = _signals.signal(
    "user-blocked",
    doc="A user blocked another. Event: `UserBlocked`.",
)
user_unblocked = _signals.signal(
    "user-unblocked",
    doc="A user lifted a block. Event: `UserUnblocked`.",
)
user_muted = _signals.signal(
    "user-muted",
    doc="A user muted another. Event: `UserMuted`.",
)
user_unmuted = _signals.signal(
    "user-unmuted",
    doc="A user unmuted another. Event: `UserUnmuted`.",
)
follow_requested = _signals.signal(
    "follow-requested",
    doc="Someone asked to follow. Event: `FollowRequested`.",
)
follow_request_approved = _signals.signal(
    "follow-request-approved",
    doc="A follow request was approved. Event: `FollowRequestApproved`.",
)
follow_request_rejected = _signals.signal(
    "follow-request-rejected",
    doc="A follow request was rejected. Event: `FollowRequestRejected`.",
)
follow_request_withdrawn = _signals.signal(
    "follow-request-withdrawn",
    doc="A request was withdrawn. Event: `FollowRequestWithdrawn`.",
)
visibility_changed = _signals.signal(
    "visibility-changed",
    doc="An account went private or public. Event: `VisibilityChanged`.",
)

_SIGNAL_FOR_EVENT: dict[type[events.Event], NamedSignal] = {
    events.UserRegistered: user_registered,
    events.UserLoggedIn: user_logged_in,
    events.PasswordChanged: password_changed,
    events.ProfileUpdated: profile_updated,
    events.UserDeactivated: user_deactivated,
    events.UserDeleted: user_deleted,
    events.SessionRevoked: session_revoked,
    events.PostCreated: post_created,
    events.PostEdited: post_edited,
    events.PostDeleted: post_deleted,
    events.CommentAdded: comment_added,
    events.CommentDeleted: comment_deleted,
    events.PostLiked: post_liked,
    events.PostUnliked: post_unliked,
    events.UserFollowed: user_followed,
    events.UserUnfollowed: user_unfollowed,
    events.StoryCreated: story_created,
    events.StoryDeleted: story_deleted,
    events.StoryViewed: story_viewed,
    events.MessageSent: message_sent,
    events.MessagesRead: messages_read,
    events.NotificationCreated: notification_created,
    events.NotificationRead: notification_read,
    events.AllNotificationsRead: all_notifications_read,
    events.HashtagsExtracted: hashtags_extracted,
    events.UserBlocked: user_blocked,
    events.UserUnblocked: user_unblocked,
    events.UserMuted: user_muted,
    events.UserUnmuted: user_unmuted,
    events.FollowRequested: follow_requested,
    events.FollowRequestApproved: follow_request_approved,
    events.FollowRequestRejected: follow_request_rejected,
    events.FollowRequestWithdrawn: follow_request_withdrawn,
    events.VisibilityChanged: visibility_changed,
}

ALL_SIGNALS: tuple[NamedSignal, ...] = tuple(_SIGNAL_FOR_EVENT.values())
"""Every signal socialfeed sends, for receivers that want to hear them all."""


def signal_for(event_type: type[events.Event]) -> NamedSignal:
    """Return the signal that carries events of ``event_type``."""
    return _SIGNAL_FOR_EVENT[event_type]
