"""The ids socialfeed hands out, one type per kind of thing they name.

Each is a ``typing.NewType`` over ``int``: at run time an id is the plain
integer, but to a type checker a ``PostId`` is not a ``UserId``, so passing a
post's id where a user's is expected (``likes.like(post.id, alice.id)``) is
an error before the code runs. The ids in the models and events are typed;
an id that comes from elsewhere (a URL, a form, a test) becomes one with
``UserId(int(raw))``, which checks nothing: the services still refuse an
id that names nothing.
"""

from typing import NewType

__all__ = [
    "CommentId",
    "HashtagId",
    "MessageId",
    "NotificationId",
    "PostId",
    "StoryId",
    "UserId",
]

UserId = NewType("UserId", int)
"""The id of a user (``User.id``)."""

PostId = NewType("PostId", int)
"""The id of a post (``Post.id``)."""

CommentId = NewType("CommentId", int)
"""The id of a comment (``Comment.id``)."""

StoryId = NewType("StoryId", int)
"""The id of a story (``Story.id``)."""

MessageId = NewType("MessageId", int)
"""The id of a direct message (``Message.id``)."""

NotificationId = NewType("NotificationId", int)
"""The id of a notification (``Notification.id``)."""

HashtagId = NewType("HashtagId", int)
"""The id of a hashtag (``Hashtag.id``)."""
