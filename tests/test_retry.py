"""The one retry loop: pauses that grow, a limit, a stop, and a log line for every retry."""

from __future__ import annotations

import itertools
import logging

import pytest

from socialfeed._retry import Backoff, retrying
from socialfeed.errors import StorageConflictError, StorageError

LOG = logging.getLogger("socialfeed.test-retry")


class Flaky:
    """An action that fails ``failures`` times with ``error``, then returns "done"."""

    def __init__(self, failures: int, error: Exception) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return "done"


def test_retries_until_the_action_succeeds_and_logs_each_retry(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Two failures, two logged retries with their pauses, then the action's own result."""
    action = Flaky(2, StorageConflictError("lost a race"))
    pauses: list[float] = []
    caplog.set_level(logging.INFO, logger=LOG.name)

    result = retrying(
        action,
        retry_on=(StorageConflictError,),
        backoff=Backoff(0.5),
        wait=pauses.append,
        what="the test action",
        log=LOG,
        level=logging.INFO,
    )

    assert (result, action.calls, pauses) == ("done", 3, [0.5, 1.0])
    messages = [record.getMessage() for record in caplog.records if record.name == LOG.name]
    assert len(messages) == 2
    assert messages[0].startswith("the test action failed (StorageConflictError: lost a race)")
    assert "attempt 1; retrying in 0.500 s" in messages[0]
    assert "attempt 2; retrying in 1.000 s" in messages[1]


def test_gives_up_after_the_last_attempt_with_its_error() -> None:
    """With ``attempts=3`` the action is called three times and the third error is raised."""
    action = Flaky(5, StorageConflictError("still losing"))

    with pytest.raises(StorageConflictError, match="still losing"):
        retrying(
            action,
            retry_on=(StorageConflictError,),
            backoff=Backoff(0.0),
            attempts=3,
            wait=lambda _: None,
            what="x",
        )

    assert action.calls == 3


def test_an_error_it_does_not_retry_passes_through_at_once() -> None:
    """An error outside ``retry_on`` is raised from the first call, with no pause."""
    action = Flaky(1, StorageError("the disk is gone"))
    pauses: list[float] = []

    with pytest.raises(StorageError, match="the disk is gone"):
        retrying(
            action,
            retry_on=(StorageConflictError,),
            backoff=Backoff(1.0),
            wait=pauses.append,
            what="x",
        )

    assert (action.calls, pauses) == (1, [])


def test_a_wait_that_reports_a_stop_ends_the_retries() -> None:
    """A ``wait`` that returns true (a stop event that was set) raises the error at once."""
    action = Flaky(10, StorageError("the database is away"))

    with pytest.raises(StorageError):
        retrying(
            action,
            retry_on=(StorageError,),
            backoff=Backoff(1.0),
            wait=lambda _: True,
            what="x",
        )

    assert action.calls == 1


def test_pauses_double_up_to_the_ceiling() -> None:
    """Without jitter the pauses are first, twice that, and so on, never above the ceiling."""
    pauses = list(itertools.islice(Backoff(0.1, ceiling=0.5).pauses(), 5))

    assert pauses == pytest.approx([0.1, 0.2, 0.4, 0.5, 0.5])


def test_jittered_pauses_stay_between_zero_and_the_doubling_bound() -> None:
    """With jitter each pause is drawn from zero to what the plain backoff would have paused."""
    plain = itertools.islice(Backoff(0.02).pauses(), 8)
    jittered = itertools.islice(Backoff(0.02, jitter=True).pauses(), 8)

    assert all(0 <= drawn <= bound for drawn, bound in zip(jittered, plain, strict=True))
