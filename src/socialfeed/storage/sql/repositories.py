"""The SQL unit of work: every repository of one transaction, on one connection.

The repositories are written in SQLAlchemy Core, mostly one or two statements
a method. Counters move with atomic ``UPDATE ... SET n = n + 1`` statements in
the same transaction as the row they count, and inserts that may race use
``ON CONFLICT DO NOTHING``, so concurrent callers end with exact counters and
no duplicate rows without any retry.
"""

from __future__ import annotations

from sqlalchemy import Connection

from socialfeed.storage.sql._content import SQLComments, SQLLikes, SQLPosts
from socialfeed.storage.sql._hashtags import SQLHashtags
from socialfeed.storage.sql._notifications import SQLNotifications
from socialfeed.storage.sql._outbox import SQLOutbox
from socialfeed.storage.sql._people import SQLFollows, SQLSessions, SQLUsers
from socialfeed.storage.sql._receipts import SQLReceipts
from socialfeed.storage.sql._relations import (
    SQLBlocks,
    SQLFollowRequests,
    SQLMaintenance,
    SQLMutes,
)
from socialfeed.storage.sql._social import SQLMessages, SQLStories
from socialfeed.storage.sql._timelines import SQLTimelines, SQLTimelineSources

__all__ = ["SQLUnitOfWork"]


class SQLUnitOfWork:
    """The repositories of one SQL transaction, all on one connection."""

    def __init__(self, conn: Connection) -> None:
        self.users = SQLUsers(conn)
        self.sessions = SQLSessions(conn)
        self.posts = SQLPosts(conn)
        self.comments = SQLComments(conn)
        self.likes = SQLLikes(conn)
        self.follows = SQLFollows(conn)
        self.stories = SQLStories(conn)
        self.messages = SQLMessages(conn)
        self.notifications = SQLNotifications(conn)
        self.hashtags = SQLHashtags(conn)
        self.blocks = SQLBlocks(conn)
        self.mutes = SQLMutes(conn)
        self.follow_requests = SQLFollowRequests(conn)
        self.timelines = SQLTimelines(conn)
        self.timeline_sources = SQLTimelineSources(conn)
        self.outbox = SQLOutbox(conn)
        self.receipts = SQLReceipts(conn)
        self.maintenance = SQLMaintenance(conn)
