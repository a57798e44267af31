"""Moved to `socialfeed.outbox.wire`; this name stays for code that imports it from here."""

from socialfeed.errors import WireFormatError  # the old module imported it too
from socialfeed.outbox.wire import EVENT_TYPES, WIRE_VERSION, decode, encode

__all__ = ["EVENT_TYPES", "WIRE_VERSION", "WireFormatError", "decode", "encode"]
