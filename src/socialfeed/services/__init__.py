"""The services a :class:`~socialfeed.SocialFeed` facade hands out, one per area."""

from socialfeed.services.accounts import AccountService
from socialfeed.services.comments import CommentService
from socialfeed.services.feed import FeedService
from socialfeed.services.follows import FollowService
from socialfeed.services.likes import LikeService
from socialfeed.services.posts import PostService
from socialfeed.services.users import UserService

__all__ = [
    "AccountService",
    "CommentService",
    "FeedService",
    "FollowService",
    "LikeService",
    "PostService",
    "UserService",
]
