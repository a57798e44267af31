"""Home timelines in Redis sorted sets: a `TimelineStore` for the push and hybrid feeds.

Each user's timeline is one sorted set, ``<prefix>timeline:<user id>``. An
entry's score is its post's time in microseconds since 1970, and its member
is the post id, zero-padded to 20 digits, then ``:`` and the author's id:
posts of the same microsecond then order by id, as in the feed, and the
entries of one author can be found to purge them. Markers sit at score
``+inf``, above every entry, where trimming by rank never reaches them:
``built`` (the timeline was rebuilt from the database once; without it the
next read rebuilds it), ``pending:<token>`` (a rebuild is under way; the
token is that rebuild's own) and ``floor:<score>:<post id>`` (the newest
entry ever trimmed away: below it the timeline may miss posts).
``<prefix>pulled`` is the hybrid feed's set of authors that were not pushed
to (see `RedisTimelines`).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import redis
from attrs import frozen

from socialfeed.errors import BrokerError, NotFoundError
from socialfeed.events import (
    Event,
    FollowRequestApproved,
    PostCreated,
    PostDeleted,
    UserBlocked,
    UserDeleted,
    UserFollowed,
    UserUnfollowed,
    VisibilityChanged,
)
from socialfeed.models import MAX_ID, FeedItem
from socialfeed.pagination import PageRequest
from socialfeed.settings import Settings
from socialfeed.storage.base import PulledPosts, Storage, TimelineEntry, UnitOfWork

__all__ = ["RedisTimelines"]

logger = logging.getLogger("socialfeed")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_BUILT = "built"
_PENDING = "pending:"
_FLOOR = "floor:"
_MARKS = "marks"  # the pulled set's counter, kept in the set itself (one key, one hash slot)
_ID_WIDTH = 20
# Bounds the memory a pipeline takes on both ends; a fan-out to millions of
# followers is then a few round trips rather than one huge one.
_PIPELINE_CHUNK = 10_000

_Position = tuple[int, int]
"""An entry's place in a timeline: (score, post id); larger is newer."""
_Command = tuple[str | int, ...]
"""A Redis command and its arguments, as sent in a pipeline."""


@frozen
class _Script:
    """A Lua script, run by its digest: the source travels only when Redis lacks it."""

    source: str
    sha: str = attrs.field(init=False)

    @sha.default
    def _digest(self) -> str:
        return hashlib.sha1(self.source.encode(), usedforsecurity=False).hexdigest()


_HELPERS = """
local function add(key, args, first)
  for i = first, #args, 1000 do
    redis.call('ZADD', key, unpack(args, i, math.min(i + 999, #args)))
  end
end

-- Keep the newest `capacity` entries, and remember the newest one removed:
-- below it, posts may be missing, and the feed reads the database instead.
local function trim(key, capacity)
  local excess = redis.call('ZCOUNT', key, '-inf', '(inf') - capacity
  if excess <= 0 then return end
  local gone = redis.call('ZRANGE', key, excess - 1, excess - 1, 'WITHSCORES')
  redis.call('ZREMRANGEBYRANK', key, 0, excess - 1)
  local id, score = string.sub(gone[1], 1, 20), tonumber(gone[2])
  for _, marker in ipairs(redis.call('ZRANGEBYSCORE', key, 'inf', 'inf')) do
    local old_score, old_id = string.match(marker, '^floor:([^:]+):(%d+)$')
    if old_score then
      old_score = tonumber(old_score)
      if old_score > score or (old_score == score and old_id > id) then return end
      redis.call('ZREM', key, marker)
    end
  end
  redis.call('ZADD', key, 'inf', 'floor:' .. gone[2] .. ':' .. id)
end
"""

