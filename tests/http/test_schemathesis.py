"""Property-based checks of the FastAPI app against its own OpenAPI document, with schemathesis.

Schemathesis generates requests from the document, valid ones and invalid
ones, and checks every response: no server error, and a status, content type,
headers and body that the document declares. It runs in process over ASGI,
bounded and derandomized so that CI stays quick and stable.

The schema is loaded when the module is collected (``schemathesis.pytest.from_fixture``
would defer that, but schemathesis 4.32 cannot run it under pytest 9: it sets
``Node._nodeid``, which pytest 9 no longer has), so the app and its facade are
module-level; the fixture below seeds them once, and each chain of linked calls
runs on a facade seeded afresh.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from examples.fastapi_app import create_app
from socialfeed import ManualClock, SocialFeed
from socialfeed.storage import MemoryStorage
from tests.http.conftest import new_feed
from tests.support import PASSWORD, SCALE

if TYPE_CHECKING:
    # Schemathesis names the Case of an OpenAPI operation for type checkers only.
    from schemathesis.generation.stateful.state_machine import APIStateMachine
    from schemathesis.specs.openapi.schemas import OpenApiCase

MAX_EXAMPLES = 15
# Each stateful example is a chain of up to STATEFUL_STEPS linked calls.
STATEFUL_EXAMPLES = 20 * SCALE
STATEFUL_STEPS = 8
# These would end the seeded session or account that every other generated request
# relies on; the HTTP tests cover them.
DESTRUCTIVE = ["POST /api/auth/logout", "DELETE /api/users/me"]

START = datetime(2026, 1, 1, tzinfo=UTC)
FEED = new_feed(MemoryStorage(), ManualClock(START))
CONFIG = schemathesis.Config.from_dict(
    {
        # The coverage phase enumerates boundary values without regard to max_examples.
        "phases": {"coverage": {"enabled": False}},
        # A schema-valid request may still break a rule the document cannot state (an
        # opaque cursor, blank content, following oneself): 4xx there is right, not a bug.
        "checks": {"positive_data_acceptance": {"enabled": False}},
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True},
    }
)
APP = create_app(FEED)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=CONFIG).exclude(
    name=DESTRUCTIVE
)


def seed(feed: SocialFeed) -> str:
    """Give alice a post, a comment, a story, a follower and a message; return her token."""
    alice = feed.accounts.register("alice", "alice@example.com", PASSWORD)
    bob = feed.accounts.create_profile("bob")
    post = feed.posts.create(alice.id, content="hello #world")
    feed.comments.add(bob.id, post.id, "hi")
    feed.stories.create(alice.id, content="story")
    feed.messages.send(bob.id, alice.id, "hello alice")
    feed.follows.follow(bob.id, alice.id)
    return feed.accounts.login("alice", PASSWORD).token


@pytest.fixture(scope="module")
def token() -> str:
    """A bearer token of alice's, in the module's seeded facade."""
    return seed(FEED)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_responses_conform_to_the_document(case: OpenApiCase, token: str) -> None:
    """Every generated request gets a non-5xx response that the OpenAPI document describes."""
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"})


def test_linked_calls_never_get_a_server_error(token: str) -> None:
    """Chains of calls, each feeding ids from one response into the next request, conform.

    FastAPI's document declares no OpenAPI links, so schemathesis infers them
    from the schemas (an ``id`` returned by ``POST /api/posts`` feeds
    ``{post_id}`` elsewhere, and so on) and walks them as a state machine.
    """
    headers = {"Authorization": f"Bearer {token}"}

    def setup(self: APIStateMachine) -> None:
        # Each chain starts from the same freshly seeded world: schemathesis
        # draws the next request from the responses so far, so a world that
        # kept earlier chains' rows made one choice of data lead to different
        # draws, which Hypothesis reports as a flaky strategy.
        fresh = new_feed(MemoryStorage(), ManualClock(START))
        headers["Authorization"] = f"Bearer {seed(fresh)}"
        APP.state.feed = fresh

    def teardown(self: APIStateMachine) -> None:
        APP.state.feed = FEED

    workflow: type[APIStateMachine] = type(
        "AuthenticatedWorkflow",
        (schema.as_state_machine(),),
        {
            "get_call_kwargs": lambda self, case: {"headers": headers},
            "setup": setup,
            "teardown": teardown,
        },
    )
    workflow.run(
        settings=settings(
            max_examples=STATEFUL_EXAMPLES,
            stateful_step_count=STATEFUL_STEPS,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
