"""The facade an application builds once: storage, clock, hasher and settings, wired."""

from __future__ import annotations

from sqlalchemy.engine import URL

from socialfeed.clock import Clock, SystemClock
from socialfeed.outbox.delivery import Delivery
from socialfeed.security import PasswordHasher
from socialfeed.services import (
    AccountService,
    BlockService,
    CommentService,
    DefaultNotificationRenderer,
    FeedService,
    FollowRequestService,
    FollowService,
    HashtagService,
    LikeService,
    MaintenanceService,
    MessageService,
    MuteService,
    NotificationRenderer,
    NotificationService,
    OutboxService,
    PostService,
    SearchService,
    StoryService,
    UserService,
)
from socialfeed.services._context import Context
from socialfeed.settings import Settings
from socialfeed.storage.base import Storage
from socialfeed.storage.sql import SQLStorage
from socialfeed.timelines import TimelineStore

__all__ = ["SocialFeed"]


class SocialFeed:
    """One socialfeed instance: every service, over one storage.

    Build one per application (or per test) and keep it; services are
    attributes. ``notification_renderer`` replaces the English notification
    messages. It is the sender of every signal it causes, so receivers can
    listen to this instance only with ``signal.connect_via(feed)``:

    ```python
    from socialfeed import SocialFeed
    from socialfeed.storage import MemoryStorage

    feed = SocialFeed(MemoryStorage())
    alice = feed.accounts.create_profile("alice")
    feed.posts.create(alice.id, content="hello")
    ```
    """

    def __init__(
        self,
        storage: Storage,
        *,
        settings: Settings | None = None,
        clock: Clock | None = None,
        password_hasher: PasswordHasher | None = None,
        notification_renderer: NotificationRenderer | None = None,
        timeline_store: TimelineStore | None = None,
    ) -> None:
        self.storage = storage
        self.settings = settings or Settings()
        self.clock = clock or SystemClock()
        self.delivery = Delivery(self, storage, self.settings, self.clock, timeline_store)
        context = Context(
            sender=self,
            storage=storage,
            settings=self.settings,
            clock=self.clock,
            delivery=self.delivery,
            timeline_store=timeline_store,
        )
        self.accounts = AccountService(context, password_hasher or PasswordHasher())
        self.users = UserService(context)
        self.posts = PostService(context)
        self.comments = CommentService(context)
        self.likes = LikeService(context)
        self.follows = FollowService(context)
        self.feed = FeedService(context)
        self.stories = StoryService(context)
        self.messages = MessageService(context)
        self.notifications = NotificationService(
            context, notification_renderer or DefaultNotificationRenderer()
        )
        self.hashtags = HashtagService(context)
        self.search = SearchService(context)
        self.blocks = BlockService(context)
        self.mutes = MuteService(context)
        self.follow_requests = FollowRequestService(context)
        self.maintenance = MaintenanceService(context)
        self.outbox = OutboxService(context)

    @classmethod
    def from_url(
        cls,
        url: str | URL = "sqlite:///socialfeed.db",
        *,
        create_schema: bool = True,
        settings: Settings | None = None,
        clock: Clock | None = None,
        password_hasher: PasswordHasher | None = None,
        timeline_store: TimelineStore | None = None,
    ) -> SocialFeed:
        """Build a facade on a SQL database, by default an SQLite file in the working directory.

        With ``create_schema`` the missing tables are created first.
        """
        storage = SQLStorage.from_url(url)
        if create_schema:
            storage.create_schema()
        return cls(
            storage,
            settings=settings,
            clock=clock,
            password_hasher=password_hasher,
            timeline_store=timeline_store,
        )

    def close(self) -> None:
        """Release the storage's connections."""
        self.storage.close()
