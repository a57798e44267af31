"""How the Redis timeline store lays its data out, and what a run of entries read back means.

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
to (see `socialfeed.redis.RedisTimelines`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta

from attrs import frozen

from socialfeed.models import FeedItem
from socialfeed.storage.base import TimelineEntry

__all__ = [
    "BUILT",
    "MARKS",
    "PENDING",
    "Position",
    "TimelineKeys",
    "Window",
    "glob_escape",
    "item_position",
    "member",
    "members",
    "position",
    "pulled_ids",
    "score",
    "text",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
BUILT = "built"
PENDING = "pending:"
_FLOOR = "floor:"
MARKS = "marks"  # the pulled set's counter, kept in the set itself (one key, one hash slot)
_ID_WIDTH = 20  # the Lua scripts cut a member's post id at this width too

Position = tuple[int, int]
"""An entry's place in a timeline: (score, post id); larger is newer."""


@frozen
class TimelineKeys:
    """The names of a store's keys, all under its prefix."""

    prefix: str

    @property
    def pulled(self) -> str:
        """The hybrid feed's set of pulled authors."""
        return f"{self.prefix}pulled"

    @property
    def timelines_prefix(self) -> str:
        """What every timeline's key starts with; the owner's id follows."""
        return f"{self.prefix}timeline:"

    def timeline(self, owner_id: int) -> str:
        """The key of the user's timeline."""
        return f"{self.timelines_prefix}{owner_id}"


@frozen
class Window:
    """A run of a timeline's entries, read newest first, and how far they can be trusted."""

    built: bool
    post_ids: list[int]
    # Items newer than this are all known; None: everything older is known too.
    known_above: Position | None
    at_floor: bool  # the run reached the trimmed part, where entries may be missing
    last: Position | None  # where the next run starts
    pulled: tuple[int, ...]

    @classmethod
    def of(
        cls,
        markers: set[str],
        entries: list[Position],
        exhausted: bool,
        after: Position | None,
        pulled: tuple[int, ...],
    ) -> Window:
        """Judge ``entries`` read after ``after``; ``exhausted``: the timeline had no more."""
        floor = next((_floor(marker) for marker in markers if marker.startswith(_FLOOR)), None)
        trusted = [entry for entry in entries if floor is None or entry > floor]
        at_floor = floor is not None and (exhausted or len(trusted) < len(entries))
        if at_floor:
            known_above: Position | None = floor
        elif exhausted:
            known_above = None
        else:
            # The last entry itself is known: one id below it, in its microsecond.
            known_above = (entries[-1][0], entries[-1][1] - 1)
        return cls(
            built=BUILT in markers,
            post_ids=[post_id for _, post_id in trusted],
            known_above=known_above,
            at_floor=at_floor,
            last=entries[-1] if entries else after,
            pulled=pulled,
        )


def members(entries: Iterable[TimelineEntry]) -> Iterator[tuple[str, int]]:
    """Each entry as the (member, score) it is stored as."""
    for entry in entries:
        yield member(entry.post_id, entry.author_id), score(entry.created_at)


def score(at: datetime) -> int:
    """A time as whole microseconds since 1970: exact in a Redis score until the year 2255."""
    return (at - _EPOCH) // timedelta(microseconds=1)


def member(post_id: int, author_id: int) -> str:
    """The member a post is stored as in a timeline."""
    return f"{post_id:0{_ID_WIDTH}d}:{author_id}"


def glob_escape(prefix: str) -> str:
    """``prefix`` as a SCAN pattern that matches only itself."""
    return "".join(f"\\{char}" if char in "\\*?[]" else char for char in prefix)


def text(value: bytes | str) -> str:
    """A reply as text, whether the client decodes replies or not."""
    return value.decode() if isinstance(value, bytes) else value


def position(stored: bytes | str, at: float) -> Position:
    """Where the entry stored as ``stored`` with score ``at`` stands."""
    return (int(at), int(text(stored)[:_ID_WIDTH]))


def item_position(item: FeedItem) -> Position:
    """Where a feed item's post stands in a timeline."""
    return (score(item.post.created_at), item.post.id)


def pulled_ids(stored: Iterable[bytes | str]) -> Iterator[int]:
    """The author ids in the members of the pulled set, without its counter."""
    for value in stored:
        author = text(value)
        if author != MARKS:
            yield int(author)


def _floor(marker: str) -> Position:
    at, _, post_id = marker.removeprefix(_FLOOR).partition(":")
    return (int(float(at)), int(post_id))
