"""The base of every service: an action runs in one transaction, then its events go out."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from socialfeed._retry import Backoff, retrying
from socialfeed.errors import StorageConflictError
from socialfeed.events import Event
from socialfeed.services._arguments import checked
from socialfeed.services._context import Context
from socialfeed.services._timelines import TimelineKeeper
from socialfeed.storage.base import UnitOfWork

__all__ = ["Service"]

T = TypeVar("T")

# The first pause after a lost race is drawn from 0 to 20 ms and the range
# doubles with each further attempt: a few milliseconds are enough for the
# competitor to commit, and random pauses keep the losers from colliding again.
_CONFLICT_BACKOFF = Backoff(first=0.02, jitter=True)


class Service:
    """Base of the services: runs actions in transactions and sends their events.

    Every public method of a subclass checks its arguments first (see
    `checked`): the types its annotations give, and ids no row can have.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, member in vars(cls).items():
            if not name.startswith("_") and inspect.isfunction(member):
                setattr(cls, name, checked(member))

    def __init__(self, context: Context) -> None:
        self._context = context
        self._storage = context.storage
        self._settings = context.settings
        self._clock = context.clock
        self._timelines = TimelineKeeper(context.settings, context.timeline_store)

    def _write(self, work: Callable[[UnitOfWork], T]) -> T:
        """Run ``work`` in one write transaction and return what it returned.

        When the database reports a serialization failure or a deadlock, the
        whole transaction runs again, up to ``Settings.max_attempts`` times,
        with a short random pause so that the competitors spread out. Each
        retry is logged at INFO: under contention they are expected.
        """

        def transaction() -> T:
            with self._storage.transaction() as uow:
                return work(uow)

        return retrying(
            transaction,
            retry_on=(StorageConflictError,),
            backoff=_CONFLICT_BACKOFF,
            attempts=self._settings.max_attempts,
            what=f"{type(self).__name__} transaction",
            level=logging.INFO,
        )

    def _read(self, work: Callable[[UnitOfWork], T]) -> T:
        """Run ``work`` in one read-only transaction."""
        with self._storage.transaction(write=False) as uow:
            return work(uow)

    def _act(self, work: Callable[[UnitOfWork], tuple[T, Sequence[Event]]]) -> T:
        """Run an action that announces events: ``work`` returns its result and its events.

        The events are recorded in the outbox inside the action's transaction
        (with ``Settings.outbox``) and sent to the receivers after the commit;
        see `Delivery`. An action that changed nothing returns no events.
        """
        delivery = self._context.delivery

        def run(uow: UnitOfWork) -> tuple[T, Sequence[Event], list[int]]:
            result, events = work(uow)
            return result, events, delivery.record(uow, events)

        result, events, record_ids = self._write(run)
        delivery.deliver(events, record_ids)
        return result
