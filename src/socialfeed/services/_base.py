"""What every service shares: the transaction runner and the signal dispatcher."""

from __future__ import annotations

import logging
import random
import time
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import frozen
from blinker import NamedSignal

from socialfeed.clock import Clock
from socialfeed.errors import NotFoundError, ReceiverError, StorageConflictError
from socialfeed.events import Event
from socialfeed.models import MAX_ID, Comment, Post, User
from socialfeed.security import PasswordHasher
from socialfeed.settings import Settings
from socialfeed.signals import signal_for
from socialfeed.storage.base import Storage, UnitOfWork

if TYPE_CHECKING:
    from socialfeed.services.notifications import NotificationRenderer

T = TypeVar("T")

logger = logging.getLogger("socialfeed")


@frozen
class Context:
    """The parts a facade wires once and every service of it shares."""

    sender: object
    storage: Storage
    settings: Settings
    clock: Clock
    hasher: PasswordHasher
    renderer: NotificationRenderer


class Service:
    """Base of the services: runs actions in transactions and sends their events."""

    def __init__(self, context: Context) -> None:
        self._context = context
        self._storage = context.storage
        self._settings = context.settings
        self._clock = context.clock

    def _write(self, work: Callable[[UnitOfWork], T]) -> T:
        """Run ``work`` in one write transaction and return what it returned.

        When the database reports a serialization failure or a deadlock, the
        whole transaction runs again, up to ``Settings.max_attempts`` times,
        with a short random pause so that the competitors spread out.
        """
        attempt = 1
        while True:
            try:
                with self._storage.transaction() as uow:
                    return work(uow)
            except StorageConflictError:
                if attempt >= self._settings.max_attempts:
                    raise
                time.sleep(random.uniform(0, 0.01 * 2**attempt))
                attempt += 1

    def _read(self, work: Callable[[UnitOfWork], T]) -> T:
        """Run ``work`` in one read-only transaction."""
        with self._storage.transaction(write=False) as uow:
            return work(uow)

    def _send(self, event: Event) -> None:
        """Send ``event`` through its signal to every receiver, after the commit.

        Receivers run in the order they were connected, each even when an
        earlier one raised; failures are logged and, with
        ``Settings.raise_receiver_errors``, raised together at the end.
        """
        signal = signal_for(type(event))
        if signal.is_muted:
            return
        sender = self._context.sender
        errors: list[Exception] = []
        for receiver in _in_connection_order(signal, sender):
            try:
                receiver(sender, event=event)
            except Exception as error:
                logger.exception("receiver %r of signal %r failed", receiver, signal.name)
                errors.append(error)
        if errors and self._settings.raise_receiver_errors:
            raise ReceiverError(errors)


def _in_connection_order(signal: NamedSignal, sender: object) -> list[Callable[..., Any]]:
    """Return the receivers for ``sender`` in the order they were connected.

    blinker collects them in a set, whose order changes from run to run; a
    library whose handlers write rows must not depend on chance.
    """
    wanted = list(signal.receivers_for(sender))
    connected = [
        ref() if isinstance(ref, weakref.ref) else ref for ref in list(signal.receivers.values())
    ]

    def position(receiver: Callable[..., Any]) -> int:
        return next((i for i, c in enumerate(connected) if c == receiver), len(connected))

    return sorted(wanted, key=position)


def is_id(value: int) -> bool:
    """Tell whether ``value`` can name a stored row (ids are positive 64-bit integers)."""
    return 0 < value <= MAX_ID


def require_user(uow: UnitOfWork, user_id: int) -> User:
    """Return the user, or raise NotFoundError("user")."""
    user = uow.users.get(user_id) if is_id(user_id) else None
    if user is None:
        raise NotFoundError("user")
    return user


def require_post(uow: UnitOfWork, post_id: int) -> Post:
    """Return the post, or raise NotFoundError("post")."""
    post = uow.posts.get(post_id) if is_id(post_id) else None
    if post is None:
        raise NotFoundError("post")
    return post


def require_comment(uow: UnitOfWork, comment_id: int) -> Comment:
    """Return the comment, or raise NotFoundError("comment")."""
    comment = uow.comments.get(comment_id) if is_id(comment_id) else None
    if comment is None:
        raise NotFoundError("comment")
    return comment
