"""Fixtures and tiers: one parametrized storage fixture runs every contract test on every backend.

PostgreSQL tests need ``SOCIALFEED_TEST_POSTGRESQL_URL`` (for example
``postgresql://postgres@127.0.0.1:5432/test``); without it they are skipped,
unless ``SOCIALFEED_TEST_REQUIRE_POSTGRESQL=1`` is set too, as CI does, in
which case a missing URL fails the run instead of hiding the tests.

Redis tests work the same way with ``SOCIALFEED_TEST_REDIS_URL`` (for example
``redis://127.0.0.1:6379/0``) and ``SOCIALFEED_TEST_REQUIRE_REDIS=1``. Each
test gets its own key prefix, and its keys are deleted afterwards, so a
shared server keeps nothing from a run.

Run in parallel with pytest-xdist (``make test`` does), each worker uses a
PostgreSQL database of its own, named after the configured one with the
worker's id appended (``test_gw0``, ``test_gw1``...) and created on first use
by the URL's user; Redis needs nothing more than the per-test prefixes.

Every test is marked with its tier and with the servers it needs, so that
``-m`` can choose (``make check`` runs ``not (postgresql or redis or http or
reliability or security or slow)``): see ``pytest_collection_modifyitems``.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import URL, Engine, create_engine, make_url, text
from sqlalchemy.pool import NullPool

from socialfeed import ManualClock, PasswordHasher, Settings, SocialFeed, User
from socialfeed.storage import MemoryStorage, SQLStorage, Storage
from socialfeed.storage.sql.schema import metadata
from tests.support import EventRecorder

if TYPE_CHECKING:
    import redis


def _of_this_worker(url: str | None) -> str | None:
    """The database a pytest-xdist worker uses: the configured one, suffixed with its id."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if url is None or worker is None:
        return url
    configured = make_url(url)
    own = configured.set(database=f"{configured.database}_{worker}")
    return own.render_as_string(hide_password=False)


CONFIGURED_POSTGRESQL_URL = os.environ.get("SOCIALFEED_TEST_POSTGRESQL_URL") or None
#: The test database of this process (of this xdist worker, when run in parallel).
POSTGRESQL_URL = _of_this_worker(CONFIGURED_POSTGRESQL_URL)
REQUIRE_POSTGRESQL = os.environ.get("SOCIALFEED_TEST_REQUIRE_POSTGRESQL") == "1"
REDIS_URL = os.environ.get("SOCIALFEED_TEST_REDIS_URL") or None
REQUIRE_REDIS = os.environ.get("SOCIALFEED_TEST_REQUIRE_REDIS") == "1"
# --8<-- [start:backends]
BACKENDS = ["memory", "sqlite", "postgresql"]
SQL_BACKENDS = ["sqlite", "postgresql"]
# --8<-- [end:backends]

# The fastest hasher allowed (the OWASP floor); one for the whole run.
HASHER = PasswordHasher.minimum()


def pytest_configure(config: pytest.Config) -> None:
    if REQUIRE_POSTGRESQL and not POSTGRESQL_URL:
        raise pytest.UsageError(
            "SOCIALFEED_TEST_REQUIRE_POSTGRESQL=1 but SOCIALFEED_TEST_POSTGRESQL_URL is not set"
        )
    if REQUIRE_REDIS and not REDIS_URL:
        raise pytest.UsageError(
            "SOCIALFEED_TEST_REQUIRE_REDIS=1 but SOCIALFEED_TEST_REDIS_URL is not set"
        )


# Where each test tier lives: a test in one of these folders is marked with its name.
TESTS = Path(__file__).parent
TIER_FOLDERS = frozenset({"http", "reliability", "security"})


# First, so that -m, which deselects in this same hook, sees these markers.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test with its tier and with the servers it needs, for ``-m`` to choose.

    Here, and not in each module, so that a new test lands in its tier by its
    folder alone, and is known to need PostgreSQL (or Redis) as soon as it runs
    on the ``postgresql`` backend (or on a Redis fixture). A module slow by
    nature outside the tier folders says so itself (``pytestmark``).
    """
    for item in items:
        folder = item.path.relative_to(TESTS).parts[0]
        if folder in TIER_FOLDERS:
            item.add_marker(folder)
        if not isinstance(item, pytest.Function):
            continue
        params = list(item.callspec.params.values()) if hasattr(item, "callspec") else []
        if "postgresql" in params or "postgresql_url" in item.fixturenames:
            item.add_marker("postgresql")
        if "redis" in params or "redis_prefix" in item.fixturenames:
            item.add_marker("redis")


def _psycopg(url: str) -> URL:
    """A PostgreSQL URL with the psycopg 3 driver, which a plain ``postgresql://`` lacks."""
    parsed = make_url(url)
    return (
        parsed.set(drivername="postgresql+psycopg") if parsed.drivername == "postgresql" else parsed
    )


