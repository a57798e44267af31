"""Where socialfeed gets the time from, so tests can move it instead of sleeping."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "ManualClock", "SystemClock"]


class Clock(Protocol):
    """Anything that tells the current time as a timezone-aware UTC datetime."""

    def now(self) -> datetime:
        """Return the current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """Return the system's current time in UTC."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to, for tests and simulations.

    Each call of `now` advances it by ``tick`` (one microsecond by
    default), so two actions never share a timestamp unless a test asks for
    that with ``tick=timedelta(0)``.
    """

    def __init__(
        self, start: datetime | None = None, *, tick: timedelta = timedelta(microseconds=1)
    ) -> None:
        if start is not None and start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start time")
        self._now = (start or datetime(2026, 1, 1, tzinfo=UTC)).astimezone(UTC)
        self._tick = tick
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """Return the clock's time, then move it on by one tick."""
        with self._lock:
            current = self._now
            self._now += self._tick
            return current

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward by ``delta``."""
        with self._lock:
            self._now += delta
