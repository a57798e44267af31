"""The storage contract: one protocol per repository, grouped by a unit of work.

A backend implements `Storage`. Each action of a service runs inside
one ``storage.transaction()``: a unit of work whose repositories all share
that transaction, committed when the block exits cleanly and rolled back when
it raises. Backends keep the denormalised counters (likes, comments, posts,
followers, following) in step with the rows they count, inside the same
transaction, so a service can never forget one. The contract test suite in
``tests/`` runs every backend against these promises.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol

from attrs import frozen

from socialfeed.models import (
    Comment,
    Conversation,
    FeedItem,
    Hashtag,
    Message,
    NotificationKind,
    Post,
    Story,
    StoryItem,
    StoryViewer,
    TrendingHashtag,
    User,
)
from socialfeed.pagination import PageRequest, Position

__all__ = [
    "CommentRepository",
    "Credentials",
    "FollowEntry",
    "FollowRepository",
    "HashtagRepository",
    "LikeRepository",
    "MaintenanceRepository",
    "MessageRepository",
    "MuteEntry",
    "NewNotification",
    "NewUser",
    "NotificationGroupRow",
    "NotificationRepository",
    "NotificationRow",
    "OutboxMessage",
    "OutboxRepository",
    "OutboxWakeups",
    "PostRepository",
    "PulledPosts",
    "RelationRepository",
    "SessionRepository",
    "Storage",
    "StoryRepository",
    "TimelineEntry",
    "TimelineRepository",
    "UnitOfWork",
    "UserRepository",
]


@frozen(repr=False)
class NewUser:
    """A user to insert, with its uniqueness keys already computed."""

    username: str
    username_key: str
    email: str | None
    email_key: str | None
    password_hash: str | None
    full_name: str | None
    created_at: datetime

    def __repr__(self) -> str:
        return f"NewUser(username={self.username!r})"


@frozen(repr=False)
class Credentials:
    """What login needs to know about an account. Kept out of every public model."""

    user_id: int
    password_hash: str | None
    is_active: bool

    def __repr__(self) -> str:
        return f"Credentials(user_id={self.user_id!r}, is_active={self.is_active!r})"


@frozen
class FollowEntry:
    """One row of a followers or following list: the other user and when the follow began."""

    user: User
    followed_at: datetime


@frozen
class NewNotification:
    """A notification to store, keyed by the event that caused it."""

    recipient_id: int
    actor_id: int
    kind: NotificationKind
    post_id: int | None
    comment_id: int | None
    event_id: uuid.UUID
    created_at: datetime


@frozen
class NotificationRow:
    """A stored notification, before its message is rendered."""

    id: int
    recipient_id: int
    actor_id: int
    actor_username: str
    kind: NotificationKind
    post_id: int | None
    comment_id: int | None
    is_read: bool
    created_at: datetime


@frozen
class NotificationGroupRow:
    """Notifications of one kind about one post (``post_id`` None: all follows).

    ``latest_id`` (the newest notification's id) breaks ties in the group order.
    """

    kind: NotificationKind
    post_id: int | None
    actor_usernames: tuple[str, ...]
    total: int
    unread: bool
    latest_at: datetime
    latest_id: int


@frozen
class MuteEntry:
    """One row of a mutes list: the muted user, since when, and until when."""

    user: User
    muted_at: datetime
    until: datetime | None


class UserRepository(Protocol):
    """Users, their credentials and their counters."""

    def add(self, new: NewUser) -> User:
        """Insert a user. A taken username or email raises ConflictError naming the field."""
        ...

    def get(self, user_id: int) -> User | None:
        """Return the user, or ``None``."""
        ...

    def get_by_username(self, username_key: str) -> User | None:
        """Return the user whose username key is ``username_key``, or ``None``."""
        ...

    def email_taken(self, email_key: str) -> bool:
        """Tell whether a user has this email key."""
        ...

    def username_taken(self, username_key: str) -> bool:
        """Tell whether a user has this username key."""
        ...

    def ids_by_username(self, username_keys: Collection[str]) -> dict[str, int]:
        """Map each username key that names a user to that user's id, in one lookup."""
        ...

    def search(self, query_key: str, limit: int, offset: int, viewer_id: int | None) -> list[User]:
        """Find users whose username key or full-name key contains ``query_key``.

        Matches at the start of either come first, then the rest; each part is
        ordered by username key. ``query_key`` is matched literally. Users with
        a block between them and the viewer are left out.
        """
        ...

    def credentials(self, user_id: int) -> Credentials | None:
        """Return the credentials of a user, or ``None``."""
        ...

    def credentials_for_login(self, login_key: str) -> Credentials | None:
        """Return the credentials of the user whose email key or username key matches."""
        ...

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        """Replace a user's password hash."""
        ...

    def update_profile(self, user_id: int, changes: Mapping[str, str | None]) -> User:
        """Set ``full_name``, ``bio`` and/or ``profile_image_url`` and return the user.

        A new ``full_name`` also updates the key that search matches it by.
        """
        ...

    def deactivate(self, user_id: int) -> None:
        """Mark a user inactive."""
        ...

    def set_private(self, user_id: int, is_private: bool) -> None:
        """Make an account private or public."""
        ...

    def delete(self, user_id: int) -> None:
        """Erase a user and all that is theirs, fixing every counter it touched.

        Their posts (with those posts' comments, likes, hashtag links and
        notifications), their comments and likes on other posts, their follows
        in both directions, stories and story views, the messages they sent and
        received, the notifications they caused or received, their blocks,
        mutes and follow requests both ways, and their sessions all go.
        """
        ...


class SessionRepository(Protocol):
    """Session tokens, stored only as hashes."""

    def add(
        self, user_id: int, token_hash: str, created_at: datetime, expires_at: datetime
    ) -> None:
        """Store a new session."""
        ...

    def user_id_for(self, token_hash: str, now: datetime) -> int | None:
        """Return the user of an unexpired session of an active user, or ``None``."""
        ...

    def delete(self, token_hash: str) -> int | None:
        """Delete one session and return its user id, or ``None`` if there was none."""
        ...

    def delete_for_user(self, user_id: int) -> int:
        """Delete every session of a user and return how many there were."""
        ...

    def delete_expired(self, now: datetime) -> int:
        """Delete every session that expired at or before ``now``; return how many."""
        ...


class PostRepository(Protocol):
    """Posts, the author's post count, and the home feed."""

    def add(
        self, author_id: int, content: str | None, image_url: str | None, created_at: datetime
    ) -> Post:
        """Insert a post and count it on its author."""
        ...

    def get(self, post_id: int) -> Post | None:
        """Return the post, or ``None``."""
        ...

    def set_content(self, post_id: int, content: str | None, edited_at: datetime) -> Post:
        """Replace a post's content and return it."""
        ...

    def delete(self, post_id: int) -> None:
        """Delete a post with its comments, likes, hashtag links and notifications.

        The author's post count and the hashtags' post counts go down.
        """
        ...

    def by_author(self, author_id: int, page: PageRequest) -> list[Post]:
        """Return up to ``page.limit + 1`` of an author's posts, newest first."""
        ...

    def home_feed(self, viewer_id: int, page: PageRequest, now: datetime) -> list[FeedItem]:
        """Return up to ``page.limit + 1`` posts of the viewer and their followees, newest first.

        Authors the viewer has muted (a mute still running at ``now``) are left out.
        """
        ...


class CommentRepository(Protocol):
    """Comments and their posts' comment counts."""

    def add(self, post_id: int, author_id: int, content: str, created_at: datetime) -> Comment:
        """Insert a comment and count it on its post."""
        ...

    def get(self, comment_id: int) -> Comment | None:
        """Return the comment, or ``None``."""
        ...

    def delete(self, comment_id: int) -> None:
        """Delete a comment with its notifications, and uncount it on its post."""
        ...

    def for_post(self, post_id: int, page: PageRequest, viewer_id: int | None) -> list[Comment]:
        """Return up to ``page.limit + 1`` comments of a post, newest first.

        Comments by users with a block between them and the viewer are left out.
        """
        ...


class LikeRepository(Protocol):
    """Likes and their posts' like counts."""

    def add(self, user_id: int, post_id: int, created_at: datetime) -> int | None:
        """Like a post; return its new like count, or ``None`` if the like already existed."""
        ...

    def remove(self, user_id: int, post_id: int) -> int | None:
        """Unlike a post; return its new like count, or ``None`` if there was no like."""
        ...

    def liked_post_ids(self, user_id: int, post_ids: Collection[int]) -> set[int]:
        """Return which of ``post_ids`` the user likes, in one lookup."""
        ...

    def likers(self, post_id: int, page: PageRequest, viewer_id: int | None) -> list[FollowEntry]:
        """Return up to ``page.limit + 1`` users who like a post, the latest like first.

        Users with a block between them and the viewer are left out.
        """
        ...


class FollowRepository(Protocol):
    """Follows and the follower and following counts."""

    def add(self, follower_id: int, followee_id: int, created_at: datetime) -> bool:
        """Create a follow and count it on both users; ``False`` if it already existed."""
        ...

    def remove(self, follower_id: int, followee_id: int) -> bool:
        """Remove a follow and uncount it; ``False`` if there was none."""
        ...

    def exists(self, follower_id: int, followee_id: int) -> bool:
        """Tell whether ``follower_id`` follows ``followee_id``."""
        ...

    def followers(
        self, user_id: int, page: PageRequest, viewer_id: int | None
    ) -> list[FollowEntry]:
        """Return up to ``page.limit + 1`` followers of a user, newest follow first.

        Users with a block between them and the viewer are left out.
        """
        ...

    def following(
        self, user_id: int, page: PageRequest, viewer_id: int | None
    ) -> list[FollowEntry]:
        """Return up to ``page.limit + 1`` users a user follows, newest follow first.

        Users with a block between them and the viewer are left out.
        """
        ...


class StoryRepository(Protocol):
    """Stories and who saw them."""

    def add(
        self,
        author_id: int,
        content: str | None,
        image_url: str | None,
        created_at: datetime,
        expires_at: datetime,
    ) -> Story:
        """Insert a story."""
        ...

    def get(self, story_id: int) -> Story | None:
        """Return the story, expired or not, or ``None``."""
        ...

    def delete(self, story_id: int) -> None:
        """Delete a story and its views."""
        ...

    def active_by_author(self, author_id: int, now: datetime) -> list[Story]:
        """Return an author's stories that expire after ``now``, newest first."""
        ...

    def feed(self, viewer_id: int, now: datetime) -> list[StoryItem]:
        """Return the active stories of the viewer and their followees, newest first.

        Authors the viewer has muted (a mute still running at ``now``) are left out.
        """
        ...

    def add_view(self, story_id: int, viewer_id: int, viewed_at: datetime) -> bool:
        """Record a view; ``False`` if this viewer had already seen the story."""
        ...

    def viewers(self, story_id: int, page: PageRequest, viewer_id: int) -> list[StoryViewer]:
        """Return up to ``page.limit + 1`` viewers of a story, most recent first.

        Users with a block between them and ``viewer_id`` (the one asking) are left out.
        """
        ...


class MessageRepository(Protocol):
    """Direct messages and the per-user conversations list."""

    def add(self, sender_id: int, receiver_id: int, content: str, created_at: datetime) -> Message:
        """Insert a message and make it the last one of the conversation for both users."""
        ...

    def conversation(self, user_id: int, other_id: int, page: PageRequest) -> list[Message]:
        """Return up to ``page.limit + 1`` messages between two users, newest first."""
        ...

    def conversations(self, user_id: int, page: PageRequest) -> list[Conversation]:
        """Return up to ``page.limit + 1`` conversations of a user, most recent first.

        The cursor position of a conversation is its last message's time and the
        other user's id.
        """
        ...

    def mark_read(self, reader_id: int, sender_id: int) -> int:
        """Mark every unread message from ``sender_id`` to ``reader_id`` read; return how many."""
        ...

    def unread_count(self, user_id: int) -> int:
        """Count the unread messages sent to a user."""
        ...


class NotificationRepository(Protocol):
    """Notifications. They go with the post, comment or user they refer to."""

    def add(self, new: NewNotification) -> NotificationRow | None:
        """Store a notification; ``None`` if this event already notified this recipient."""
        ...

    def exists_since(
        self,
        recipient_id: int,
        actor_id: int,
        kind: NotificationKind,
        post_id: int | None,
        since: datetime,
    ) -> bool:
        """Tell whether such a notification was created at or after ``since``."""
        ...

    def get(self, notification_id: int) -> NotificationRow | None:
        """Return the notification, or ``None``."""
        ...

    def for_recipient(self, recipient_id: int, page: PageRequest) -> list[NotificationRow]:
        """Return up to ``page.limit + 1`` notifications of a user, newest first."""
        ...

    def groups(
        self, recipient_id: int, page: PageRequest, actors_per_group: int
    ) -> list[NotificationGroupRow]:
        """Return up to ``page.limit + 1`` groups, the one with the newest notification first.

        A group is one kind about one post (follows: one group). The cursor
        position of a group is ``(latest_at, latest_id)``.
        """
        ...

    def unread_count(self, recipient_id: int) -> int:
        """Count a user's unread notifications."""
        ...

    def mark_read(self, notification_id: int) -> bool:
        """Mark one notification read; ``False`` if it already was."""
        ...

    def mark_all_read(self, recipient_id: int) -> int:
        """Mark all of a user's notifications read; return how many were unread."""
        ...

    def delete_from(self, actor_id: int, recipient_id: int) -> int:
        """Delete every notification ``actor_id`` caused ``recipient_id``; return how many."""
        ...


class HashtagRepository(Protocol):
    """Hashtags, the posts that carry them, and their post counts."""

    def set_post_tags(self, post_id: int, names: Sequence[str]) -> None:
        """Make ``names`` the post's hashtags, creating tags and fixing counts as needed."""
        ...

    def get(self, name: str) -> Hashtag | None:
        """Return the hashtag with this (normalised) name, or ``None``."""
        ...

    def posts(self, hashtag_id: int, page: PageRequest, viewer_id: int | None) -> list[Post]:
        """Return up to ``page.limit + 1`` posts carrying a hashtag that the viewer may see.

        Newest first. Posts of private authors the viewer does not follow, and
        of authors with a block between them and the viewer, are left out.
        """
        ...

    def search(self, prefix: str, limit: int) -> list[Hashtag]:
        """Return hashtags that start with ``prefix`` (literally) and that some post carries.

        The most used come first, then by name.
        """
        ...

    def trending(self, since: datetime, limit: int) -> list[TrendingHashtag]:
        """Return the hashtags most used by posts created at or after ``since``."""
        ...


class RelationRepository(Protocol):
    """Blocks, mutes and follow requests between two users."""

    def block(self, blocker_id: int, blocked_id: int, created_at: datetime) -> bool:
        """Record a block; ``False`` if it already existed."""
        ...

    def unblock(self, blocker_id: int, blocked_id: int) -> bool:
        """Lift a block; ``False`` if there was none."""
        ...

    def blocking(self, blocker_id: int, blocked_id: int) -> bool:
        """Tell whether ``blocker_id`` blocks ``blocked_id``."""
        ...

    def can_see(self, viewer_id: int, owner_id: int) -> bool:
        """Tell whether the viewer may see the owner's content, in one lookup.

        The owner always; nobody across a block; a private account's content
        only its approved followers; anyone else's content everyone. False
        when the owner does not exist.
        """
        ...

    def blocks(self, blocker_id: int, page: PageRequest) -> list[FollowEntry]:
        """Return up to ``page.limit + 1`` users a user blocks, the latest block first."""
        ...

    def mute(
        self, muter_id: int, muted_id: int, created_at: datetime, until: datetime | None
    ) -> None:
        """Mute a user, or change until when an existing mute runs."""
        ...

    def unmute(self, muter_id: int, muted_id: int) -> bool:
        """Lift a mute; ``False`` if there was none."""
        ...

    def muting(self, muter_id: int, muted_id: int, now: datetime) -> bool:
        """Tell whether a mute of ``muted_id`` by ``muter_id`` runs at ``now``."""
        ...

    def blocked_or_muted(self, user_id: int, other_id: int, now: datetime) -> bool:
        """Tell whether either user blocks the other or ``user_id`` mutes ``other_id``.

        One lookup: the check before notifying ``user_id`` of what ``other_id`` did.
        """
        ...

    def mutes(self, muter_id: int, now: datetime, page: PageRequest) -> list[MuteEntry]:
        """Return up to ``page.limit + 1`` mutes running at ``now``, the latest first."""
        ...

    def request(self, requester_id: int, owner_id: int, created_at: datetime) -> bool:
        """Record a follow request; ``False`` if it already existed."""
        ...

    def remove_request(self, requester_id: int, owner_id: int) -> bool:
        """Remove a follow request; ``False`` if there was none."""
        ...

    def requests_to(self, owner_id: int, page: PageRequest) -> list[FollowEntry]:
        """Return up to ``page.limit + 1`` users asking to follow ``owner_id``, latest first."""
        ...

    def requests_from(self, requester_id: int, page: PageRequest) -> list[FollowEntry]:
        """Return up to ``page.limit + 1`` users ``requester_id`` asked to follow, latest first."""
        ...

    def requester_ids(self, owner_id: int) -> list[int]:
        """Return everyone with a pending request to ``owner_id``, oldest request first."""
        ...


@frozen
class TimelineEntry:
    """One post of a timeline: its id, its author, and its time (which orders the feed)."""

    post_id: int
    author_id: int
    created_at: datetime


@frozen
class PulledPosts:
    """The part of a hybrid feed read from the posts rather than from the timeline.

    The viewer's followees with ``min_followers`` followers or more are
    pulled, and so are those in ``also`` whatever their count (a store
    outside the database names the authors it never pushed to). At most
    ``limit`` of their posts older than ``after`` are read; with a limit of 0
    their timeline entries are only left out.
    """

    min_followers: int
    also: tuple[int, ...]
    after: Position | None
    limit: int


class TimelineRepository(Protocol):
    """Precomputed home timelines: which posts each user's feed holds (push and hybrid feeds).

    A timeline holds post ids with their author and time, never the posts
    themselves: every read joins the live posts, so an edit, a like or a
    deletion shows at once, and mutes apply at read time. The SQL backends
    keep timelines in a table whose rows go with their post or owner through
    ON DELETE CASCADE. A `socialfeed.timelines.TimelineStore` keeps them
    outside the database instead: it reads what it needs through the last
    four methods, and the database's timelines stay empty.
    """

    def fan_out(
        self, post_id: int, author_id: int, created_at: datetime, pulled_from: int | None
    ) -> int:
        """Add a new post to its author's timeline and to every follower's, in bulk.

        When the author has ``pulled_from`` followers or more, only the author's
        own timeline gets it (hybrid: such posts are pulled at read time).
        Return how many timelines got the post.
        """
        ...

    def backfill(self, owner_id: int, author_id: int, limit: int) -> int:
        """Copy the author's ``limit`` newest posts into the owner's timeline.

        Posts already there are skipped. Return how many were added.
        """
        ...

    def backfill_followers(self, author_id: int, limit: int) -> int:
        """Copy the author's ``limit`` newest posts into every follower's timeline, in bulk.

        Posts already there are skipped. Return how many entries were added.
        """
        ...

    def purge(self, owner_id: int, author_id: int) -> int:
        """Remove the author's posts from the owner's timeline; return how many went."""
        ...

    def rebuild(self, owner_id: int, limit: int) -> int:
        """Regenerate the owner's timeline from the posts.

        It gets the ``limit`` newest posts of the owner and of each followee,
        and nothing else. Return how many entries it was given.
        """
        ...

    def owners_after(self, after_id: int, limit: int) -> list[int]:
        """Return up to ``limit`` user ids above ``after_id``, smallest first."""
        ...

    def followees_with_followers(self, follower_id: int, follower_count: int) -> list[int]:
        """Return the followees of ``follower_id`` who have exactly ``follower_count`` followers."""
        ...

    def home_feed(
        self, viewer_id: int, page: PageRequest, now: datetime, pulled_from: int | None
    ) -> list[FeedItem]:
        """Return up to ``page.limit + 1`` posts of the viewer's timeline, newest first.

        The same items, in the same order, as `PostRepository.home_feed` when
        the timeline is complete: authors the viewer has muted (a mute still
        running at ``now``) are left out. With ``pulled_from`` (hybrid),
        followees with that many followers or more are read from their posts
        instead, and their entries in the timeline are ignored, so that no post
        shows twice.
        """
        ...

    def follower_ids(self, author_id: int) -> list[int]:
        """Return the ids of everyone who follows the author, smallest first."""
        ...

    def newest_entries(self, author_id: int, limit: int) -> list[TimelineEntry]:
        """Return the author's ``limit`` newest posts as timeline entries, newest first."""
        ...

    def rebuild_entries(self, owner_id: int, per_author: int, limit: int) -> list[TimelineEntry]:
        """Return the ``limit`` newest entries of the owner's timeline as `rebuild` makes it.

        That timeline holds the ``per_author`` newest posts of the owner and
        of each followee; these are its newest ``limit`` entries, newest first.
        """
        ...

    def feed_items(
        self, viewer_id: int, post_ids: Sequence[int], now: datetime, pulled: PulledPosts | None
    ) -> list[FeedItem]:
        """Return the posts among ``post_ids`` that the viewer's home feed shows, newest first.

        The feed's rules are applied again, at read time, as
        `PostRepository.home_feed` applies them: the post still exists, its
        author is the viewer or a followee (which rules out blocks, and
        private accounts that did not approve the viewer), and the viewer has
        no mute of the author running at ``now``. So an id left in a timeline
        by a late or lost update never shows a post the pull feed would not.
        With ``pulled`` (hybrid), ids of pulled authors are left out and their
        newest posts are merged in, as `PulledPosts` says.
        """
        ...


@frozen
class OutboxMessage:
    """One event in the outbox: its row id (the order it was recorded in) and its wire form."""

    id: int
    data: str


class OutboxRepository(Protocol):
    """The transactional outbox: the events of committed actions, kept until relayed.

    Each row carries two marks: *published* (a relay handed it to the broker)
    and *delivered* (this application's own receivers saw it).
    """

    def add(self, data: Sequence[str], created_at: datetime, *, delivered: bool) -> list[int]:
        """Record events (in wire form) and return their ids, in order.

        Rows are numbered in the order they are added; on PostgreSQL the
        insert also notifies a listening relay when the transaction commits.
        """
        ...

    def unpublished(self, limit: int, *, hold: bool = True) -> list[OutboxMessage]:
        """Return up to ``limit`` rows not yet published, oldest first, and hold them.

        The transaction that calls it has the outbox to itself for the
        relay's purposes until it ends: a second relay waits, then sees the
        rows the first marked published, so no row is published twice by two
        relays. Writers of new rows are not held up. ``hold=False`` only
        looks, without waiting for a relay that holds them.
        """
        ...

    def mark_published(self, ids: Sequence[int]) -> None:
        """Mark rows as handed to the broker."""
        ...

    def undelivered(
        self, recorded_before: datetime, after_id: int, limit: int
    ) -> list[OutboxMessage]:
        """Return up to ``limit`` undelivered rows recorded before the time, above ``after_id``.

        Oldest first; the id is the cursor of a walk over them.
        """
        ...

    def mark_delivered(self, ids: Sequence[int]) -> None:
        """Mark rows as seen by this application's receivers."""
        ...

    def counts(self) -> tuple[int, int]:
        """Return how many rows wait to be published and how many to be delivered."""
        ...

    def purge(self, recorded_before: datetime) -> int:
        """Delete rows published and delivered that were recorded before the time."""
        ...


class OutboxWakeups(Protocol):
    """Tells a relay that a commit may have recorded outbox events."""

    def wait(self, timeout: float) -> None:
        """Return when a commit may have recorded events, or after ``timeout`` seconds."""
        ...

    def close(self) -> None:
        """Stop listening and release what listening held."""
        ...


class MaintenanceRepository(Protocol):
    """Repairs that look at every row."""

    def reconcile_counters(self) -> int:
        """Recompute every denormalised counter from the rows; return how many were wrong."""
        ...


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
    def relations(self) -> RelationRepository:
        """Blocks, mutes and follow requests."""
        ...

    @property
    def timelines(self) -> TimelineRepository:
        """Precomputed home timelines."""
        ...

    @property
    def outbox(self) -> OutboxRepository:
        """The transactional outbox."""
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
