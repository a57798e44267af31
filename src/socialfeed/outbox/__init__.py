"""The scale-out layer: events leave the process through the outbox and come back in workers.

Every action records its events in the outbox table inside its own
transaction (`socialfeed.outbox.delivery`, with ``Settings.outbox``) in a
versioned JSON form (`socialfeed.outbox.wire`). A `Relay` publishes the
outbox to a broker (and `replay` publishes it again from a point in time),
and a `Worker` in another process reads the broker and sends each event
through that process's signals. The Redis adapters for both
are in `socialfeed.redis`; the ``socialfeed relay``, ``worker`` and
``outbox`` commands run them (`socialfeed.outbox.commands`). The
application's view of its own outbox is the facade's ``feed.outbox``
(`socialfeed.services.OutboxService`).
"""

from socialfeed.outbox.relay import Publisher, Relay, replay
from socialfeed.outbox.worker import Consumer, Received, Worker

__all__ = ["Consumer", "Publisher", "Received", "Relay", "Worker", "replay"]
