"""Moved to `socialfeed.outbox.worker`; this name stays for code that imports it from here."""

from socialfeed.outbox.worker import Consumer, Received, Worker

__all__ = ["Consumer", "Received", "Worker"]
