"""Repairs an operator runs by hand or from a periodic job."""

from __future__ import annotations

from socialfeed.services._base import Service

__all__ = ["MaintenanceService"]


class MaintenanceService(Service):
    """Whole-storage checks and repairs."""

    def reconcile_counters(self) -> int:
        """Recompute every counter from the rows it counts; return how many were wrong.

        Post, follower and following counts of users, like and comment counts
        of posts, and post counts of hashtags. The services keep them exact,
        so on a healthy storage this returns 0 and changes nothing; it exists
        to repair rows edited behind socialfeed's back. It reads every row:
        run it off-peak.
        """
        return self._write(lambda uow: uow.maintenance.reconcile_counters())