def _create_database_if_missing(url: str, *, maintenance_url: str) -> None:
    """Create the database of ``url``, connecting to the one of ``maintenance_url`` to do it."""
    name = make_url(url).database
    assert name is not None
    engine = create_engine(
        _psycopg(maintenance_url), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    try:
        with engine.connect() as conn:
            query = text("SELECT 1 FROM pg_database WHERE datname = :name")
            if conn.execute(query, {"name": name}).first() is None:
                conn.exec_driver_sql(
                    f"CREATE DATABASE {conn.dialect.identifier_preparer.quote(name)}"
                )
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def postgresql_url() -> str:
    """The URL of this process's test database, which exists (an xdist worker's is made here)."""
    if not POSTGRESQL_URL:
        pytest.skip("PostgreSQL tests need SOCIALFEED_TEST_POSTGRESQL_URL")
    assert CONFIGURED_POSTGRESQL_URL is not None
    if POSTGRESQL_URL != CONFIGURED_POSTGRESQL_URL:
        _create_database_if_missing(POSTGRESQL_URL, maintenance_url=CONFIGURED_POSTGRESQL_URL)
    return POSTGRESQL_URL


@pytest.fixture(scope="session")
def postgresql_engine(postgresql_url: str) -> Iterator[Engine]:
    """One engine on the test database for the whole run, with a fresh schema."""
    engine = create_engine(_psycopg(postgresql_url), pool_size=20, max_overflow=10)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file with the schema and no rows, made once for the run, to be copied."""
    path = tmp_path_factory.mktemp("template") / "socialfeed.db"
    storage = SQLStorage.from_url(f"sqlite:///{path}")
    storage.create_schema()
    # Closing the last connection folds the write-ahead log into the file, so
    # the one file is the whole database.
    storage.close()
    return path


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own on the test Redis server, whose keys go afterwards."""
    if not REDIS_URL:
        pytest.skip("Redis tests need SOCIALFEED_TEST_REDIS_URL")
    import redis

    prefix = f"socialfeed-test:{uuid.uuid4().hex}:"
    yield prefix
    with redis.Redis.from_url(REDIS_URL) as client:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)


@pytest.fixture
def redis_client(redis_prefix: str) -> Iterator[redis.Redis]:
    """A client of the test Redis server (use it with ``redis_prefix``)."""
    import redis

    assert REDIS_URL is not None
    client = redis.Redis.from_url(REDIS_URL)
    yield client
    client.close()


def _emptying_statements() -> str:
    """DELETE every row, children first, then restart every id sequence at 1.

    Not TRUNCATE: on tables this small, TRUNCATE's new files and their fsyncs
    cost a quarter of a second a test, DELETE a few milliseconds.
    """
    deletes = [f"DELETE FROM {table.name}" for table in reversed(metadata.sorted_tables)]
    restarts = [
        f"setval(pg_get_serial_sequence('{table.name}', '{column.name}'), 1, false)"
        for table in metadata.sorted_tables
        if (column := table.autoincrement_column) is not None
    ]
    return "; ".join([*deletes, f"SELECT {', '.join(restarts)}"])


_EMPTY_POSTGRESQL = _emptying_statements()


def _empty_postgresql(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql(_EMPTY_POSTGRESQL)


# --8<-- [start:make_storage]
def make_storage(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    """Build an empty storage of the named backend."""
    if backend == "memory":
        return MemoryStorage()
    if backend == "sqlite":
        # A copy of the run's empty database: creating the schema costs far more.
        path = tmp_path / "socialfeed.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        storage = SQLStorage.from_url(f"sqlite:///{path}")
        request.addfinalizer(storage.close)
        return storage
    engine: Engine = request.getfixturevalue("postgresql_engine")
    _empty_postgresql(engine)
    return SQLStorage(engine)


@pytest.fixture(params=BACKENDS)
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    """An empty storage, once per backend."""
    return make_storage(request.param, request, tmp_path)


# --8<-- [end:make_storage]


@pytest.fixture(params=SQL_BACKENDS)
def sql_storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    """An empty SQL storage on a real file or server, once per SQL backend."""
    return make_storage(request.param, request, tmp_path)


@pytest.fixture
def clock() -> ManualClock:
    """A clock that moves only when a test moves it."""
    return ManualClock()


@pytest.fixture
def feed(storage: Storage, clock: ManualClock) -> SocialFeed:
    """A facade on the backend under test; receiver errors fail the test.

    The outbox is on, so that every service test also checks that an action
    records its events in its transaction, and (through ``unchanged``) that a
    refused action records none.
    """
    return SocialFeed(
        storage,
        settings=Settings(raise_receiver_errors=True, outbox=True),
        clock=clock,
        password_hasher=HASHER,
    )


@pytest.fixture
def events(feed: SocialFeed) -> Iterator[EventRecorder]:
    """Every event the ``feed`` facade sends during the test."""
    recorder = EventRecorder(feed)
    recorder.connect()
    yield recorder
    recorder.disconnect()


# --- The people most tests start from: made in this order, so their ids are 1, 2, 3 ----------


@pytest.fixture
def alice(feed: SocialFeed) -> User:
    """A member named alice, the first one made."""
    return feed.accounts.create_profile("alice")


@pytest.fixture
def bob(feed: SocialFeed, alice: User) -> User:
    """A member named bob, made after alice."""
    return feed.accounts.create_profile("bob")


@pytest.fixture
def carol(feed: SocialFeed, bob: User) -> User:
    """A member named carol, made after bob."""
    return feed.accounts.create_profile("carol")
