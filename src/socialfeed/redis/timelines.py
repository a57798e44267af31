"""Home timelines in Redis sorted sets: a `TimelineStore` for the push and hybrid feeds.

This module holds the store, which talks to Redis. How its keys are laid
out is told in ``_timeline_layout``; what a batch of events writes where is
decided in ``_timeline_plan``; the Lua scripts it runs are in ``lua/``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import attrs
import redis
from redis.commands.core import Script

from socialfeed.errors import BrokerError, NotFoundError
from socialfeed.events import Event
from socialfeed.models import MAX_ID, FeedItem
from socialfeed.pagination import PageRequest
from socialfeed.redis._timeline_layout import (
    MARKS,
    PENDING,
    Position,
    TimelineKeys,
    Window,
    glob_escape,
    item_position,
    members,
    position,
    pulled_ids,
    score,
    text,
)
from socialfeed.redis._timeline_plan import Changes, Planner
from socialfeed.redis._timeline_scripts import Command, ScriptCall, ScriptName, register_scripts
from socialfeed.settings import Settings
from socialfeed.storage.base import PulledPosts, Storage, TimelineEntry, UnitOfWork

__all__ = ["RedisTimelines"]

logger = logging.getLogger("socialfeed")

# Bounds the memory a pipeline takes on both ends; a fan-out to millions of
# followers is then a few round trips rather than one huge one.
_PIPELINE_CHUNK = 10_000


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
        self._keys = TimelineKeys(prefix)
        self._planner = Planner(self._keys, capacity)
        self._scripts: dict[ScriptName, Script] = register_scripts(client)

    def timeline_key(self, owner_id: int) -> str:
        """Return the key of the user's timeline."""
        return self._keys.timeline(owner_id)

    def apply(self, storage: Storage, settings: Settings, events: Sequence[Event]) -> None:
        """Bring the timelines up to date with ``events``; `BrokerError` if Redis failed."""
        if settings.feed_strategy == "pull":
            return
        changes = Changes.of(events)
        if changes.empty:
            return
        # Removals before the read: a follow made again in between is then
        # seen by the read, which puts its entries back.
        self._run(self._planner.removals(changes))
        with storage.transaction(write=False) as uow:
            additions = self._planner.additions(uow, settings, changes)
        self._run(additions)

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
        last_mark = self._call(lambda: self.client.zscore(self._keys.pulled, MARKS)) or 0
        rebuilt = 0
        for owner_id in sorted(self._call(self._timeline_owners)):
            with storage.transaction(write=False) as uow:
                if self._rebuild(uow, settings, owner_id) is not None:
                    rebuilt += 1
        self._run([self._planner.forget_pulled(int(last_mark))])
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
        after = None if page.after is None else (score(page.after.at), page.after.id)
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
            items.sort(key=item_position, reverse=True)
            if window.known_above is None:
                return items[page.offset : wanted]
            known = [item for item in items if item_position(item) > window.known_above]
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

    def _window(self, owner_id: int, after: Position | None, size: int, hybrid: bool) -> Window:
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
            pipe.zrange(self._keys.pulled, 0, -1)
        replies = self._call(pipe.execute)
        markers = {text(marker) for marker in replies[0]}
        older = [position(stored, at) for stored, at in replies[-2 if hybrid else -1]]
        ties: list[Position] = []
        if after is not None:
            ties = sorted(
                (p for p in (position(m, s) for m, s in replies[1]) if p < after), reverse=True
            )
        pulled = () if not hybrid else tuple(sorted(pulled_ids(replies[-1])))
        return Window.of(markers, ties + older, len(older) < size, after, pulled)

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
        pending = f"{PENDING}{uuid.uuid4().hex}"
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
        self._run([self._planner.write(key, members(entries), pending=pending)])

    def _timeline_owners(self) -> set[int]:
        """The ids of the users whose timelines Redis holds (a set: SCAN may repeat a key)."""
        prefix = self._keys.timelines_prefix
        owners: set[int] = set()
        for key in self.client.scan_iter(match=f"{glob_escape(prefix)}*", count=1000):
            owner = text(key).removeprefix(prefix)
            if owner.isdigit():
                owners.add(int(owner))
        return owners

    # --- writing -----------------------------------------------------------------------------

    def _run(self, commands: Sequence[Command]) -> None:
        """Send commands in pipelines, loading the scripts again if Redis lost them."""
        for start in range(0, len(commands), _PIPELINE_CHUNK):
            chunk = commands[start : start + _PIPELINE_CHUNK]
            try:
                self._call(lambda chunk=chunk: self._pipeline(chunk, load_scripts=False))
            except BrokerError as error:
                if not isinstance(error.__cause__, redis.exceptions.NoScriptError):
                    raise
                # A restarted Redis forgot the scripts; every command is safe to repeat.
                self._call(lambda chunk=chunk: self._pipeline(chunk, load_scripts=True))

    def _pipeline(self, commands: Iterable[Command], *, load_scripts: bool) -> None:
        """Send ``commands`` in one pipeline; ``load_scripts`` first loads those Redis lacks.

        redis-py's own way to run a registered script in a pipeline asks
        Redis which scripts it has before every pipeline: a second round trip
        on every write, to cover a restart that is rare. So the scripts are
        run by digest, and only after Redis said it lacked one does the
        pipeline go through the scripts' objects, which load what is missing.
        """
        pipe = self.client.pipeline(transaction=False)
        for command in commands:
            if not isinstance(command, ScriptCall):
                pipe.execute_command(*command)  # type: ignore[no-untyped-call]
            elif load_scripts:
                self._scripts[command.script](command.keys, command.args, client=pipe)
            else:
                script = self._scripts[command.script]
                pipe.evalsha(script.sha, len(command.keys), *command.keys, *command.args)
        pipe.execute()

    @staticmethod
    def _call(operation: Any) -> Any:
        try:
            return operation()
        except redis.RedisError as error:
            raise BrokerError(f"Redis failed: {type(error).__name__}") from error
