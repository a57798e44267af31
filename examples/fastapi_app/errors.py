"""The one place where errors become HTTP answers, and where routes document them.

Every library error reaches :func:`socialfeed_error_handler`, which maps it
with :func:`http_error`; request validation done by FastAPI reaches
:func:`request_validation_handler`; FastAPI's and Starlette's own HTTP errors
(404, 405) keep their answers, with a complete ``Allow`` header on a 405. All
of them are ``{"detail": "<message>"}``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response, status
from fastapi.exception_handlers import (
    http_exception_handler as fastapi_http_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from examples.fastapi_app.schemas import Error
from socialfeed import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    SelfActionError,
    SocialFeedError,
    StorageBusyError,
    StorageConflictError,
    ValidationError,
)

__all__ = [
    "AUTH",
    "BAD_TOKEN",
    "BEARER_CHALLENGE",
    "INVALID",
    "http_error",
    "install_error_handlers",
    "not_authenticated",
    "responses",
]

logger = logging.getLogger(__name__)

#: Sent with every 401, as RFC 6750 asks of a bearer-token API.
BEARER_CHALLENGE: Mapping[str, str] = {"WWW-Authenticate": "Bearer"}
_RETRY_LATER: Mapping[str, str] = {"Retry-After": "1"}


# --8<-- [start:http_error]
def http_error(error: SocialFeedError) -> tuple[int, str, Mapping[str, str]]:
    """Return the status, detail and headers that answer a library error."""
    match error:
        case NotFoundError():
            return status.HTTP_404_NOT_FOUND, error.message, {}
        case PermissionDeniedError():
            return status.HTTP_403_FORBIDDEN, error.message, {}
        # Before ValidationError, its base: acting on yourself is a bad request, not bad input.
        case SelfActionError():
            return status.HTTP_400_BAD_REQUEST, error.reason, {}
        case ConflictError():
            return status.HTTP_400_BAD_REQUEST, error.message, {}
        case ValidationError():
            return status.HTTP_422_UNPROCESSABLE_CONTENT, str(error), {}
        case AuthenticationError():
            return status.HTTP_401_UNAUTHORIZED, error.message, BEARER_CHALLENGE
        case StorageBusyError() | StorageConflictError():
            return status.HTTP_503_SERVICE_UNAVAILABLE, "Service busy, try again", _RETRY_LATER
        case _:
            # A failed storage or a receiver that raised: nothing a client can act on,
            # and its message may say more about the server than a client should know.
            logger.error("socialfeed error answered with 500", exc_info=error)
            return status.HTTP_500_INTERNAL_SERVER_ERROR, "Internal server error", {}


# --8<-- [end:http_error]


def not_authenticated() -> HTTPException:
    """Return the 401 for a request that carries no bearer token."""
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail="Not authenticated", headers=dict(BEARER_CHALLENGE)
    )


# --8<-- [start:error_handler]
async def socialfeed_error_handler(request: Request, error: Exception) -> Response:
    """Answer a library error as :func:`http_error` says."""
    assert isinstance(error, SocialFeedError)  # registered for SocialFeedError only
    code, detail, headers = http_error(error)
    return JSONResponse({"detail": detail}, status_code=code, headers=dict(headers))


# --8<-- [end:error_handler]


async def request_validation_handler(request: Request, error: Exception) -> Response:
    """Answer FastAPI's own validation failure as 422 ``"<field>: <reason>"``, first error only."""
    assert isinstance(error, RequestValidationError)
    first = error.errors()[0]
    return _unprocessable(f"{_field_name(first['loc'])}: {first['msg']}")


def _field_name(loc: Sequence[str | int]) -> str:
    """Name the field of an error location such as ``("body", "username")``.

    The first element is where the value came from (body, query, path); the
    last string after it is the field. An error about the body as a whole
    (not JSON, not an object, missing) is about ``body``.
    """
    names = [part for part in loc[1:] if isinstance(part, str)]
    return names[-1] if names else str(loc[0])


def _unprocessable(detail: str) -> Response:
    return JSONResponse({"detail": detail}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


def install_error_handlers(app: FastAPI, routers: Iterable[APIRouter]) -> None:
    """Register the handlers above on ``app``, which serves the routes of ``routers``."""
    # Starlette's 405 lists the methods of the first route that matched the path
    # only; HTTP wants every method of the resource. The resource is the first
    # path template that matches, so "/api/users/me" is not "/api/users/{user_id}".
    resources: dict[str, tuple[re.Pattern[str], set[str]]] = {}
    for router in routers:
        for route in router.routes:
            if isinstance(route, APIRoute) and route.methods:
                resources.setdefault(route.path, (route.path_regex, set()))[1].update(route.methods)

    def allowed_methods(path: str) -> str | None:
        for regex, methods in resources.values():
            if regex.match(path):
                return ", ".join(sorted(methods))
        return None

    async def http_exception_handler(request: Request, error: Exception) -> Response:
        """Answer Starlette's and FastAPI's own HTTP errors, with two corrections."""
        assert isinstance(error, HTTPException)
        if error.status_code == status.HTTP_400_BAD_REQUEST and error.__cause__ is not None:
            # FastAPI's answer to a body it could not decode at all (not UTF-8,
            # nested too deep): to a client that is malformed JSON like any other.
            return _unprocessable("body: JSON decode error")
        if error.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
            allowed = allowed_methods(request.scope["path"])
            if allowed:
                return JSONResponse(
                    {"detail": error.detail},
                    status_code=error.status_code,
                    headers={"Allow": allowed},
                )
        return await fastapi_http_exception_handler(request, error)

    # --8<-- [start:register]
    app.add_exception_handler(SocialFeedError, socialfeed_error_handler)
    app.add_exception_handler(RequestValidationError, request_validation_handler)
    app.add_exception_handler(HTTPException, http_exception_handler)
    # --8<-- [end:register]


# OpenAPI

#: How the 401 of a route that needs a token is described.
AUTH = '"Not authenticated" (no bearer token) or "Invalid token"'
#: How the 401 of a route that reads with or without a token is described.
BAD_TOKEN = (
    '"Invalid token": the token sent is unknown, expired or revoked (send none to read anonymously)'
)
#: How a 422 is described.
INVALID = 'Invalid input: "<field>: <reason>"'


def responses(errors: Mapping[int, str]) -> dict[int | str, dict[str, Any]]:
    """Document a route's error answers for OpenAPI, plus the 503 that any route may give.

    ``errors`` maps each status the route may answer with to what it says,
    such as ``{404: '"Post not found"'}``.
    """
    documented: dict[int | str, dict[str, Any]] = {
        code: {"model": Error, "description": text} for code, text in sorted(errors.items())
    }
    if status.HTTP_401_UNAUTHORIZED in documented:
        documented[status.HTTP_401_UNAUTHORIZED]["headers"] = {
            "WWW-Authenticate": {"description": "Always `Bearer`", "schema": {"type": "string"}}
        }
    documented[status.HTTP_503_SERVICE_UNAVAILABLE] = {
        "model": Error,
        "description": '"Service busy, try again": the database stayed busy; retry',
        "headers": {
            "Retry-After": {"description": "Seconds to wait", "schema": {"type": "string"}}
        },
    }
    return documented
