"""``/api/auth``: registration, login, the caller's account, logout and password change."""

from __future__ import annotations

from flask import Blueprint, Response

from examples.flask_app.auth import bearer_token, current_user
from examples.flask_app.bodies import LoginIn, PasswordChangeIn, RegisterIn
from examples.flask_app.extension import current_feed
from examples.flask_app.inputs import json_body, validate_body
from examples.flask_app.responses import json_response, no_content
from examples.flask_app.shapes import token_body, user_body

bp = Blueprint("auth", __name__, url_prefix="/api/auth")


@bp.post("/register")
def register() -> Response:
    """Create an account: 201 ``User``, with the new user's own email."""
    body = validate_body(RegisterIn, json_body())
    user = current_feed().accounts.register(
        body.username, body.email, body.password, full_name=body.full_name
    )
    return json_response(user_body(user, own=True), 201)


@bp.post("/login")
def login() -> Response:
    """Exchange an email (or username) and password for a bearer token."""
    body = validate_body(LoginIn, json_body())
    return json_response(token_body(current_feed().accounts.login(body.email, body.password)))


@bp.get("/me")
def me() -> Response:
    """Return the caller's own ``User``, email included."""
    return json_response(user_body(current_feed().users.get(current_user()), own=True))


@bp.post("/logout")
def logout() -> Response:
    """End the session of the token this request carries."""
    current_user()  # an expired token is refused here, as everywhere, before it is revoked
    current_feed().accounts.revoke_session(bearer_token())
    return no_content()


@bp.put("/password")
def change_password() -> Response:
    """Replace the caller's password after checking the old one."""
    raw = json_body()
    me = current_user()
    body = validate_body(PasswordChangeIn, raw)
    current_feed().accounts.change_password(me, body.old_password, body.new_password)
    return no_content()
