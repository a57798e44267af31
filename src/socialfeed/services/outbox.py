"""The outbox, seen from the application: delivering what a crash left behind, and purging."""

from __future__ import annotations

from datetime import timedelta

from attrs import frozen

from socialfeed.services._service import Service

__all__ = ["OutboxService", "OutboxStatus"]


@frozen
class OutboxStatus:
    """How many outbox rows wait for the relay, and how many for this application's receivers."""

    unpublished: int
    undelivered: int


class OutboxService(Service):
    """The transactional outbox of ``Settings.outbox``.

    Call `deliver_pending` when the application starts, after connecting its
    receivers: an event committed by a process that died before its receivers
    ran reaches them then. Receivers cannot be reached before they are
    connected, which is why the facade does not do it on its own. A process
    with a timeline store should also call it periodically (every minute,
    say): events the store failed to take wait in the outbox until then.
    """

    def deliver_pending(
        self, *, older_than: timedelta = timedelta(seconds=10), batch_size: int = 500
    ) -> int:
        """Send this process's receivers every outbox event no receiver saw; return how many.

        Only rows recorded at least ``older_than`` ago are taken, so that the
        events another live process is sending right now are left to it (if
        that process is slow, they are sent twice, which the receivers must
        tolerate anyway). Rows go in the order they were recorded.
        """
        return self._context.delivery.deliver_pending(self._clock.now() - older_than, batch_size)

    def status(self) -> OutboxStatus:
        """Count the rows waiting to be published and waiting to be delivered."""
        unpublished, undelivered = self._read(lambda uow: uow.outbox.counts())
        return OutboxStatus(unpublished, undelivered)

    def purge(self, *, older_than: timedelta = timedelta(days=1)) -> int:
        """Delete the rows both published and delivered that are older than ``older_than``.

        Run it now and then (a cron job, the relay's host): the outbox keeps
        every row until then, which also lets an operator replay a stream.
        """
        before = self._clock.now() - older_than
        return self._write(lambda uow: uow.outbox.purge(before))
