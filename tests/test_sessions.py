"""Sessions: opaque tokens issued at login, stored as hashes, expiring and revocable."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

import pytest

from socialfeed import (
    AuthenticationError,
    ManualClock,
    NotFoundError,
    Settings,
    SocialFeed,
)
from socialfeed.events import SessionRevoked, UserLoggedIn
from socialfeed.ids import UserId
from socialfeed.storage import Storage
from tests.conftest import HASHER
from tests.support import PASSWORD, EventRecorder, dump, register, unchanged


def move_clock_to(clock: ManualClock, when: datetime) -> None:
    """Move the clock so that its next reading is exactly ``when``."""
    clock.advance(when - clock.now() - timedelta(microseconds=1))


def test_login_issues_an_opaque_token(feed: SocialFeed, events: EventRecorder) -> None:
    """Login returns a long random URL-safe token that authenticate maps to the user."""
    alice = register(feed, "alice")
    events.clear()

    session = feed.accounts.login("alice", PASSWORD)

    assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", session.token)
    assert "alice" not in session.token
    assert session.user_id == alice.id
    assert feed.accounts.authenticate(session.token) == alice.id
    event = events.only(UserLoggedIn)
    assert event.user_id == alice.id
    assert session.expires_at == event.occurred_at + timedelta(days=30)


def test_each_login_issues_a_new_token(feed: SocialFeed) -> None:
    """Two logins give two different tokens, both valid at once."""
    alice = register(feed, "alice")

    first = feed.accounts.login("alice", PASSWORD)
    second = feed.accounts.login("alice", PASSWORD)

    assert first.token != second.token
    assert feed.accounts.authenticate(first.token) == alice.id
    assert feed.accounts.authenticate(second.token) == alice.id


def test_only_the_sha256_of_a_token_is_stored(feed: SocialFeed) -> None:
    """The storage holds the token's SHA-256, never the token, and the hash is no token."""
    register(feed, "alice")

    token = feed.accounts.login("alice", PASSWORD).token

    stored = repr(dump(feed.storage))
    token_hash = hashlib.sha256(token.encode()).hexdigest()
    assert token_hash in stored
    assert token not in stored
    with pytest.raises(AuthenticationError):
        feed.accounts.authenticate(token_hash)


# The random token gets a fixed id: parallel workers must collect the same test names.
@pytest.mark.parametrize(
    "token", ["", "nope", pytest.param(secrets.token_urlsafe(32), id="random"), "x" * 10_000]
)
def test_unknown_token_is_rejected(feed: SocialFeed, events: EventRecorder, token: str) -> None:
    """authenticate raises AuthenticationError for a token it never issued."""
    register(feed, "alice")
    feed.accounts.login("alice", PASSWORD)

    with unchanged(feed, events), pytest.raises(AuthenticationError):
        feed.accounts.authenticate(token)


def test_session_expires_after_its_lifetime(storage: Storage, clock: ManualClock) -> None:
    """With Settings(session_lifetime=1h) a token works until the hour is over, then not."""
    feed = SocialFeed(
        storage,
        settings=Settings(session_lifetime=timedelta(hours=1), raise_receiver_errors=True),
        clock=clock,
        password_hasher=HASHER,
    )
    alice = register(feed, "alice")
    started = clock.now()
    session = feed.accounts.login("alice", PASSWORD)
    assert started < session.expires_at <= clock.now() + timedelta(hours=1)

    move_clock_to(clock, session.expires_at - timedelta(microseconds=1))
    assert feed.accounts.authenticate(session.token) == alice.id
    move_clock_to(clock, session.expires_at)
    with pytest.raises(AuthenticationError):
        feed.accounts.authenticate(session.token)
    assert feed.accounts.authenticate(feed.accounts.login("alice", PASSWORD).token) == alice.id


def test_session_lasts_thirty_days_by_default(feed: SocialFeed, clock: ManualClock) -> None:
    """Without settings a token still works after 29 days and not after 30."""
    alice = register(feed, "alice")
    session = feed.accounts.login("alice", PASSWORD)

    clock.advance(timedelta(days=29))
    assert feed.accounts.authenticate(session.token) == alice.id
    clock.advance(timedelta(days=1))
    with pytest.raises(AuthenticationError):
        feed.accounts.authenticate(session.token)


