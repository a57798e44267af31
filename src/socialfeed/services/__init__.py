"""The services a `SocialFeed` facade hands out, one per area.

Every method orders its arguments by one rule. An action takes the acting
user first, then what it acts on, then its data:
``comments.add(author_id, post_id, content)``. A read of someone's or
something's object takes the object first and the reader as the
keyword-only ``viewer_id``: ``stories.get(story_id, viewer_id=...)``. A list
of one's own things takes its owner first: ``feed.home(user_id)``. Where two
ids of one kind could be swapped unnoticed, the second is keyword-only
(``notifications.notify(actor_id, recipient_id=..., kind=...)``); ids of
different kinds have different types (`socialfeed.ids`), so a type checker
catches those swapped.
"""

from socialfeed.services.accounts import AccountService
from socialfeed.services.blocks import BlockService, MuteService
from socialfeed.services.comments import CommentService
from socialfeed.services.feed import FeedService
from socialfeed.services.follow_requests import FollowRequestService
from socialfeed.services.follows import FollowService
from socialfeed.services.hashtags import HashtagService
from socialfeed.services.likes import LikeService
from socialfeed.services.maintenance import MaintenanceService
from socialfeed.services.messages import MessageService
from socialfeed.services.notifications import (
    DefaultNotificationRenderer,
    NotificationRenderer,
    NotificationService,
)
from socialfeed.services.outbox import OutboxService, OutboxStatus
from socialfeed.services.posts import PostService
from socialfeed.services.search import SearchService
from socialfeed.services.stories import StoryService
from socialfeed.services.users import UserService

__all__ = [
    "AccountService",
    "BlockService",
    "CommentService",
    "DefaultNotificationRenderer",
    "FeedService",
    "FollowRequestService",
    "FollowService",
    "HashtagService",
    "LikeService",
    "MaintenanceService",
    "MessageService",
    "MuteService",
    "NotificationRenderer",
    "NotificationService",
    "OutboxService",
    "OutboxStatus",
    "PostService",
    "SearchService",
    "StoryService",
    "UserService",
]
