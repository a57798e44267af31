"""Who is calling: the bearer token of the request, resolved by the library."""

from __future__ import annotations

from flask import request

from examples.flask_app.extension import current_feed
from socialfeed.ids import UserId

__all__ = ["NotAuthenticatedError", "bearer_token", "current_user", "current_viewer"]


class NotAuthenticatedError(Exception):
    """The request carries no bearer token at all (answered ``401 Not authenticated``)."""


def bearer_token() -> str:
    """Return the token of ``Authorization: Bearer <token>``.

    The header is read as FastAPI's ``HTTPBearer`` reads it, so that both
    examples refuse the same requests: a missing header, an empty token or
    another scheme all count as no token.
    """
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if not (scheme and token) or scheme.lower() != "bearer":
        raise NotAuthenticatedError
    return token


def current_user() -> UserId:
    """Return the id of the caller; an unknown, expired or revoked token is 401."""
    return current_feed().accounts.authenticate(bearer_token())


def current_viewer() -> UserId | None:
    """Return the caller's id on a read that anyone may make, or ``None`` for an anonymous one.

    A request without a bearer token is anonymous; one with a token that is
    unknown, expired or revoked is refused (401 "Invalid token"), not read
    as anonymous, so that a client notices its session has ended.
    """
    try:
        token = bearer_token()
    except NotAuthenticatedError:
        return None
    return current_feed().accounts.authenticate(token)