# KEYS[1]: a timeline. ARGV: its capacity, the pending marker of the rebuild
# this write finishes (else ''), then score and member pairs. A timeline that
# does not exist is left alone: it is rebuilt from the database when it is
# read, so writing it would be waste. A rebuild whose marker is gone was
# overtaken by a later one, which read the database after this one did: the
# later one finishes the timeline, and until it does the timeline stays unbuilt.
_WRITE = _Script(
    _HELPERS
    + """
local key, pending = KEYS[1], ARGV[2]
if redis.call('EXISTS', key) == 0 then return 0 end
if pending ~= '' then
  if not redis.call('ZSCORE', key, pending) then return 0 end
  redis.call('ZREM', key, pending)
  redis.call('ZADD', key, 'inf', 'built')
end
add(key, ARGV, 3)
trim(key, tonumber(ARGV[1]))
return 1
"""
)

# KEYS[1]: a timeline; ARGV[1]: an author id. Removes that author's entries.
_PURGE = _Script(
    """
local suffix = ':' .. ARGV[1]
local gone = {}
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(inf')) do
  if string.sub(member, -#suffix) == suffix then gone[#gone + 1] = member end
end
for i = 1, #gone, 1000 do
  redis.call('ZREM', KEYS[1], unpack(gone, i, math.min(i + 999, #gone)))
end
return #gone
"""
)

# KEYS[1]: the pulled authors; ARGV: author ids. Every mark gets a new number.
_MARK = _Script(
    """
local mark = redis.call('ZINCRBY', KEYS[1], 1, 'marks')
for i = 1, #ARGV do redis.call('ZADD', KEYS[1], mark, ARGV[i]) end
return mark
"""
)

# KEYS[1]: the pulled authors; ARGV[1]: the last mark made before every
# timeline was rebuilt. Authors not marked since need not be pulled any more.
_FORGET = _Script(
    """
local marks = redis.call('ZSCORE', KEYS[1], 'marks')
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if marks then redis.call('ZADD', KEYS[1], marks, 'marks') end
"""
)

_SCRIPTS = (_WRITE, _PURGE, _MARK, _FORGET)


