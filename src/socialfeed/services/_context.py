"""The context every service of one facade shares: who sends, where rows live, what time it is."""

from __future__ import annotations

from attrs import frozen

from socialfeed.clock import Clock
from socialfeed.outbox.delivery import Delivery
from socialfeed.settings import Settings
from socialfeed.storage.base import Storage
from socialfeed.timelines import TimelineStore

__all__ = ["Context"]


@frozen
class Context:
    """The parts a facade wires once and hands to each of its services.

    Only what every service needs is here: a part that one service alone
    uses (the password hasher, the notification renderer) is given to that
    service's constructor instead, so no service can reach another's tools.
    """

    sender: object
    storage: Storage
    settings: Settings
    clock: Clock
    delivery: Delivery
    timeline_store: TimelineStore | None = None