def test_revoke_session(feed: SocialFeed, events: EventRecorder) -> None:
    """revoke_session ends one session only, and announces it."""
    alice = register(feed, "alice")
    phone = feed.accounts.login("alice", PASSWORD)
    laptop = feed.accounts.login("alice", PASSWORD)
    events.clear()

    feed.accounts.revoke_session(phone.token)

    with pytest.raises(AuthenticationError):
        feed.accounts.authenticate(phone.token)
    assert feed.accounts.authenticate(laptop.token) == alice.id
    event = events.only(SessionRevoked)
    assert (event.user_id, event.all_sessions) == (alice.id, False)


@pytest.mark.parametrize("token", ["never issued", "revoked"])
def test_revoke_an_unknown_session(feed: SocialFeed, events: EventRecorder, token: str) -> None:
    """Revoking a token that is unknown or already revoked raises AuthenticationError."""
    register(feed, "alice")
    if token == "revoked":
        token = feed.accounts.login("alice", PASSWORD).token
        feed.accounts.revoke_session(token)

    with unchanged(feed, events), pytest.raises(AuthenticationError):
        feed.accounts.revoke_session(token)


def test_revoke_all_sessions(feed: SocialFeed, events: EventRecorder) -> None:
    """revoke_all_sessions ends every session of one user, counts them, and announces it."""
    alice = register(feed, "alice")
    bob = register(feed, "bob")
    alices = [feed.accounts.login("alice", PASSWORD).token for _ in range(3)]
    bobs = feed.accounts.login("bob", PASSWORD).token
    events.clear()

    assert feed.accounts.revoke_all_sessions(alice.id) == 3

    for token in alices:
        with pytest.raises(AuthenticationError):
            feed.accounts.authenticate(token)
    assert feed.accounts.authenticate(bobs) == bob.id
    event = events.only(SessionRevoked)
    assert (event.user_id, event.all_sessions) == (alice.id, True)
    assert feed.accounts.authenticate(feed.accounts.login("alice", PASSWORD).token) == alice.id


def test_revoke_all_sessions_of_an_unknown_user(feed: SocialFeed, events: EventRecorder) -> None:
    """revoke_all_sessions for an id that does not exist raises NotFoundError."""
    with unchanged(feed, events), pytest.raises(NotFoundError):
        feed.accounts.revoke_all_sessions(UserId(999))


def test_deactivated_users_token_is_rejected(feed: SocialFeed) -> None:
    """A token stops working when its user is deactivated."""
    register(feed, "alice")
    token = feed.accounts.login("alice", PASSWORD).token
    alice = feed.users.get_by_username("alice")

    feed.accounts.deactivate(alice.id)

    with pytest.raises(AuthenticationError):
        feed.accounts.authenticate(token)


def test_token_of_an_inactive_user_is_rejected_even_if_its_row_remains(feed: SocialFeed) -> None:
    """authenticate checks that the user is active, not only that the session exists."""
    alice = register(feed, "alice")
    token = feed.accounts.login("alice", PASSWORD).token

    with feed.storage.transaction() as uow:
        uow.users.deactivate(alice.id)

    with pytest.raises(AuthenticationError):
        feed.accounts.authenticate(token)


def test_session_repr_hides_the_token(feed: SocialFeed) -> None:
    """Printing or logging a Session never shows its token."""
    alice = register(feed, "alice")

    session = feed.accounts.login("alice", PASSWORD)

    assert session.token not in repr(session)
    assert session.token not in str(session)
    assert f"user_id={alice.id}" in repr(session)


def test_authentication_errors_do_not_echo_the_token(feed: SocialFeed) -> None:
    """The error for a rejected token does not repeat the token."""
    register(feed, "alice")
    token = feed.accounts.login("alice", PASSWORD).token
    feed.accounts.revoke_session(token)

    with pytest.raises(AuthenticationError) as info:
        feed.accounts.authenticate(token)

    assert token not in str(info.value)
    assert token not in repr(info.value)


def test_purge_expired_sessions_deletes_only_expired_rows(
    feed: SocialFeed, clock: ManualClock
) -> None:
    """purge_expired_sessions removes expired session rows, counts them, and keeps live ones."""
    alice = register(feed, "alice")
    feed.accounts.login("alice", PASSWORD)
    feed.accounts.login("alice", PASSWORD)
    clock.advance(timedelta(days=31))
    fresh = feed.accounts.login("alice", PASSWORD)

    assert feed.accounts.purge_expired_sessions() == 2

    assert len(dump(feed.storage)["sessions"]) == 1
    assert feed.accounts.authenticate(fresh.token) == alice.id
    assert feed.accounts.purge_expired_sessions() == 0