class RedisTimelines:
    """Push and hybrid timelines in Redis: sorted sets kept from the events of committed actions.

    Pass one to the facade (``SocialFeed(..., timeline_store=RedisTimelines(client))``)
    with ``Settings.feed_strategy`` set to ``"push"`` or ``"hybrid"``. Each
    timeline keeps its ``capacity`` newest entries; a page that reaches past
    them is read from the database. Timelines are written after each commit
    from the action's events, in one round trip per batch of events (a few
    for a fan-out to more than ten thousand followers), and read in one
    round trip per page, after which the page's posts are read from the
    database in one query that applies the feed's rules again: an entry a
    late update left behind never shows a post the pull feed would not.

    Events arrive at least once and possibly out of order, so every event is
    taken as "look again at what this changed": removals (an unfollow, a
    block) go first, then the database is read, then what it holds *now* is
    added (a follow whose row is gone adds nothing; a post deleted since adds
    nothing). A repeated or reordered event therefore changes nothing. A
    timeline that is missing (never read, lost by Redis) is rebuilt from the
    database when it is read, and until then no event writes to it.

    When Redis fails during `apply`, the timelines it kept miss those
    events. With ``Settings.outbox`` on, their outbox rows stay undelivered,
    and they reach the store again only when `OutboxService.deliver_pending`
    runs: a process with a timeline store should call it periodically (every
    minute, say, from a scheduler or a thread), not only at start-up, or its
    timelines stay stale until the next call. Without the outbox the missed
    events are lost for those timelines until they are rebuilt
    (`MaintenanceService.rebuild_timelines`, `FeedService.rebuild_timeline`,
    or the loss of the key).

    Hybrid has to handle the author who falls below ``hybrid_threshold``:
    their posts made while pulled were never pushed. The database keeper
    copies them to every follower at that moment; this store instead marks
    an author in the set ``<prefix>pulled`` whenever it skips a push because
    of their follower count (a post, a follow), and the read pulls the
    followees in that set whatever their count. This needs no expensive
    copy when an author crosses downwards (events arrive after the fact, so
    the crossing could not even be seen reliably), and a deleted follower
    needs no special case; it costs one read of the set per page. The set
    stays small: only authors who reached the threshold enter it, and
    `MaintenanceService.rebuild_timelines` empties it of the authors not
    marked since it started, whose posts every timeline then holds (see
    `rebuild_all`).
    """

    def __init__(
        self, client: redis.Redis, *, prefix: str = "socialfeed:", capacity: int = 800
    ) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, not {capacity}")
        self.client = client
        self.prefix = prefix
        self.capacity = capacity
        self._pulled_key = f"{prefix}pulled"
        self._timelines_prefix = f"{prefix}timeline:"

    def timeline_key(self, owner_id: int) -> str:
        """Return the key of the user's timeline."""
        return f"{self._timelines_prefix}{owner_id}"

    def apply(self, storage: Storage, settings: Settings, events: Sequence[Event]) -> None:
        """Bring the timelines up to date with ``events``; `BrokerError` if Redis failed."""
        if settings.feed_strategy == "pull":
            return
        changes = _Changes.of(events)
        if changes.empty:
            return
        # Removals before the read: a follow made again in between is then
        # seen by the read, which puts its entries back.
        self._run(self._removals(changes))
        with storage.transaction(write=False) as uow:
            writes = self._additions(uow, settings, changes)
        self._run(writes.commands(self))

    def home_feed(
        self,
        uow: UnitOfWork,
        settings: Settings,
        viewer_id: int,
        page: PageRequest,
        now: datetime,
    ) -> list[FeedItem]:
        """Read a page from the viewer's timeline, or from the database when Redis failed.

        The pull feed has the same items by definition, so a Redis that
        cannot be reached costs speed, not correctness; it is logged.
        """
        try:
            return self._home_feed(uow, settings, viewer_id, page, now)
        except BrokerError:
            logger.warning("home feed of %d read from the database", viewer_id, exc_info=True)
            return uow.posts.home_feed(viewer_id, page, now)

    def rebuild(self, storage: Storage, settings: Settings, owner_id: int) -> int:
        """Regenerate one timeline from the database; return how many entries it holds.

        `NotFoundError` for an unknown user, `BrokerError` if Redis failed.
        """
        with storage.transaction(write=False) as uow:
            held = self._rebuild(uow, settings, owner_id)
        if held is None:
            raise NotFoundError("user")
        return held

    def rebuild_all(self, storage: Storage, settings: Settings) -> int:
        """Regenerate every timeline Redis holds from the database; return how many were rebuilt.

        Timelines nobody read are not created: their first read builds them
        whole anyway, and the memory is for the users who read their feeds.
        Each timeline is rebuilt in its own read transaction; `BrokerError`
        if Redis failed.

        Then the set of pulled authors forgets those marked before the start
        and not since, so reads take their posts from the timelines again.
        That is safe because every timeline in Redis at that moment was built
        from a database snapshot taken after the start: those that existed
        were rebuilt here, any other was created by a read's rebuild that
        began since (the write script never creates a key), and a rebuild
        that began earlier can no longer finish (its pending marker went
        with the key it was in). An author last marked before the start had
        every post whose push was skipped committed before then (the mark
        follows the commit), so such a snapshot holds those posts; a push
        skipped since would have marked them again. A timeline missing at
        that moment is built whole from the database when read. Nothing is
        forgotten if a rebuild raised.
        """
        last_mark = self._call(lambda: self.client.zscore(self._pulled_key, _MARKS)) or 0
        rebuilt = 0
        for owner_id in sorted(self._call(self._timeline_owners)):
            with storage.transaction(write=False) as uow:
                if self._rebuild(uow, settings, owner_id) is not None:
                    rebuilt += 1
        self._run([("EVALSHA", _FORGET.sha, 1, self._pulled_key, int(last_mark))])
        return rebuilt

    # --- reading ---------------------------------------------------------------------------

    def _home_feed(
        self,
        uow: UnitOfWork,
        settings: Settings,
        viewer_id: int,
        page: PageRequest,
        now: datetime,
    ) -> list[FeedItem]:
        hybrid = settings.feed_strategy == "hybrid"
        wanted = min(page.offset + page.limit + 1, MAX_ID)
        size = min(wanted, self.capacity)
        after = None if page.after is None else (_score(page.after.at), page.after.id)
        window = self._window(viewer_id, after, size, hybrid)
        if not window.built:
            self._rebuild(uow, settings, viewer_id)
            window = self._window(viewer_id, after, size, hybrid)
            if not window.built:  # deleted, or lost again, meanwhile
                return uow.posts.home_feed(viewer_id, page, now)
        pulled = None
        if hybrid:
            pulled = PulledPosts(settings.hybrid_threshold, window.pulled, page.after, wanted)
        items: list[FeedItem] = []
        while True:
            items += uow.timeline_sources.feed_items(viewer_id, window.post_ids, now, pulled)
            items.sort(key=_item_position, reverse=True)
            if window.known_above is None:
                return items[page.offset : wanted]
            known = [item for item in items if _item_position(item) > window.known_above]
            if len(known) >= wanted:
                return known[page.offset : wanted]
            if window.at_floor:
                # The page reaches where trimmed entries were: the pull feed
                # gives the same items there, by definition.
                return uow.posts.home_feed(viewer_id, page, now)
            # The read dropped entries (deleted posts, pulled or muted
            # authors): walk on. The pulled posts are all read already.
            pulled = None if pulled is None else attrs.evolve(pulled, limit=0)
            size = min(2 * size, self.capacity)
            window = self._window(viewer_id, window.last, size, False)

    def _window(self, owner_id: int, after: _Position | None, size: int, hybrid: bool) -> _Window:
        """Read up to ``size`` entries older than ``after``, with the markers, in one round trip."""
        key = self.timeline_key(owner_id)
        pipe = self.client.pipeline(transaction=False)
        pipe.zrangebyscore(key, "+inf", "+inf")
        if after is None:
            pipe.zrevrangebyscore(key, "(+inf", "-inf", start=0, num=size, withscores=True)
        else:
            # Same microsecond, smaller id: fetched whole (ties are few), cut here.
            pipe.zrangebyscore(key, after[0], after[0], withscores=True)
            pipe.zrevrangebyscore(key, f"({after[0]}", "-inf", start=0, num=size, withscores=True)
        if hybrid:
            pipe.zrange(self._pulled_key, 0, -1)
        replies = self._call(pipe.execute)
        markers = {_text(marker) for marker in replies[0]}
        older = [_position(member, score) for member, score in replies[-2 if hybrid else -1]]
        ties: list[_Position] = []
        if after is not None:
            ties = sorted(
                (p for p in (_position(m, s) for m, s in replies[1]) if p < after), reverse=True
            )
        pulled = () if not hybrid else tuple(sorted(_ids(replies[-1])))
        return _Window.of(markers, ties + older, len(older) < size, after, pulled)

    # --- rebuilding --------------------------------------------------------------------------

    def _rebuild(self, uow: UnitOfWork, settings: Settings, owner_id: int) -> int | None:
        """Rebuild a timeline from the database in ``uow``; ``None`` for an unknown user.

        The timeline is replaced by a pending marker of this rebuild's own
        *before* the database is read: a post committed after the read
        reaches it through its own event, which keeps what it writes to a
        pending timeline. Only the rebuild whose marker is still there marks
        the timeline built. Two rebuilds may overlap (two readers, a reader
        and `rebuild_all`); the later one deleted the earlier one's marker
        together with the posts that events had added since the earlier read,
        so the earlier one must not declare the timeline complete.
        """
        key = self.timeline_key(owner_id)
        pending = self._begin_rebuild(key)
        if uow.users.get(owner_id) is None:
            self._call(lambda: self.client.delete(key))
            return None
        entries = self._rebuild_entries(uow, settings, owner_id)
        self._finish_rebuild(key, pending, entries)
        return min(len(entries), self.capacity)

    def _begin_rebuild(self, key: str) -> str:
        """Empty the timeline down to a new pending marker, and return that marker."""
        pending = f"{_PENDING}{uuid.uuid4().hex}"
        pipe = self.client.pipeline(transaction=True)
        pipe.delete(key)
        pipe.zadd(key, {pending: float("inf")})
        self._call(pipe.execute)
        return pending

    def _rebuild_entries(
        self, uow: UnitOfWork, settings: Settings, owner_id: int
    ) -> list[TimelineEntry]:
        limit = self.capacity + 1  # one more than fits tells the trim where the floor is
        return uow.timeline_sources.rebuild_entries(owner_id, settings.timeline_backfill, limit)

    def _finish_rebuild(self, key: str, pending: str, entries: Iterable[TimelineEntry]) -> None:
        """Write the entries read, and mark the timeline built if ``pending`` is still there."""
        self._run([_write_command(key, self.capacity, _members(entries), pending=pending)])

    def _timeline_owners(self) -> set[int]:
        """The ids of the users whose timelines Redis holds (a set: SCAN may repeat a key)."""
        prefix = self._timelines_prefix
        owners: set[int] = set()
        for key in self.client.scan_iter(match=f"{_glob_escape(prefix)}*", count=1000):
            owner = _text(key).removeprefix(prefix)
            if owner.isdigit():
                owners.add(int(owner))
        return owners

    # --- writing -----------------------------------------------------------------------------

    def _removals(self, changes: _Changes) -> list[_Command]:
        commands: list[_Command] = []
        for follower_id, followee_id in changes.ended:
            key = self.timeline_key(follower_id)
            commands.append(("EVALSHA", _PURGE.sha, 1, key, followee_id))
        for user_id in changes.deleted_users:
            commands.append(("DEL", self.timeline_key(user_id)))
            commands.append(("ZREM", self._pulled_key, user_id))
        return commands

    def _additions(self, uow: UnitOfWork, settings: Settings, changes: _Changes) -> _Writes:
        """Decide from the database, as it is now, what the changed timelines must hold."""
        authors = _Authors(uow, settings)
        writes = _Writes(self._pulled_key)
        backfill = min(settings.timeline_backfill, self.capacity + 1)
        for follower_id, followee_id in sorted(changes.follows | changes.ended):
            if not uow.follows.exists(follower_id, followee_id):
                continue
            if authors.pulled(followee_id):
                writes.marks.add(followee_id)
            else:
                writes.add(follower_id, uow.timeline_sources.newest_entries(followee_id, backfill))
        for post_id in sorted(changes.posts):
            post = uow.posts.get(post_id)
            if post is None:
                continue
            if authors.pulled(post.author_id):
                writes.marks.add(post.author_id)
            entry = TimelineEntry(post.id, post.author_id, post.created_at)
            for owner_id in authors.audience(post.author_id):
                writes.add(owner_id, [entry])
        for post_id, author_id in sorted(changes.deleted_posts):
            for owner_id in authors.audience(author_id):
                writes.remove(owner_id, _member(post_id, author_id))
        return writes

    def _run(self, commands: Sequence[_Command]) -> None:
        """Send commands in pipelines, loading the scripts again if Redis lost them."""
        for start in range(0, len(commands), _PIPELINE_CHUNK):
            chunk = commands[start : start + _PIPELINE_CHUNK]
            try:
                self._call(lambda chunk=chunk: self._pipeline(chunk))
            except BrokerError as error:
                if not isinstance(error.__cause__, redis.exceptions.NoScriptError):
                    raise
                # A restarted Redis forgot the scripts; every command is safe to repeat.
                self._call(self._load_scripts)
                self._call(lambda chunk=chunk: self._pipeline(chunk))

    def _pipeline(self, commands: Iterable[_Command]) -> None:
        pipe = self.client.pipeline(transaction=False)
        for command in commands:
            pipe.execute_command(*command)  # type: ignore[no-untyped-call]
        pipe.execute()

    def _load_scripts(self) -> None:
        for script in _SCRIPTS:
            self.client.script_load(script.source)

    @staticmethod
    def _call(operation: Any) -> Any:
        try:
            return operation()
        except redis.RedisError as error:
            raise BrokerError(f"Redis failed: {type(error).__name__}") from error


