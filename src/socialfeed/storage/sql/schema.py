"""The tables of the SQL backends, as SQLAlchemy Core metadata.

Uniqueness (usernames, emails, likes, follows) is enforced here, by the
database, so a lost race is caught by a constraint rather than by luck.
Foreign keys cascade, so a deleted row never leaves dangling children; the
repositories still delete children first where counters must be fixed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
    text,
)

__all__ = [
    "blocks",
    "comments",
    "conversations",
    "follow_requests",
    "follows",
    "hashtags",
    "likes",
    "messages",
    "metadata",
    "mutes",
    "notifications",
    "post_hashtags",
    "posts",
    "sessions",
    "stories",
    "story_views",
    "timeline_entries",
    "users",
]


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that always comes back timezone-aware in UTC.

    PostgreSQL stores ``timestamptz``; SQLite has no time zones, so the value
    is stored as naive UTC and the zone is put back on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("socialfeed stores only timezone-aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY,
# and only AUTOINCREMENT (sqlite_autoincrement on the tables below) stops it
# from reusing the id of a deleted last row:
# an app that keeps user ids in its own tables must never see one come back.
Id = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _counter(name: str) -> Column[int]:
    return Column(name, Integer, nullable=False, default=0)


users = Table(
    "socialfeed_users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("username", String(30), nullable=False),
    Column("username_key", String(120), nullable=False, unique=True),
    Column("email", String(254)),
    Column("email_key", String(1000), unique=True),
    # identity_key of the full name, so search is case-insensitive beyond ASCII on SQLite too.
    Column("full_name_key", String(400)),
    Column("password_hash", String(255)),
    Column("full_name", String(100)),
    Column("bio", Text),
    Column("profile_image_url", Text),
    Column("is_active", Boolean, nullable=False, default=True),
    Column("is_private", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
    _counter("post_count"),
    _counter("follower_count"),
    _counter("following_count"),
    sqlite_autoincrement=True,
)

sessions = Table(
    "socialfeed_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Id, ForeignKey(users.c.id, ondelete="CASCADE"), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False, index=True),
)

posts = Table(
    "socialfeed_posts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("author_id", Id, ForeignKey(users.c.id, ondelete="CASCADE"), nullable=False),
    Column("content", Text),
    Column("image_url", Text),
    _counter("like_count"),
    _counter("comment_count"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("edited_at", UTCDateTime),
    CheckConstraint("content IS NOT NULL OR image_url IS NOT NULL", name="has_body"),
    # A user's posts and the pull feed both walk this index newest first.
    Index(None, "author_id", "created_at", "id"),
    sqlite_autoincrement=True,
)

comments = Table(
    "socialfeed_comments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("post_id", Id, ForeignKey(posts.c.id, ondelete="CASCADE"), nullable=False),
    Column("author_id", Id, ForeignKey(users.c.id, ondelete="CASCADE"), nullable=False, index=True),
    Column("content", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "post_id", "created_at", "id"),
    sqlite_autoincrement=True,
)

likes = Table(
    "socialfeed_likes",
    metadata,
    Column("user_id", Id, ForeignKey(users.c.id, ondelete="CASCADE"), primary_key=True),
    Column("post_id", Id, ForeignKey(posts.c.id, ondelete="CASCADE"), primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "post_id"),
)

follows = Table(
    "socialfeed_follows",
    metadata,
    Column("follower_id", Id, ForeignKey(users.c.id, ondelete="CASCADE"), primary_key=True),
    Column("followee_id", Id, ForeignKey(users.c.id, ondelete="CASCADE"), primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("follower_id <> followee_id", name="not_self"),
    Index(None, "follower_id", "created_at"),
    Index(None, "followee_id", "created_at"),
)

stories = Table(
    "socialfeed_stories",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("author_id", Id, ForeignKey(users.c.id, ondelete="CASCADE"), nullable=False),
    Column("content", Text),
    Column("image_url", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    CheckConstraint("content IS NOT NULL OR image_url IS NOT NULL", name="has_body"),
    Index(None, "author_id", "expires_at"),
    sqlite_autoincrement=True,
)

story_views = Table(
    "socialfeed_story_views",
    metadata,
    Column("story_id", Id, ForeignKey(stories.c.id, ondelete="CASCADE"), primary_key=True),
    Column("viewer_id", Id, ForeignKey(users.c.id, ondelete="CASCADE"), primary_key=True),
    Column("viewed_at", UTCDateTime, nullable=False),
    Index(None, "viewer_id"),
)

messages = Table(
    "socialfeed_messages",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("sender_id", Id, ForeignKey(users.c.id, ondelete="CASCADE"), nullable=False),
    Column("receiver_id", Id, ForeignKey(users.c.id, ondelete="CASCADE"), nullable=False),
    # The pair, smaller id first, so one index serves both directions of a conversation.
    Column("low_user_id", Id, nullable=False),
    Column("high_user_id", Id, nullable=False),
    Column("content", Text, nullable=False),
    Column("is_read", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "low_user_id", "high_user_id", "created_at", "id"),
    Index(None, "sender_id"),
    # Unread counts walk only the unread rows. The predicates are spelled as each
    # database receives the queries' NOT is_read (SQLite gets "is_read = 0"),
    # since a partial index is used only when the query repeats its condition.
    Index(
        "ix_socialfeed_messages_unread",
        "receiver_id",
        "sender_id",
        postgresql_where=text("NOT is_read"),
        sqlite_where=text("is_read = 0"),
    ),
    sqlite_autoincrement=True,
)

# One row per participant and conversation: the conversations list is a walk
# of this index instead of a search for the last message of every pair.
conversations = Table(
    "socialfeed_conversations",
    metadata,
    Column("user_id", Id, ForeignKey(users.c.id, ondelete="CASCADE"), primary_key=True),
    Column("other_id", Id, ForeignKey(users.c.id, ondelete="CASCADE"), primary_key=True),
    Column("last_message_id", Id, ForeignKey(messages.c.id, ondelete="CASCADE"), nullable=False),
    Column("last_at", UTCDateTime, nullable=False),
    Index(None, "user_id", "last_at", "other_id"),
)

notifications = Table(
    "socialfeed_notifications",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("recipient_id", Id, ForeignKey(users.c.id, ondelete="CASCADE"), nullable=False),
    Column("actor_id", Id, ForeignKey(users.c.id, ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    # A notification goes with what it refers to, so none ever points at nothing.
    Column("post_id", Id, ForeignKey(posts.c.id, ondelete="CASCADE")),
    Column("comment_id", Id, ForeignKey(comments.c.id, ondelete="CASCADE")),
    Column("event_id", Uuid, nullable=False),
    Column("is_read", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
    # One notification per event and recipient: a redelivered event adds nothing.
    UniqueConstraint("event_id", "recipient_id"),
    Index(None, "recipient_id", "created_at", "id"),
    Index(None, "actor_id"),
    Index(None, "post_id"),
    Index(None, "comment_id"),
    Index(
        "ix_socialfeed_notifications_unread",
        "recipient_id",
        postgresql_where=text("NOT is_read"),
        sqlite_where=text("is_read = 0"),
    ),
    sqlite_autoincrement=True,
)

hashtags = Table(
    "socialfeed_hashtags",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    _counter("post_count"),
    # Prefix search (name LIKE 'ab%') can use this index on PostgreSQL.
    Index(
        "ix_socialfeed_hashtags_name_pattern", "name", postgresql_ops={"name": "text_pattern_ops"}
    ),
    sqlite_autoincrement=True,
)

post_hashtags = Table(
    "socialfeed_post_hashtags",
    metadata,
    Column("hashtag_id", Id, ForeignKey(hashtags.c.id, ondelete="CASCADE"), primary_key=True),
    Column("post_id", Id, ForeignKey(posts.c.id, ondelete="CASCADE"), primary_key=True),
    # The post's creation time, copied so a tag's page is one index walk.
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "hashtag_id", "created_at", "post_id"),
    Index(None, "post_id"),
    Index(None, "created_at"),
)

blocks = Table(
    "socialfeed_blocks",
    metadata,
    Column("blocker_id", Id, ForeignKey(users.c.id, ondelete="CASCADE"), primary_key=True),
    Column("blocked_id", Id, ForeignKey(users.c.id, ondelete="CASCADE"), primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("blocker_id <> blocked_id", name="not_self"),
    # Visibility checks look a pair up in both directions.
    Index(None, "blocked_id", "blocker_id"),
    Index(None, "blocker_id", "created_at"),
)

mutes = Table(
    "socialfeed_mutes",
    metadata,
    Column("muter_id", Id, ForeignKey(users.c.id, ondelete="CASCADE"), primary_key=True),
    Column("muted_id", Id, ForeignKey(users.c.id, ondelete="CASCADE"), primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("until", UTCDateTime),
    CheckConstraint("muter_id <> muted_id", name="not_self"),
    Index(None, "muted_id"),
    Index(None, "muter_id", "created_at"),
)

follow_requests = Table(
    "socialfeed_follow_requests",
    metadata,
    Column("requester_id", Id, ForeignKey(users.c.id, ondelete="CASCADE"), primary_key=True),
    Column("owner_id", Id, ForeignKey(users.c.id, ondelete="CASCADE"), primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("requester_id <> owner_id", name="not_self"),
    Index(None, "owner_id", "created_at"),
    Index(None, "requester_id", "created_at"),
)

# The precomputed home timelines of the push and hybrid feed strategies: one
# row per post a user's feed holds. The author and time are copied from the
# post so that a page is one walk of the (owner_id, created_at, post_id) index
# and an unfollow finds its rows without the posts table. Rows go with their
# owner or their post by cascade; author_id needs no key of its own, since an
# author's posts (and so their rows) go with the author.
timeline_entries = Table(
    "socialfeed_timeline_entries",
    metadata,
    Column("owner_id", Id, ForeignKey(users.c.id, ondelete="CASCADE"), primary_key=True),
    Column("post_id", Id, ForeignKey(posts.c.id, ondelete="CASCADE"), primary_key=True),
    Column("author_id", Id, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "owner_id", "created_at", "post_id"),
    # The cascade from a deleted post looks its rows up by post.
    Index(None, "post_id"),
)

# The transactional outbox. No foreign keys: an event outlives the rows it
# names (a deleted post's event must still be relayed). AUTOINCREMENT on
# SQLite so that an id is never reused after a purge emptied the table: the
# ids are the order of the stream.
receipts = Table(
    "socialfeed_receipts",
    metadata,
    # Which receiver (by the name it was given) handled which event: claimed
    # until a time while it runs, complete (no end) once it returned.
    Column("receiver", String(200), primary_key=True),
    Column("event_id", Uuid, primary_key=True),
    Column("handled_at", UTCDateTime, nullable=False),
    Column("claimed_until", UTCDateTime),
    Index(None, "handled_at"),
)

outbox = Table(
    "socialfeed_outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("data", Text, nullable=False),
    Column("published", Boolean, nullable=False),
    Column("delivered", Boolean, nullable=False),
    # Until when a relay holds the row to publish it (its lease); NULL when
    # no relay does. Marking the row published ends the claim.
    Column("claimed_until", UTCDateTime, nullable=True),
    # The relay and the redelivery each walk only the rows still waiting for
    # them, and the relay looks for a live claim among the rows in flight:
    # partial indexes stay small however long the outbox is kept.
    Index(
        "ix_socialfeed_outbox_unpublished",
        "id",
        postgresql_where=text("NOT published"),
        sqlite_where=text("published = 0"),
    ),
    Index(
        "ix_socialfeed_outbox_undelivered",
        "id",
        postgresql_where=text("NOT delivered"),
        sqlite_where=text("delivered = 0"),
    ),
    Index(
        "ix_socialfeed_outbox_claimed",
        "claimed_until",
        postgresql_where=text("claimed_until IS NOT NULL"),
        sqlite_where=text("claimed_until IS NOT NULL"),
    ),
    sqlite_autoincrement=True,
)
