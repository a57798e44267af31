"""Sending an event through its signal: the one place receivers are called.

The services use it after a commit, `OutboxService.deliver_pending` for
events a crashed process never sent, and a stream worker for events that
came from another process, so receivers see the same call everywhere.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Iterable
from typing import Any

from blinker import NamedSignal

from socialfeed.events import Event
from socialfeed.signals import signal_for

__all__ = ["Failure", "Receiver", "receivers_of", "send"]

Receiver = Callable[..., Any]
Failure = tuple[Receiver, Exception]
"""A receiver that raised, and what it raised."""

logger = logging.getLogger("socialfeed")


def receivers_of(event: Event, sender: object) -> list[Receiver]:
    """Return the receivers of ``event``'s signal for ``sender``, in connection order.

    blinker collects them in a set, whose order changes from run to run; a
    library whose handlers write rows must not depend on chance. A muted
    signal has none.
    """
    signal = signal_for(type(event))
    if signal.is_muted:
        return []
    return _in_connection_order(signal, list(signal.receivers_for(sender)))


def send(
    event: Event, sender: object, receivers: Iterable[Receiver] | None = None
) -> list[Failure]:
    """Call each receiver of ``event`` (or only ``receivers``) and return those that raised.

    Every receiver runs even when an earlier one raised; each failure is
    logged with its traceback.
    """
    failures: list[Failure] = []
    for receiver in receivers_of(event, sender) if receivers is None else receivers:
        try:
            receiver(sender, event=event)
        except Exception as error:
            logger.exception(
                "receiver %r of signal %r failed", receiver, signal_for(type(event)).name
            )
            failures.append((receiver, error))
    return failures


def _in_connection_order(signal: NamedSignal, wanted: list[Receiver]) -> list[Receiver]:
    connected = [
        ref() if isinstance(ref, weakref.ref) else ref for ref in list(signal.receivers.values())
    ]

    def position(receiver: Receiver) -> int:
        return next((i for i, c in enumerate(connected) if c == receiver), len(connected))

    return sorted(wanted, key=position)