@frozen
class _Window:
    """A run of a timeline's entries, read newest first, and how far they can be trusted."""

    built: bool
    post_ids: list[int]
    # Items newer than this are all known; None: everything older is known too.
    known_above: _Position | None
    at_floor: bool  # the run reached the trimmed part, where entries may be missing
    last: _Position | None  # where the next run starts
    pulled: tuple[int, ...]

    @classmethod
    def of(
        cls,
        markers: set[str],
        entries: list[_Position],
        exhausted: bool,
        after: _Position | None,
        pulled: tuple[int, ...],
    ) -> _Window:
        floor = next((_floor(marker) for marker in markers if marker.startswith(_FLOOR)), None)
        trusted = [entry for entry in entries if floor is None or entry > floor]
        at_floor = floor is not None and (exhausted or len(trusted) < len(entries))
        if at_floor:
            known_above: _Position | None = floor
        elif exhausted:
            known_above = None
        else:
            # The last entry itself is known: one id below it, in its microsecond.
            known_above = (entries[-1][0], entries[-1][1] - 1)
        return cls(
            built=_BUILT in markers,
            post_ids=[post_id for _, post_id in trusted],
            known_above=known_above,
            at_floor=at_floor,
            last=entries[-1] if entries else after,
            pulled=pulled,
        )


