"""Fixtures: one parametrized storage fixture runs every contract test on every backend.

PostgreSQL tests need ``SOCIALFEED_TEST_POSTGRESQL_URL`` (for example
``postgresql://postgres@127.0.0.1:5432/test``); without it they are skipped,
unless ``SOCIALFEED_TEST_REQUIRE_POSTGRESQL=1`` is set too, as CI does, in
which case a missing URL fails the run instead of hiding the tests.

Redis tests work the same way with ``SOCIALFEED_TEST_REDIS_URL`` (for example
``redis://127.0.0.1:6379/0``) and ``SOCIALFEED_TEST_REQUIRE_REDIS=1``. Each
test gets its own key prefix, and its keys are deleted afterwards, so a
shared server keeps nothing from a run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine, create_engine, make_url, text

from socialfeed import ManualClock, PasswordHasher, Settings, SocialFeed
from socialfeed.storage import MemoryStorage, SQLStorage, Storage
from socialfeed.storage.sql.schema import metadata
from tests.support import EventRecorder

if TYPE_CHECKING:
    import redis

POSTGRESQL_URL = os.environ.get("SOCIALFEED_TEST_POSTGRESQL_URL")
REQUIRE_POSTGRESQL = os.environ.get("SOCIALFEED_TEST_REQUIRE_POSTGRESQL") == "1"
REDIS_URL = os.environ.get("SOCIALFEED_TEST_REDIS_URL")
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


@pytest.fixture(scope="session")
def postgresql_engine() -> Iterator[Engine]:
    """One engine on the test database for the whole run, with a fresh schema."""
    if not POSTGRESQL_URL:
        pytest.skip("PostgreSQL tests need SOCIALFEED_TEST_POSTGRESQL_URL")
    url = make_url(POSTGRESQL_URL)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    engine = create_engine(url, pool_size=20, max_overflow=10)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


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


def _empty_postgresql(engine: Engine) -> None:
    names = ", ".join(table.name for table in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


# --8<-- [start:make_storage]
def make_storage(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    """Build an empty storage of the named backend."""
    if backend == "memory":
        return MemoryStorage()
    if backend == "sqlite":
        storage = SQLStorage.from_url(f"sqlite:///{tmp_path / 'socialfeed.db'}")
        storage.create_schema()
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
