"""Trying an action again after a failure that time may cure, with growing pauses.

Three places retry: a service transaction that lost a race (a serialization
failure or a deadlock), the relay and the workers while their database or
broker is away. They differ in what they retry, how long they pause and what
stops them, so those are the arguments; the loop, the pauses and the log line
for every retry are here, once. Twenty lines of our own rather than a
dependency such as tenacity or stamina: the library keeps its dependencies to
the four it needs, and these loops want nothing those add (decorators,
statistics, async variants).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

from attrs import frozen

__all__ = ["Backoff", "retrying"]

T = TypeVar("T")

_logger = logging.getLogger("socialfeed")


@frozen
class Backoff:
    """Pauses that start at ``first`` seconds and double up to ``ceiling``.

    With ``jitter`` each pause is drawn at random between zero and its
    value ("full jitter"), so that competitors who failed together spread out.
    """

    first: float
    ceiling: float = float("inf")
    jitter: bool = False

    def pauses(self) -> Iterator[float]:
        """Yield the pauses one after another, for ever."""
        pause = self.first
        while True:
            yield random.uniform(0, pause) if self.jitter else pause
            pause = min(pause * 2, self.ceiling)


def retrying(
    action: Callable[[], T],
    *,
    retry_on: tuple[type[Exception], ...],
    backoff: Backoff,
    attempts: int | None = None,
    wait: Callable[[float], object] = time.sleep,
    what: str,
    log: logging.Logger = _logger,
    level: int = logging.WARNING,
) -> T:
    """Call ``action`` until it returns, pausing after each failure named in ``retry_on``.

    After ``attempts`` calls (``None``: no limit) the last error is raised.
    ``wait`` pauses; one that returns true (`threading.Event.wait` once the
    event is set) means "stop": the error is raised at once. Each retry is
    logged on ``log`` at ``level``, naming ``what`` failed, the error and
    the pause, so that an operator sees a struggle before it becomes a failure.
    """
    pauses = backoff.pauses()
    attempt = 1
    while True:
        try:
            return action()
        except retry_on as error:
            if attempts is not None and attempt >= attempts:
                raise
            pause = next(pauses)
            log.log(
                level,
                "%s failed (%s: %s), attempt %d; retrying in %.3f s",
                what,
                type(error).__name__,
                error,
                attempt,
                pause,
            )
            if wait(pause):
                raise
            attempt += 1