@attrs.define
class _Changes:
    """What a batch of events asks of the timelines, whatever their order and repeats."""

    posts: set[int] = attrs.Factory(set)
    deleted_posts: set[tuple[int, int]] = attrs.Factory(set)
    follows: set[tuple[int, int]] = attrs.Factory(set)
    ended: set[tuple[int, int]] = attrs.Factory(set)
    deleted_users: set[int] = attrs.Factory(set)

    @classmethod
    def of(cls, events: Iterable[Event]) -> _Changes:
        changes = cls()
        for event in events:
            changes._take(event)
        return changes

    @property
    def empty(self) -> bool:
        return not (
            self.posts or self.deleted_posts or self.follows or self.ended or self.deleted_users
        )

    def _take(self, event: Event) -> None:
        match event:
            case PostCreated(post_id=post_id):
                self.posts.add(post_id)
            case PostDeleted(post_id=post_id, author_id=author_id):
                self.deleted_posts.add((post_id, author_id))
            case UserFollowed(follower_id=follower_id, followee_id=followee_id):
                self.follows.add((follower_id, followee_id))
            case FollowRequestApproved(requester_id=requester_id, owner_id=owner_id):
                self.follows.add((requester_id, owner_id))
            case VisibilityChanged(user_id=user_id, approved_requester_ids=requester_ids):
                self.follows.update((requester_id, user_id) for requester_id in requester_ids)
            case UserUnfollowed(follower_id=follower_id, followee_id=followee_id):
                self.ended.add((follower_id, followee_id))
            case UserBlocked(blocker_id=blocker_id, blocked_id=blocked_id):
                self.ended.update({(blocker_id, blocked_id), (blocked_id, blocker_id)})
            case UserDeleted(user_id=user_id):
                self.deleted_users.add(user_id)


