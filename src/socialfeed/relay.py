"""Moved to `socialfeed.outbox.relay`; this name stays for code that imports it from here."""

from socialfeed.outbox.relay import Publisher, Relay

__all__ = ["Publisher", "Relay"]
