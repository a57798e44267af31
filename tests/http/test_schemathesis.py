"""Property-based checks of the FastAPI app against its own OpenAPI document, with schemathesis.

Schemathesis generates requests from the document, valid ones and invalid
ones, and checks every response: no server error, and a status, content type,
headers and body that the document declares. It runs in process over ASGI,
bounded and derandomized so that CI stays quick and stable.

The schema is loaded when the module is collected (``schemathesis.pytest.from_fixture``
would defer that, but schemathesis 4.32 cannot run it under pytest 9: it sets
``Node._nodeid``, which pytest 9 no longer has), so the app and its facade are
module-level; the fixture below seeds them once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from examples.fastapi_app import create_app
from socialfeed import ManualClock
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

FEED = new_feed(MemoryStorage(), ManualClock(datetime(2026, 1, 1, tzinfo=UTC)))
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
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(FEED), config=CONFIG).exclude(
    name=DESTRUCTIVE
)


@pytest.fixture(scope="module")
def token() -> str:
    """A bearer token of alice's, who has a post, a comment, a story, a follower and a message."""
    alice = FEED.accounts.register("alice", "alice@example.com", PASSWORD)
    bob = FEED.accounts.create_profile("bob")
    post = FEED.posts.create(alice.id, content="hello #world")
    FEED.comments.add(bob.id, post.id, "hi")
    FEED.stories.create(alice.id, content="story")
    FEED.messages.send(bob.id, alice.id, "hello alice")
    FEED.follows.follow(bob.id, alice.id)
    return FEED.accounts.login("alice", PASSWORD).token


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
    workflow: type[APIStateMachine] = type(
        "AuthenticatedWorkflow",
        (schema.as_state_machine(),),
        {"get_call_kwargs": lambda self, case: {"headers": headers}},
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
