"""The SQL backends: SQLAlchemy on SQLite (the embedded default) and on PostgreSQL.

The application hands in a URL or an engine; nothing connects before the
first transaction. On SQLite every connection gets foreign keys, WAL and a
busy timeout, and write transactions start with ``BEGIN IMMEDIATE``: a
deferred transaction that reads and then writes can fail at once with
"database is locked" when another writer got in between, which no timeout
can cure; taking the write lock up front makes writers queue instead.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.pool import StaticPool

from socialfeed.errors import StorageBusyError, StorageConflictError, StorageError
from socialfeed.storage.base import UnitOfWork
from socialfeed.storage.sql._outbox import OutboxListener
from socialfeed.storage.sql.repositories import SQLUnitOfWork
from socialfeed.storage.sql.schema import metadata

__all__ = ["SQLStorage"]

_WRITE = "socialfeed_write"
# PostgreSQL SQLSTATEs where running the transaction again can succeed.
_PG_RETRYABLE = {"40001", "40P01"}  # serialization_failure, deadlock_detected
_PG_RACES = {"23505", "23503"}  # unique_violation, foreign_key_violation
_SQLITE_RACES = ("unique constraint failed", "foreign key constraint failed")
_PG_BUSY = {"55P03", "57014"}  # lock_not_available, query_canceled (statement timeout)


class SQLStorage:
    """Storage in a SQL database through SQLAlchemy: SQLite or PostgreSQL.

    Build it with `from_url`, or hand in an `Engine`
    you configured yourself. The storage does not own a handed-in engine's
    lifetime beyond `close`, which disposes of its pool.
    """

    def __init__(self, engine: Engine, *, sqlite_busy_timeout: float = 30.0) -> None:
        _check_supported(engine.dialect.name)
        self.engine = engine
        self._serialize: threading.Lock | None = None
        if engine.dialect.name == "sqlite":
            _configure_sqlite(engine, sqlite_busy_timeout)
            if isinstance(engine.pool, StaticPool):
                # One shared connection (an in-memory database): one transaction at a time.
                self._serialize = threading.Lock()

    @classmethod
    def from_url(cls, url: str | URL, **engine_options: Any) -> SQLStorage:
        """Build a storage from a database URL.

        ``sqlite:///path/to/file.db`` is an embedded file, ``sqlite://`` a
        private in-memory database, and ``postgresql://user@host/db`` uses
        psycopg 3 (install the ``postgresql`` extra). Extra keyword arguments
        go to `sqlalchemy.create_engine`; the defaults are
        ``hide_parameters=True`` (no bound values in logs and errors) and, on
        PostgreSQL, ``pool_pre_ping=True`` (a connection the server closed is
        replaced before use, not found by a failed action).
        """
        parsed = make_url(url)
        _check_supported(parsed.get_backend_name())
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
            engine_options.setdefault("poolclass", StaticPool)
            engine_options.setdefault("connect_args", {"check_same_thread": False})
        # Statement logs and driver errors would otherwise show bound values:
        # password hashes, session token hashes, private messages.
        engine_options.setdefault("hide_parameters", True)
        if parsed.get_backend_name() == "postgresql":
            # A server restart or an idle timeout closes pooled connections
            # behind the pool's back; a ping on checkout finds them before an
            # action fails on one.
            engine_options.setdefault("pool_pre_ping", True)
        return cls(create_engine(parsed, **engine_options))

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[UnitOfWork]:
        """Run the block in one database transaction on one connection."""
        with self._serialize or nullcontext():
            try:
                with self.engine.connect() as conn:
                    conn.execution_options(**{_WRITE: write})
                    with conn.begin():
                        yield SQLUnitOfWork(conn)
            except DBAPIError as error:
                raise _translate(error) from error
            except PoolTimeoutError as error:
                raise StorageBusyError("no database connection became free in time") from error
            except SQLAlchemyError as error:
                raise StorageError(f"the database failed: {type(error).__name__}") from error

    def create_schema(self) -> None:
        """Create socialfeed's tables and indexes where they are missing."""
        try:
            metadata.create_all(self.engine)
        except SQLAlchemyError as error:
            raise StorageError(f"could not create the schema: {type(error).__name__}") from error

    def drop_schema(self) -> None:
        """Drop socialfeed's tables and everything in them."""
        metadata.drop_all(self.engine)

    def outbox_wakeups(self) -> OutboxListener | None:
        """On PostgreSQL, a listener a relay sleeps on until a commit records events; else None."""
        if self.engine.dialect.name == "postgresql":
            return OutboxListener(self.engine)
        return None

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def _check_supported(backend: str) -> None:
    if backend not in ("sqlite", "postgresql"):
        raise ValueError(f"socialfeed supports SQLite and PostgreSQL, not {backend}")


def _configure_sqlite(engine: Engine, busy_timeout: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself instead of
        # the driver's implicit, deferred one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Only socialfeed's own write transactions take the write lock up front;
        # anything else on the engine (create_all, an app's own reads) defers.
        begin = "BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN"
        driver = conn.connection.driver_connection
        dbapi_error = conn.dialect.loaded_dbapi.Error
        try:
            # Straight to the driver: through SQLAlchemy's execution machinery
            # the BEGIN cost a fifth of a small read's time.
            driver.execute(begin)  # type: ignore[union-attr]
        except dbapi_error as error:
            # Wrapped as SQLAlchemy would, so that a locked database is still "busy".
            raise DBAPIError.instance(begin, None, error, dbapi_error) from error


def _translate(error: DBAPIError) -> StorageError:
    """Turn a driver error into the library's error, saying whether a retry can help."""
    sqlstate = getattr(error.orig, "sqlstate", None)
    message = str(error.orig).lower()
    if (
        sqlstate in _PG_RACES
        or "unique constraint" in message
        or "foreign key constraint" in message
    ):
        # The ordinary duplicates are handled by the repositories; what is left
        # is a race with a concurrent insert or delete, which a retry sees clearly.
        return StorageConflictError("a concurrent change conflicted with this action")
    if sqlstate in _PG_RETRYABLE:
        return StorageConflictError("a concurrent transaction conflicted with this action")
    if sqlstate in _PG_BUSY:
        return StorageBusyError("the database stayed locked past its timeout")
    if "database is locked" in message or "database is busy" in message:
        return StorageBusyError("the database stayed locked past its timeout")
    return StorageError(f"the database failed: {type(error.orig).__name__}")
