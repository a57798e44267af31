"""``/api/auth``: registration, login, logout, the caller's own record, password change."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response, status

from examples.fastapi_app import schemas
from examples.fastapi_app.dependencies import BearerToken, CurrentUser, Feed, current_user
from examples.fastapi_app.errors import AUTH, INVALID, responses

__all__ = ["router"]

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.User,
    responses=responses(
        {
            400: '"Email already registered" (checked first) or "Username already taken"',
            422: INVALID + ": a bad username, email, password or full name",
        }
    ),
)
def register(body: schemas.Registration, feed: Feed) -> schemas.User:
    """Create an account that logs in with its email (or username) and password."""
    user = feed.accounts.register(
        body.username, body.email, body.password, full_name=body.full_name
    )
    return schemas.User.of(user, own=True)


@router.post(
    "/login",
    response_model=schemas.Token,
    responses=responses(
        {
            401: '"Invalid credentials", for an unknown account and a wrong password alike',
            422: INVALID,
        }
    ),
)
def login(body: schemas.Credentials, feed: Feed) -> schemas.Token:
    """Open a session; ``email`` may also hold the username."""
    session = feed.accounts.login(body.email, body.password)
    return schemas.Token(access_token=session.token)


@router.get("/me", response_model=schemas.User, responses=responses({401: AUTH}))
def me(feed: Feed, user_id: CurrentUser) -> schemas.User:
    """Return the caller's own record, email included."""
    return schemas.User.of(feed.users.get(user_id), own=True)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    response_model=None,
    responses=responses({401: AUTH}),
    # Only a token that still authenticates can log out; an expired one is already out.
    dependencies=[Depends(current_user)],
)
def logout(feed: Feed, token: BearerToken) -> None:
    """End the session of this token: it stops working at once."""
    feed.accounts.revoke_session(token)


@router.put(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    response_model=None,
    responses=responses(
        {
            401: AUTH + ', or "Invalid credentials" for a wrong old password',
            422: INVALID + ": a new password of the wrong length",
        }
    ),
)
def change_password(body: schemas.PasswordChange, feed: Feed, user_id: CurrentUser) -> None:
    """Replace the caller's password after checking the old one; sessions stay open."""
    feed.accounts.change_password(user_id, body.old_password, body.new_password)
