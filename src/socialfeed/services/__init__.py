"""The services a `SocialFeed` facade hands out, one per area."""

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
