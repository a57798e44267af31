"""Fixtures: one parametrized storage fixture runs every contract test on every backend.

PostgreSQL tests need ``SOCIALFEED_TEST_POSTGRESQL_URL`` (for example
``postgresql://postgres@127.0.0.1:5432/test``); without it they are skipped,
unless ``SOCIALFEED_TEST_REQUIRE_POSTGRESQL=1`` is set too, as CI does, in
which case a missing URL fails the run instead of hiding the tests.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text

from socialfeed import ManualClock, PasswordHasher, Settings, SocialFeed
from socialfeed.storage import MemoryStorage, SQLStorage, Storage
from socialfeed.storage.sql.schema import metadata
from tests.support import EventRecorder

POSTGRESQL_URL = os.environ.get("SOCIALFEED_TEST_POSTGRESQL_URL")
REQUIRE_POSTGRESQL = os.environ.get("SOCIALFEED_TEST_REQUIRE_POSTGRESQL") == "1"
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
    """A facade on the backend under test; receiver errors fail the test."""
    return SocialFeed(
        storage,
        settings=Settings(raise_receiver_errors=True),
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
