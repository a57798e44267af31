"""Accounts: registration, login, sessions, passwords, deactivation and deletion."""

from __future__ import annotations

import unicodedata

import attrs

from socialfeed import validation
from socialfeed.errors import AuthenticationError, ConflictError, ValidationError
from socialfeed.events import (
    Event,
    PasswordChanged,
    SessionRevoked,
    UserDeactivated,
    UserDeleted,
    UserLoggedIn,
    UserRegistered,
)
from socialfeed.ids import UserId
from socialfeed.models import Session, User
from socialfeed.security import PasswordHasher, hash_token, new_token
from socialfeed.services._context import Context
from socialfeed.services._lookups import require_locked, require_user
from socialfeed.services._service import Service
from socialfeed.settings import MAX_PASSWORD_LENGTH
from socialfeed.storage.base import Credentials, NewUser, UnitOfWork

__all__ = ["AccountService"]

_INVALID_CREDENTIALS = "Invalid credentials"
_INVALID_TOKEN = "Invalid token"


class AccountService(Service):
    """Who a user is and how they prove it.

    Password hashing happens outside any transaction, so a slow hash never
    holds a database lock.
    """

    def __init__(self, context: Context, hasher: PasswordHasher) -> None:
        super().__init__(context)
        self._hasher = hasher

    def register(
        self, username: str, email: str, password: str, *, full_name: str | None = None
    ) -> User:
        """Create an account that logs in with a password.

        Raises `ValidationError` for a bad username, email, password or
        full name, and `ConflictError` (``field`` ``"email"``, checked
        first, or ``"username"``) when one is taken.
        """
        address = validation.email(email)
        validation.password(
            password,
            min_length=self._settings.password_min_length,
            max_length=MAX_PASSWORD_LENGTH,
        )
        new = self._new_user(username, full_name, email=address)
        # Refuse a taken name before paying for the hash; the database's unique
        # constraints still decide a race between two registrations.
        self._read(lambda uow: _check_available(uow, new))
        return self._add_user(attrs.evolve(new, password_hash=self._hasher.hash(password)))

    def create_profile(self, username: str, *, full_name: str | None = None) -> User:
        """Create a user with no email and no password, for apps that own their accounts.

        Such a user can post, follow and do everything else; only
        `login` and `change_password` are not available to them.
        """
        return self._add_user(self._new_user(username, full_name, email=None))

    def login(self, login: str, password: str) -> Session:
        """Check a username or email and its password, and open a session.

        Unknown accounts, wrong passwords, deactivated accounts and corrupt
        stored hashes all raise the same `AuthenticationError` after the
        same hashing work.
        """
        if len(password) > MAX_PASSWORD_LENGTH:
            raise AuthenticationError(_INVALID_CREDENTIALS)
        key = _login_key(login)
        credentials = (
            None if key is None else self._read(lambda uow: uow.users.credentials_for_login(key))
        )
        user_id = self._verify(credentials, password)
        rehashed = (
            self._hasher.hash(password)
            if credentials is not None
            and credentials.password_hash is not None
            and self._hasher.needs_rehash(credentials.password_hash)
            else None
        )
        token = new_token()
        now = self._clock.now()
        expires_at = now + self._settings.session_lifetime

        def work(uow: UnitOfWork) -> tuple[None, list[Event]]:
            # The account may have been deactivated or deleted since it was checked.
            current = uow.users.credentials(user_id)
            if current is None or not current.is_active:
                raise AuthenticationError(_INVALID_CREDENTIALS)
            if rehashed is not None:
                uow.users.set_password_hash(user_id, rehashed)
            uow.sessions.add(user_id, hash_token(token), now, expires_at)
            return None, [UserLoggedIn(occurred_at=now, user_id=user_id)]

        self._act(work)
        return Session(token=token, user_id=user_id, expires_at=expires_at)

    def authenticate(self, token: str) -> UserId:
        """Return the id of the user a session token belongs to.

        Raises `AuthenticationError` when the token is unknown, expired,
        revoked, or belongs to a deactivated user.
        """
        now = self._clock.now()
        user_id = self._read(lambda uow: uow.sessions.user_id_for(hash_token(token), now))
        if user_id is None:
            raise AuthenticationError(_INVALID_TOKEN)
        return UserId(user_id)

    def revoke_session(self, token: str) -> None:
        """End one session (log out). An unknown token raises `AuthenticationError`."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> tuple[None, list[Event]]:
            user_id = uow.sessions.delete(hash_token(token))
            if user_id is None:
                raise AuthenticationError(_INVALID_TOKEN)
            revoked = SessionRevoked(occurred_at=now, user_id=UserId(user_id), all_sessions=False)
            return None, [revoked]

        self._act(work)

    def revoke_all_sessions(self, user_id: UserId) -> int:
        """End every session of a user and return how many there were."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> tuple[int, list[Event]]:
            require_user(uow, user_id)
            count = uow.sessions.delete_for_user(user_id)
            return count, [SessionRevoked(occurred_at=now, user_id=user_id, all_sessions=True)]

        return self._act(work)

    def purge_expired_sessions(self) -> int:
        """Delete the sessions that have expired and return how many there were.

        Expired tokens are already refused; this only reclaims their rows.
        Run it from a periodic job.
        """
        now = self._clock.now()
        return self._write(lambda uow: uow.sessions.delete_expired(now))

    def change_password(self, user_id: UserId, old_password: str, new_password: str) -> None:
        """Replace a user's password after checking the old one.

        Existing sessions stay valid; call `revoke_all_sessions` as well
        to log the user out everywhere.
        """
        validation.password(
            new_password,
            min_length=self._settings.password_min_length,
            max_length=MAX_PASSWORD_LENGTH,
            field="new_password",
        )
        credentials = self._read(lambda uow: _require_credentials(uow, user_id))
        if len(old_password) > MAX_PASSWORD_LENGTH or not self._hasher.verify(
            credentials.password_hash, old_password
        ):
            raise AuthenticationError(_INVALID_CREDENTIALS)
        new_hash = self._hasher.hash(new_password)
        now = self._clock.now()

        def work(uow: UnitOfWork) -> tuple[None, list[Event]]:
            uow.users.set_password_hash(user_id, new_hash)
            return None, [PasswordChanged(occurred_at=now, user_id=user_id)]

        self._act(work)

    def deactivate(self, user_id: UserId) -> None:
        """Deactivate a user: they cannot log in, and every session of theirs ends."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> tuple[None, list[Event]]:
            [user] = require_locked(uow, user_id)
            was_active = user.is_active
            uow.users.deactivate(user_id)
            uow.sessions.delete_for_user(user_id)
            return None, ([UserDeactivated(occurred_at=now, user_id=user_id)] if was_active else [])

        self._act(work)

    def delete(self, user_id: UserId) -> None:
        """Delete a user and everything that belongs to them, in one transaction.

        Their posts (with the comments and likes on them), their comments and
        likes elsewhere, their follows both ways and their sessions go, and
        every counter they touched is fixed.
        """
        now = self._clock.now()

        def work(uow: UnitOfWork) -> tuple[None, list[Event]]:
            # The strongest lock first: whatever refers to the user and races
            # the deletion (a follow, a like, a message) waits for it, or it
            # for them, so every counter it fixes counts what is really there.
            [user] = require_locked(uow, user_id, deleting=True)
            dropping = self._timelines.followees_about_to_drop(uow, user_id)
            uow.users.delete(user_id)
            self._timelines.followees_dropped(uow, dropping)
            return None, [UserDeleted(occurred_at=now, user_id=user.id, username=user.username)]

        self._act(work)

    def _new_user(self, username: str, full_name: str | None, *, email: str | None) -> NewUser:
        name = validation.username(username)
        full = validation.full_name(full_name)
        return NewUser(
            username=name,
            username_key=validation.identity_key(name),
            email=email,
            email_key=None if email is None else validation.identity_key(email),
            password_hash=None,
            full_name=full,
            created_at=self._clock.now(),
        )

    def _add_user(self, new: NewUser) -> User:
        def work(uow: UnitOfWork) -> tuple[User, list[Event]]:
            user = uow.users.add(new)
            registered = UserRegistered(
                occurred_at=new.created_at,
                user_id=user.id,
                username=user.username,
                has_password=new.password_hash is not None,
            )
            return user, [registered]

        return self._act(work)

    def _verify(self, credentials: Credentials | None, password: str) -> UserId:
        stored = credentials.password_hash if credentials is not None else None
        matches = self._hasher.verify(stored, password)
        if credentials is None or not matches or not credentials.is_active:
            raise AuthenticationError(_INVALID_CREDENTIALS)
        return UserId(credentials.user_id)


def _login_key(login: str) -> str | None:
    """Return the lookup key of a username or email, or ``None`` if it cannot name an account."""
    login = login.strip()
    # Too long to be any account's name: no NFKC pass over a huge string.
    if len(login) > validation.MAX_LOGIN_LENGTH:
        return None
    try:
        if "@" in unicodedata.normalize("NFKC", login):
            return validation.identity_key(validation.email(login))
        return validation.username_key(login)
    except ValidationError:
        return None


def _check_available(uow: UnitOfWork, new: NewUser) -> None:
    if new.email_key is not None and uow.users.email_taken(new.email_key):
        raise ConflictError("Email already registered", field="email")
    if uow.users.username_taken(new.username_key):
        raise ConflictError("Username already taken", field="username")


def _require_credentials(uow: UnitOfWork, user_id: int) -> Credentials:
    require_user(uow, user_id)
    credentials = uow.users.credentials(user_id)
    assert credentials is not None
    return credentials
