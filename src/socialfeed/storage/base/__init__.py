"""The storage contract: one protocol per repository, grouped by a unit of work.

A backend implements `Storage`. Each action of a service runs inside
one ``storage.transaction()``: a unit of work whose repositories all share
that transaction, committed when the block exits cleanly and rolled back when
it raises. Backends keep the denormalised counters (likes, comments, posts,
followers, following) in step with the rows they count, inside the same
transaction, so a service can never forget one. The contract test suite in
``tests/`` runs every backend against these promises.

The repositories' protocols live in one module per area, as the backends'
modules do: `people`, `content`, `social`, `relations`, `timelines` and
`outbox`. Every name is importable from this package as well.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

from socialfeed.storage.base.content import (
    CommentRepository,
    HashtagRepository,
    LikeRepository,
    PostRepository,
)
from socialfeed.storage.base.outbox import OutboxMessage, OutboxRepository, OutboxWakeups
from socialfeed.storage.base.people import (
    Credentials,
    FollowEntry,
    FollowRepository,
    NewUser,
    SessionRepository,
    UserRepository,
)
from socialfeed.storage.base.receipts import Claim, ReceiptRepository
from socialfeed.storage.base.relations import (
    BlockRepository,
    FollowRequestRepository,
    Interactions,
    MaintenanceRepository,
    MuteEntry,
    MuteRepository,
    RemovedLike,
)
from socialfeed.storage.base.social import (
    MessageRepository,
    NewNotification,
    NotificationGroupRow,
    NotificationRepository,
    NotificationRow,
    StoryRepository,
)
from socialfeed.storage.base.timelines import (
    PulledPosts,
    TimelineEntry,
    TimelineRepository,
    TimelineSourceRepository,
)

# In the order of the areas, rows before the repositories that return them:
# the storage reference lists the contract in this order.
__all__ = [  # noqa: RUF022
    # people
    "NewUser",
    "Credentials",
    "FollowEntry",
    "UserRepository",
    "SessionRepository",
    "FollowRepository",
    # content
    "PostRepository",
    "CommentRepository",
    "LikeRepository",
    "HashtagRepository",
    # social
    "NewNotification",
    "NotificationRow",
    "NotificationGroupRow",
    "StoryRepository",
    "MessageRepository",
    "NotificationRepository",
    # relations
    "MuteEntry",
    "BlockRepository",
    "Interactions",
    "RemovedLike",
    "MuteRepository",
    "FollowRequestRepository",
    "MaintenanceRepository",
    # timelines
    "TimelineEntry",
    "PulledPosts",
    "TimelineRepository",
    "TimelineSourceRepository",
    # outbox
    "OutboxMessage",
    "OutboxRepository",
    "OutboxWakeups",
    # receipts
    "Claim",
    "ReceiptRepository",
    # the unit of work and the storage that opens it
    "UnitOfWork",
    "Storage",
]


class UnitOfWork(Protocol):
    """The repositories of one transaction."""

    @property
    def users(self) -> UserRepository:
        """Users and credentials."""
        ...

    @property
    def sessions(self) -> SessionRepository:
        """Session tokens."""
        ...

    @property
    def posts(self) -> PostRepository:
        """Posts and the home feed."""
        ...

    @property
    def comments(self) -> CommentRepository:
        """Comments."""
        ...

    @property
    def likes(self) -> LikeRepository:
        """Likes."""
        ...

    @property
    def follows(self) -> FollowRepository:
        """Follows."""
        ...

    @property
    def stories(self) -> StoryRepository:
        """Stories and their views."""
        ...

    @property
    def messages(self) -> MessageRepository:
        """Direct messages."""
        ...

    @property
    def notifications(self) -> NotificationRepository:
        """Notifications."""
        ...

    @property
    def hashtags(self) -> HashtagRepository:
        """Hashtags."""
        ...

    @property
    def blocks(self) -> BlockRepository:
        """Blocks."""
        ...

    @property
    def mutes(self) -> MuteRepository:
        """Mutes."""
        ...

    @property
    def follow_requests(self) -> FollowRequestRepository:
        """Follow requests to private accounts."""
        ...

    @property
    def timelines(self) -> TimelineRepository:
        """Precomputed home timelines."""
        ...

    @property
    def timeline_sources(self) -> TimelineSourceRepository:
        """The reads a timeline store outside the database builds its timelines from."""
        ...

    @property
    def outbox(self) -> OutboxRepository:
        """The transactional outbox."""
        ...

    @property
    def receipts(self) -> ReceiptRepository:
        """Which receiver handled which event."""
        ...

    @property
    def maintenance(self) -> MaintenanceRepository:
        """Whole-storage repairs."""
        ...


class Storage(Protocol):
    """A storage backend: where units of work come from."""

    def transaction(self, *, write: bool = True) -> AbstractContextManager[UnitOfWork]:
        """Open one transaction, committed on a clean exit and rolled back on an error.

        ``write=False`` promises that the block only reads, which lets a
        backend take fewer locks. Driver errors leave the block as
        `StorageError` subclasses.
        """
        ...

    def create_schema(self) -> None:
        """Create the tables and indexes this backend needs, if they are missing."""
        ...

    def outbox_wakeups(self) -> OutboxWakeups | None:
        """Return a way for a relay to sleep until events are recorded, or ``None``.

        ``None`` means this storage cannot tell (a relay polls instead);
        each call returns a new listener, which the relay closes.
        """
        ...

    def close(self) -> None:
        """Release connections; the storage cannot be used afterwards."""
        ...