class _Authors:
    """Follower counts and lists read once per batch, and whether an author is pulled."""

    def __init__(self, uow: UnitOfWork, settings: Settings) -> None:
        self._uow = uow
        self._threshold = settings.hybrid_threshold if settings.feed_strategy == "hybrid" else None
        self._counts: dict[int, int | None] = {}

    def pulled(self, author_id: int) -> bool:
        """Whether the author's posts are read from the database rather than pushed."""
        count = self._count(author_id)
        return self._threshold is not None and count is not None and count >= self._threshold

    def audience(self, author_id: int) -> list[int]:
        """The timelines an author's post goes to (or leaves): the author's, and the followers'.

        A pulled author's posts go to (and leave) their own timeline only: a
        fan-out as large as their audience is what hybrid avoids, and the
        read drops what their followers' timelines still hold of them. A
        deleted author has no timeline left.
        """
        if self._count(author_id) is None:
            return []
        if self.pulled(author_id):
            return [author_id]
        return [author_id, *self._uow.timeline_sources.follower_ids(author_id)]

    def _count(self, author_id: int) -> int | None:
        if author_id not in self._counts:
            user = self._uow.users.get(author_id)
            self._counts[author_id] = None if user is None else user.follower_count
        return self._counts[author_id]


@attrs.define
class _Writes:
    """The writes one batch of events makes, gathered to be sent together."""

    pulled_key: str
    entries: dict[int, dict[str, int]] = attrs.Factory(dict)
    removals: dict[int, set[str]] = attrs.Factory(dict)
    marks: set[int] = attrs.Factory(set)

    def add(self, owner_id: int, entries: Iterable[TimelineEntry]) -> None:
        self.entries.setdefault(owner_id, {}).update(_members(entries))

    def remove(self, owner_id: int, member: str) -> None:
        self.removals.setdefault(owner_id, set()).add(member)

    def commands(self, store: RedisTimelines) -> list[_Command]:
        commands: list[_Command] = []
        if self.marks:
            commands.append(("EVALSHA", _MARK.sha, 1, self.pulled_key, *sorted(self.marks)))
        for owner_id, held in self.entries.items():
            key = store.timeline_key(owner_id)
            commands.append(_write_command(key, store.capacity, held.items()))
        for owner_id, members in self.removals.items():
            commands.append(("ZREM", store.timeline_key(owner_id), *sorted(members)))
        return commands


