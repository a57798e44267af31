"""Storage backends and the protocols they implement.

`MemoryStorage` keeps everything in memory; `SQLStorage` keeps
it in SQLite or PostgreSQL. Both implement `Storage`.
"""

from socialfeed.storage.base import Storage, UnitOfWork
from socialfeed.storage.memory import MemoryStorage
from socialfeed.storage.sql import SQLStorage

__all__ = ["MemoryStorage", "SQLStorage", "Storage", "UnitOfWork"]
