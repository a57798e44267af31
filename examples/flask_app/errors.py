"""The one place where errors become HTTP answers: ``{"detail": "<message>"}``.

The library's errors map by kind (not found 404, permission denied 403,
self-action and conflict 400, validation 422, authentication 401, busy
storage 503); malformed requests are 422 and Werkzeug's own errors (unknown
route, wrong method) keep their status with a JSON body.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from http import HTTPStatus

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from examples.flask_app.auth import NotAuthenticatedError
from examples.flask_app.inputs import RequestValidationError
from examples.flask_app.responses import json_response
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

__all__ = ["error_response", "register_error_handlers"]

_BEARER = {"WWW-Authenticate": "Bearer"}


def error_response(status: int, detail: str, headers: Mapping[str, str] | None = None) -> Response:
    """Return ``{"detail": detail}`` with ``status`` and ``headers``."""
    response = json_response({"detail": detail}, status)
    response.headers.update(headers or {})
    return response


# --8<-- [start:library_error]
def library_error(error: SocialFeedError) -> Response:
    """Answer one of the library's errors with the status its kind calls for."""
    # SelfActionError is a ValidationError, but a 400: test it first.
    if isinstance(error, SelfActionError):
        return error_response(400, error.reason)
    if isinstance(error, NotFoundError):
        return error_response(404, error.message)
    if isinstance(error, PermissionDeniedError):
        return error_response(403, error.message)
    if isinstance(error, ConflictError):
        return error_response(400, error.message)
    if isinstance(error, ValidationError):
        return error_response(422, str(error))
    if isinstance(error, AuthenticationError):
        return error_response(401, error.message, _BEARER)
    if isinstance(error, StorageBusyError | StorageConflictError):
        return error_response(503, "Service busy, try again", {"Retry-After": "1"})
    current_app.logger.error("unexpected socialfeed error", exc_info=error)
    return error_response(500, "Internal server error")


# --8<-- [end:library_error]


def request_validation_error(error: RequestValidationError) -> Response:
    """Answer a request the route could not read: 422 naming the field."""
    return error_response(422, str(error))


def not_authenticated(error: NotAuthenticatedError) -> Response:
    """Answer a request without a bearer token."""
    return error_response(401, "Not authenticated", _BEARER)


def http_error(error: HTTPException) -> Response:
    """Answer Werkzeug's errors (404, 405, 413...) with a JSON body and their headers."""
    status = error.code or 500
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers["Allow"] = ", ".join(_resource_methods(error.valid_methods))
    return error_response(status, HTTPStatus(status).phrase, headers)


def _resource_methods(valid_methods: Iterable[str]) -> list[str]:
    """Return the methods of the resource a 405's path names, sorted.

    Werkzeug lists every method that any rule matching the path takes, so
    ``POST /api/users/me`` would allow GET (from ``/api/users/<user_id>``).
    The resource is rather the first rule template, in registration order,
    that matches the path: ``/api/users/me``, which takes PUT and DELETE.
    The FastAPI example answers the same way.
    """
    rules = list(current_app.url_map.iter_rules())
    adapter = current_app.url_map.bind_to_environ(request.environ)
    matched = [adapter.match(method=method, return_rule=True)[0] for method in valid_methods]
    template = min(matched, key=rules.index).rule
    return sorted(
        {method for rule in rules if rule.rule == template for method in rule.methods or ()}
    )


def unexpected_error(error: InternalServerError) -> Response:
    """Answer an exception nobody handled (a bug) like the library's own unexpected errors."""
    return error_response(500, "Internal server error")


# --8<-- [start:register]
def register_error_handlers(app: Flask) -> None:
    """Install every handler above on ``app``."""
    app.register_error_handler(SocialFeedError, library_error)
    app.register_error_handler(RequestValidationError, request_validation_error)
    app.register_error_handler(NotAuthenticatedError, not_authenticated)
    app.register_error_handler(InternalServerError, unexpected_error)
    app.register_error_handler(HTTPException, http_error)


# --8<-- [end:register]