def _write_command(
    key: str, capacity: int, members: Iterable[tuple[str, int]], *, pending: str = ""
) -> _Command:
    """The call of the write script that adds ``members`` (member, score) to a timeline.

    ``pending``: the marker of the rebuild this write finishes, if any.
    """
    command: list[str | int] = ["EVALSHA", _WRITE.sha, 1, key, capacity, pending]
    for member, score in members:
        command += [score, member]
    return tuple(command)


def _members(entries: Iterable[TimelineEntry]) -> Iterator[tuple[str, int]]:
    for entry in entries:
        yield _member(entry.post_id, entry.author_id), _score(entry.created_at)


def _score(at: datetime) -> int:
    """A time as whole microseconds since 1970: exact in a Redis score until the year 2255."""
    return (at - _EPOCH) // timedelta(microseconds=1)


def _member(post_id: int, author_id: int) -> str:
    return f"{post_id:0{_ID_WIDTH}d}:{author_id}"


def _post_id(member: str) -> int:
    return int(member[:_ID_WIDTH])


def _glob_escape(text: str) -> str:
    """``text`` as a SCAN pattern that matches only itself."""
    return "".join(f"\\{char}" if char in "\\*?[]" else char for char in text)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _position(member: bytes | str, score: float) -> _Position:
    return (int(score), _post_id(_text(member)))


def _floor(marker: str) -> _Position:
    score, _, post_id = marker.removeprefix(_FLOOR).partition(":")
    return (int(float(score)), int(post_id))


def _ids(members: Iterable[bytes | str]) -> Iterator[int]:
    for member in members:
        text = _text(member)
        if text != _MARKS:
            yield int(text)


def _item_position(item: FeedItem) -> _Position:
    return (_score(item.post.created_at), item.post.id)
