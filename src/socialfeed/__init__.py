"""socialfeed: the reusable core of an Instagram-like product.

Build a `SocialFeed` over a storage backend and use its services;
listen to `socialfeed.signals` to react to what happens.
"""

from socialfeed.clock import Clock, ManualClock, SystemClock
from socialfeed.errors import (
    AlreadyFollowingError,
    AuthenticationError,
    BlockedError,
    BrokerError,
    ConflictError,
    NotFollowingError,
    NotFoundError,
    PermissionDeniedError,
    ReceiverError,
    SelfActionError,
    SocialFeedError,
    StorageBusyError,
    StorageConflictError,
    StorageError,
    ValidationError,
    WireFormatError,
)
from socialfeed.facade import SocialFeed
from socialfeed.handlers import HashtagHandler, NotificationHandler
from socialfeed.ids import CommentId, HashtagId, MessageId, NotificationId, PostId, StoryId, UserId
from socialfeed.models import Comment, FeedItem, LikeState, Page, Post, Session, User
from socialfeed.security import PasswordHasher
from socialfeed.settings import Settings

__all__ = [
    "AlreadyFollowingError",
    "AuthenticationError",
    "BlockedError",
    "BrokerError",
    "Clock",
    "Comment",
    "CommentId",
    "ConflictError",
    "FeedItem",
    "HashtagHandler",
    "HashtagId",
    "LikeState",
    "ManualClock",
    "MessageId",
    "NotFollowingError",
    "NotFoundError",
    "NotificationHandler",
    "NotificationId",
    "Page",
    "PasswordHasher",
    "PermissionDeniedError",
    "Post",
    "PostId",
    "ReceiverError",
    "SelfActionError",
    "Session",
    "Settings",
    "SocialFeed",
    "SocialFeedError",
    "StorageBusyError",
    "StorageConflictError",
    "StorageError",
    "StoryId",
    "SystemClock",
    "User",
    "UserId",
    "ValidationError",
    "WireFormatError",
]
