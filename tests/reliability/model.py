"""A reference model of one socialfeed: plain dicts and sets of what should exist.

The state machine in ``test_model.py`` applies every successful action to this
model as well, then compares what the library answers with what the model
predicts. The model knows the rules (visibility, blocks, mutes, follow
requests, notifications, erasure) but nothing about storage, so a backend
that forgets a case disagrees with it.

Time is exact at the granularity that matters: the model's ``now`` moves
only when the machine moves the clock. With a clock that stands still, every
row written in between carries that time and lists break the ties by id; with
a ticking clock, each action is a few microseconds later than the one before,
which `Model.stamp` and `Model.since` account for.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from datetime import UTC, datetime, timedelta

from attrs import define, field

from socialfeed.models import NotificationKind

START = datetime(2026, 1, 1, tzinfo=UTC)

Stamp = tuple[datetime, int]
"""When a row was written: the time, and the action's rank when the clock ticks (else 0).

Lists ordered by (time, other user's id) break ties by that id only when
the times are equal, which happens only when the clock does not tick.
"""

# The notification handler's default: likes or follows repeated within a day's window notify once.
QUIET_PERIOD = timedelta(days=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
STORY_LIFETIME = timedelta(hours=24)


@define
class Account:
    """A user as the model knows it."""

    id: int
    username: str
    email: str | None
    private: bool = False
    full_name: str | None = None

    @property
    def key(self) -> str:
        """The username as it is compared: case-insensitively (the machine's names are ASCII)."""
        return self.username.lower()


@define
class Post:
    """A post: its author, what it says now, and the tags and mention that text carries."""

    id: int
    author: int
    text: Text
    created_at: datetime


@define
class Comment:
    """A comment on a post."""

    id: int
    post: int
    author: int
    created_at: datetime


@define
class Story:
    """A story and when it stops being shown."""

    id: int
    author: int
    created_at: datetime
    expires_at: datetime


@define
class Message:
    """A direct message and whether its receiver read it."""

    id: int
    sender: int
    receiver: int
    read: bool = False


@define
class Notification:
    """A notification the handler should have stored, in creation order."""

    recipient: int
    actor: int
    kind: NotificationKind
    post: int | None
    comment: int | None
    created_at: datetime
    cause: Hashable
    """What keys it: one notification per cause and recipient."""
    read: bool = False

    def key(self) -> tuple[int, str, int | None, int | None, bool]:
        """What the library's `Notification` must match."""
        return (self.actor, self.kind, self.post, self.comment, self.read)


@define(frozen=True)
class Text:
    """A text the machine writes, with the hashtags and the one mention it carries."""

    body: str
    tags: tuple[str, ...] = ()
    mention: str | None = None

    @property
    def stored(self) -> str:
        """The text as the library keeps it: trimmed."""
        return self.body.strip()

    def fits(self, max_length: int) -> bool:
        """Whether the library accepts it as a required text of at most ``max_length``."""
        text = self.stored
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return 0 < len(text) <= max_length and "\x00" not in text


@define
class Model:
    """Everything that should exist, and the rules that decide what each user sees."""

    # With a ticking clock every action happens a little later than the one
    # before; without, the actions between two clock moves share one time.
    ticking: bool = False
    now: datetime = START
    actions: int = 0
    users: dict[int, Account] = field(factory=dict)
    follows: dict[tuple[int, int], Stamp] = field(factory=dict)
    requests: dict[tuple[int, int], Stamp] = field(factory=dict)
    blocks: set[tuple[int, int]] = field(factory=set)
    mutes: dict[tuple[int, int], datetime | None] = field(factory=dict)
    posts: dict[int, Post] = field(factory=dict)
    comments: dict[int, Comment] = field(factory=dict)
    likes: dict[tuple[int, int], Stamp] = field(factory=dict)
    stories: dict[int, Story] = field(factory=dict)
    story_views: set[tuple[int, int]] = field(factory=set)
    messages: dict[int, Message] = field(factory=dict)
    notifications: list[Notification] = field(factory=list)

    def stamp(self) -> Stamp:
        """When an action happens: the time, then the action's rank when the clock ticks."""
        self.actions += 1
        return (self.now, self.actions if self.ticking else 0)

    def since(self, moment: datetime, start: datetime) -> bool:
        """Whether something stored at ``moment`` counts as at or after ``start``.

        A window's start computed at a later action of the same instant is,
        with a ticking clock, a few microseconds after ``moment``.
        """
        return moment > start or (moment == start and not self.ticking)

    # The rules.

    def blocked_between(self, a: int, b: int) -> bool:
        """Whether either user blocks the other."""
        return (a, b) in self.blocks or (b, a) in self.blocks

    def muting(self, muter: int, muted: int) -> bool:
        """Whether a mute of ``muted`` by ``muter`` runs now."""
        if (muter, muted) not in self.mutes:
            return False
        until = self.mutes[(muter, muted)]
        return until is None or until > self.now

    def can_see(self, viewer: int | None, owner: int) -> bool:
        """The visibility rule: owner, no block, private for approved followers only."""
        if viewer == owner:
            return True
        if viewer is not None and self.blocked_between(viewer, owner):
            return False
        if not self.users[owner].private:
            return True
        return viewer is not None and (viewer, owner) in self.follows

    def hides_profile(self, user: int, viewer: int | None) -> bool:
        """Whether ``user``'s profile is not found for ``viewer``: missing, or they blocked them."""
        return user not in self.users or (viewer is not None and (user, viewer) in self.blocks)

    def post_visible(self, post: int, viewer: int | None) -> bool:
        """Whether the post exists and the viewer may see it."""
        return post in self.posts and self.can_see(viewer, self.posts[post].author)

    def story_visible(self, story: int, viewer: int) -> bool:
        """Whether the viewer may read the story: active (or theirs) and its author visible."""
        found = self.stories.get(story)
        if found is None or (found.expires_at <= self.now and found.author != viewer):
            return False
        return self.can_see(viewer, found.author)

    def unblocked(self, viewer: int | None, user: int) -> bool:
        """Whether ``user`` may appear in a list read by ``viewer`` (no block between them)."""
        return viewer is None or not self.blocked_between(viewer, user)

    # What the lists should hold, in the library's order.

    def home_feed(self, viewer: int) -> list[tuple[int, bool]]:
        """(post id, liked by viewer) of the viewer's home feed, newest first."""
        authors = {viewer} | {
            b for (a, b) in self.follows if a == viewer and not self.muting(viewer, b)
        }
        posts = [p for p in self.posts.values() if p.author in authors]
        return [(p.id, (viewer, p.id) in self.likes) for p in newest(posts)]

    def by_author(self, author: int) -> list[int]:
        """The author's post ids, newest first."""
        return [p.id for p in newest(p for p in self.posts.values() if p.author == author)]

    def tagged(self, tag: str, viewer: int | None) -> list[int]:
        """Ids of the posts carrying ``tag`` that the viewer may see, newest first."""
        posts = (
            p for p in self.posts.values() if tag in p.text.tags and self.can_see(viewer, p.author)
        )
        return [p.id for p in newest(posts)]

    def tag_count(self, tag: str) -> int:
        """How many posts of public accounts carry ``tag``: the count anyone is shown."""
        return sum(
            1
            for p in self.posts.values()
            if tag in p.text.tags and not self.users[p.author].private
        )

    def comments_for(self, post: int, viewer: int | None) -> list[int]:
        """Ids of the post's comments the viewer may see, newest first."""
        rows = sorted(
            (
                c
                for c in self.comments.values()
                if c.post == post and self.unblocked(viewer, c.author)
            ),
            key=lambda c: (c.created_at, c.id),
            reverse=True,
        )
        return [c.id for c in rows]

    def likers(self, post: int, viewer: int | None) -> list[int]:
        """Who likes the post, as the viewer may see, the latest like first."""
        pairs = [
            (at, user)
            for (user, liked), at in self.likes.items()
            if liked == post and self.unblocked(viewer, user)
        ]
        return [user for _, user in sorted(pairs, reverse=True)]

    def followers(self, user: int, viewer: int | None) -> list[int]:
        """Who follows ``user``, as the viewer may see, the latest follow first."""
        pairs = [
            (at, a)
            for (a, b), at in self.follows.items()
            if b == user and self.unblocked(viewer, a)
        ]
        return [a for _, a in sorted(pairs, reverse=True)]

    def following(self, user: int, viewer: int | None) -> list[int]:
        """Whom ``user`` follows, as the viewer may see, the latest follow first."""
        pairs = [
            (at, b)
            for (a, b), at in self.follows.items()
            if a == user and self.unblocked(viewer, b)
        ]
        return [b for _, b in sorted(pairs, reverse=True)]

    def search(self, query: str, viewer: int | None) -> list[int]:
        """Users whose username or full name contains ``query``: prefixes first, by username."""
        found = []
        for u in self.users.values():
            full = (u.full_name or "").lower()
            if (query in u.key or query in full) and self.unblocked(viewer, u.id):
                prefix = u.key.startswith(query) or full.startswith(query)
                found.append((not prefix, u.key, u.id))
        return [user for _, _, user in sorted(found)]

    def active_stories(self, author: int) -> list[int]:
        """The author's unexpired story ids, newest first."""
        rows = [s for s in self.stories.values() if s.author == author and s.expires_at > self.now]
        return [s.id for s in sorted(rows, key=lambda s: (s.created_at, s.id), reverse=True)]

    def story_feed(self, viewer: int) -> list[tuple[int, list[tuple[int, bool]]]]:
        """(author, [(story id, seen)]) groups: unseen groups first, newest story leading."""
        authors = {viewer} | {
            b for (a, b) in self.follows if a == viewer and not self.muting(viewer, b)
        }
        rows = sorted(
            (s for s in self.stories.values() if s.author in authors and s.expires_at > self.now),
            key=lambda s: (s.created_at, s.id),
            reverse=True,
        )
        groups: dict[int, list[tuple[int, bool]]] = {}
        for s in rows:
            seen = s.author == viewer or (s.id, viewer) in self.story_views
            groups.setdefault(s.author, []).append((s.id, seen))
        ordered = list(groups.items())
        return sorted(ordered, key=lambda group: all(seen for _, seen in group[1]))

    def conversations(self, user: int) -> dict[int, int]:
        """The other participant of each of the user's conversations, and the unread count."""
        result: dict[int, int] = {}
        for m in self.messages.values():
            if user == m.sender:
                result.setdefault(m.receiver, 0)
            elif user == m.receiver:
                result[m.sender] = result.get(m.sender, 0) + (not m.read)
        return result

    def unread_messages(self, user: int) -> int:
        """How many messages to the user are unread."""
        return sum(1 for m in self.messages.values() if m.receiver == user and not m.read)

    def notifications_of(self, user: int) -> list[Notification]:
        """The user's notifications they may see now, newest first.

        Blocks either way, the user's running mutes and posts they may not
        see hide notifications for as long as they hold.
        """
        return [
            n
            for n in reversed(self.notifications)
            if n.recipient == user
            and not self.blocked_between(user, n.actor)
            and not self.muting(user, n.actor)
            and (n.post is None or self.can_see(user, self.posts[n.post].author))
        ]

    def notification_groups(
        self, user: int
    ) -> list[tuple[str, int | None, tuple[str, ...], int, bool]]:
        """(kind, post, newest three actors, distinct actors, any unread) per group, newest first.

        Ids grow with time, so the group whose newest notification was stored
        last comes first.
        """
        groups: dict[tuple[str, int | None], list[Notification]] = {}
        for n in self.notifications_of(user):
            groups.setdefault((n.kind, n.post), []).append(n)
        result = []
        for (kind, post), members in groups.items():
            actors = list(dict.fromkeys(self.users[n.actor].username for n in members))
            unread = any(not n.read for n in members)
            result.append((kind, post, tuple(actors[:3]), len(actors), unread))
        return result

    def trending(self, within: timedelta) -> list[tuple[str, int]]:
        """(tag, public accounts' posts carrying it created within the window), most used first."""
        since = self.now - within
        uses: dict[str, int] = {}
        for p in self.posts.values():
            if self.since(p.created_at, since) and not self.users[p.author].private:
                for tag in p.text.tags:
                    uses[tag] = uses.get(tag, 0) + 1
        return sorted(uses.items(), key=lambda item: (-item[1], item[0]))

    def last_message(self, a: int, b: int) -> int:
        """The id of the newest message between two users (ids grow with time)."""
        return max(m.id for m in self.messages.values() if {m.sender, m.receiver} == {a, b})

    # Notifications, as the NotificationHandler stores them.

    def notify(
        self,
        cause: Hashable,
        recipient: int,
        actor: int,
        kind: NotificationKind,
        *,
        post: int | None = None,
        comment: int | None = None,
    ) -> None:
        """Store what one ``notify`` call stores: one notification per cause and recipient.

        A mention of the post's author in a comment has the comment's cause,
        so it adds nothing to the comment notification.
        """
        if recipient == actor or recipient not in self.users or actor not in self.users:
            return
        if post is not None and post not in self.posts:
            return
        if comment is not None and comment not in self.comments:
            return
        if any((n.cause, n.recipient) == (cause, recipient) for n in self.notifications):
            return
        self.notifications.append(
            Notification(recipient, actor, kind, post, comment, created_at=self.now, cause=cause)
        )

    def window(self) -> int:
        """The handler's quiet-period window of now."""
        return (self.now - EPOCH) // QUIET_PERIOD

    def notify_mention(
        self, cause: Hashable, actor: int, text: Text, post: int, comment: int | None = None
    ) -> None:
        """Notify the user ``text`` mentions, once per cause."""
        mention = (text.mention or "").lower()
        named = [u.id for u in self.users.values() if u.key == mention]
        for recipient in named:
            self.notify(cause, recipient, actor, "mention", post=post, comment=comment)

    def drop_notifications(self, doomed: set[int], *, posts: set[int], comments: set[int]) -> None:
        """Forget the notifications of deleted users, posts and comments."""
        self.notifications = [
            n
            for n in self.notifications
            if n.recipient not in doomed
            and n.actor not in doomed
            and n.post not in posts
            and n.comment not in comments
        ]

    # Actions, applied after the library accepted them.

    def follow(self, follower: int, followee: int) -> None:
        """Record a follow that began now, and notify the followee."""
        self.follows[(follower, followee)] = self.stamp()
        self.notify(("follow", follower, followee, self.window()), followee, follower, "follow")

    def approve(self, requester: int, owner: int, at: Stamp | None = None) -> None:
        """Turn a pending request into a follow, notified as a follow is."""
        del self.requests[(requester, owner)]
        self.follows[(requester, owner)] = at or self.stamp()
        self.notify(("follow", requester, owner, self.window()), owner, requester, "follow")

    def go_public(self, user: int) -> None:
        """Make an account public, approving every pending request, oldest first.

        One action: every follow it makes begins at the same instant.
        """
        self.users[user].private = False
        at = self.stamp()
        pending = sorted((stamp, r) for (r, o), stamp in self.requests.items() if o == user)
        for _, requester in pending:
            self.approve(requester, user, at)

    def block(self, blocker: int, blocked: int) -> None:
        """Record a block: follows and requests end both ways (reads hide the notifications)."""
        self.blocks.add((blocker, blocked))
        for pair in ((blocker, blocked), (blocked, blocker)):
            self.follows.pop(pair, None)
            self.requests.pop(pair, None)

    def add_post(self, post: Post) -> None:
        """Record a new post and its mention."""
        self.posts[post.id] = post
        self.notify_mention(("mention", post.id), post.author, post.text, post.id)

    def edit_post(self, post: int, text: Text) -> None:
        """Replace a post's text; a new mention notifies once."""
        self.posts[post].text = text
        self.notify_mention(("mention", post), self.posts[post].author, text, post)

    def delete_post(self, post: int) -> None:
        """Forget a post with its comments, likes and notifications."""
        doomed_comments = {c.id for c in self.comments.values() if c.post == post}
        for comment in doomed_comments:
            del self.comments[comment]
        self.likes = {key: at for key, at in self.likes.items() if key[1] != post}
        del self.posts[post]
        self.drop_notifications(set(), posts={post}, comments=doomed_comments)

    def add_comment(self, comment: Comment, text: Text) -> None:
        """Record a comment; notify the post's author, then the user it mentions."""
        self.comments[comment.id] = comment
        cause = ("comment", comment.id)
        author = self.posts[comment.post].author
        self.notify(cause, author, comment.author, "comment", post=comment.post, comment=comment.id)
        self.notify_mention(cause, comment.author, text, comment.post, comment.id)

    def delete_comment(self, comment: int) -> None:
        """Forget a comment and its notifications."""
        del self.comments[comment]
        self.drop_notifications(set(), posts=set(), comments={comment})

    def like(self, user: int, post: int) -> None:
        """Record a like; a like repeated within the quiet-period window does not notify again."""
        self.likes[(user, post)] = self.stamp()
        author = self.posts[post].author
        self.notify(("like", user, post, self.window()), author, user, "like", post=post)

    def delete_user(self, user: int) -> None:
        """Erase a user and all that is theirs."""
        for post in [p.id for p in self.posts.values() if p.author == user]:
            self.delete_post(post)
        for comment in [c.id for c in self.comments.values() if c.author == user]:
            self.delete_comment(comment)
        self.likes = {key: at for key, at in self.likes.items() if key[0] != user}
        self.follows = {key: at for key, at in self.follows.items() if user not in key}
        self.requests = {key: at for key, at in self.requests.items() if user not in key}
        self.blocks = {key for key in self.blocks if user not in key}
        self.mutes = {key: until for key, until in self.mutes.items() if user not in key}
        theirs = {s.id for s in self.stories.values() if s.author == user}
        self.stories = {k: s for k, s in self.stories.items() if k not in theirs}
        self.story_views = {(s, v) for (s, v) in self.story_views if s not in theirs and v != user}
        self.messages = {
            k: m for k, m in self.messages.items() if user not in (m.sender, m.receiver)
        }
        self.drop_notifications({user}, posts=set(), comments=set())
        del self.users[user]

    # Counts a storage must agree with, row for row.

    def row_counts(self) -> dict[str, int]:
        """How many rows each table should hold."""
        return {
            "users": len(self.users),
            "posts": len(self.posts),
            "comments": len(self.comments),
            "likes": len(self.likes),
            "follows": len(self.follows),
            "follow_requests": len(self.requests),
            "blocks": len(self.blocks),
            "mutes": len(self.mutes),
            "stories": len(self.stories),
            "story_views": len(self.story_views),
            "messages": len(self.messages),
            "notifications": len(self.notifications),
            "post_hashtags": sum(len(p.text.tags) for p in self.posts.values()),
        }


def newest(posts: Iterable[Post]) -> list[Post]:
    """Posts newest first, ties broken by the larger id."""
    return sorted(posts, key=lambda p: (p.created_at, p.id), reverse=True)
