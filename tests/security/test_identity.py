"""Identity: look-alike usernames and emails collide, different letters never do.

tests/test_accounts.py covers case and full-width forms of ASCII names; this
module adds the Unicode cases the issue names, and the length limit that must
hold before any normalisation.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Literal

import pytest

from socialfeed import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    SocialFeed,
    ValidationError,
)
from tests.support import PASSWORD, EventRecorder, unchanged

OHM = "\u2126"  # OHM SIGN, which NFKC turns into the Greek capital omega
OMEGA = "\u03a9"  # GREEK CAPITAL LETTER OMEGA
DOTLESS_I = "\u0131"  # LATIN SMALL LETTER DOTLESS I; case folding keeps it apart from "i"
DOTTED_I = "\u0130"  # LATIN CAPITAL LETTER I WITH DOT ABOVE; it folds to "i" and a dot


@pytest.mark.parametrize(
    ("first", "second"),
    [(OHM, OMEGA), (OMEGA, OHM), (OHM + "meter", OMEGA.lower() + "METER"), ("Alice", "alice")],
)
def test_look_alike_usernames_collide(
    feed: SocialFeed, events: EventRecorder, first: str, second: str
) -> None:
    """A username equal to a taken one after NFKC and case folding is taken, and logs in."""
    user = feed.accounts.register(first, "first@example.com", PASSWORD)

    with unchanged(feed, events), pytest.raises(ConflictError) as info:
        feed.accounts.register(second, "second@example.com", PASSWORD)
    with unchanged(feed, events), pytest.raises(ConflictError):
        feed.accounts.create_profile(second)

    assert info.value.field == "username"
    assert feed.accounts.login(second, PASSWORD).user_id == user.id
    assert feed.users.get_by_username(second).id == user.id


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("King.Arthur@example.com", "king.arthur@example.com"),
        ("king.arthur@example.com", "KING.ARTHUR@EXAMPLE.COM"),
        (f"{OHM}@example.com", f"{OMEGA.lower()}@example.com"),
    ],
)
def test_look_alike_emails_collide(
    feed: SocialFeed, events: EventRecorder, first: str, second: str
) -> None:
    """An email equal to a registered one after NFKC and case folding is taken, and logs in."""
    user = feed.accounts.register("arthur", first, PASSWORD)

    with unchanged(feed, events), pytest.raises(ConflictError) as info:
        feed.accounts.register("lancelot", second, PASSWORD)

    assert info.value.field == "email"
    assert feed.accounts.login(second, PASSWORD).user_id == user.id


@pytest.mark.parametrize(
    ("registered", "other"),
    [
        ("tim@example.com", f"t{DOTLESS_I}m@example.com"),
        (f"t{DOTLESS_I}m@example.com", "tim@example.com"),
        ("tim@example.com", f"T{DOTTED_I}M@example.com"),
        (f"T{DOTTED_I}M@example.com", "tim@example.com"),
    ],
)
def test_a_dotless_or_dotted_i_email_is_another_account(
    feed: SocialFeed, registered: str, other: str
) -> None:
    """An email differing only by a Turkish i neither logs in to the account nor is taken by it."""
    feed.accounts.register("tim", registered, PASSWORD)

    with pytest.raises(AuthenticationError):
        feed.accounts.login(other, PASSWORD)
    second = feed.accounts.register("tim2", other, PASSWORD)

    assert feed.accounts.login(other, PASSWORD).user_id == second.id


def test_a_dotless_i_username_is_another_user(feed: SocialFeed) -> None:
    """Usernames differing only by a dotless i are two users, each found by its own name."""
    tim = feed.accounts.create_profile("tim")
    other = feed.accounts.create_profile(f"t{DOTLESS_I}m")

    assert other.id != tim.id
    assert feed.users.get_by_username("TIM").id == tim.id
    assert feed.users.get_by_username(f"T{DOTLESS_I}M").id == other.id


@pytest.fixture
def normalised(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the length of every string put through Unicode normalisation."""
    lengths: list[int] = []
    real = unicodedata.normalize

    def spy(form: Literal["NFC", "NFD", "NFKC", "NFKD"], text: str) -> str:
        lengths.append(len(text))
        return real(form, text)

    monkeypatch.setattr(unicodedata, "normalize", spy)
    return lengths


Attempt = Callable[[SocialFeed, str], object]

HUGE_NAME_ATTEMPTS: dict[str, Attempt] = {
    "register": lambda feed, name: feed.accounts.register(name, "a@example.com", PASSWORD),
    "register email": lambda feed, name: feed.accounts.register("a", name + "@x.com", PASSWORD),
    "create_profile": lambda feed, name: feed.accounts.create_profile(name),
    "login": lambda feed, name: feed.accounts.login(name, PASSWORD),
    "login by email": lambda feed, name: feed.accounts.login(name + "@example.com", PASSWORD),
    "get_by_username": lambda feed, name: feed.users.get_by_username(name),
}


@pytest.mark.parametrize("attempt", HUGE_NAME_ATTEMPTS.values(), ids=HUGE_NAME_ATTEMPTS.keys())
@pytest.mark.parametrize("name", ["a" * 10_000, "\ufdfa" * 10_000], ids=["ascii", "expanding"])
def test_a_huge_username_or_email_is_refused_before_normalisation(
    feed: SocialFeed,
    events: EventRecorder,
    normalised: list[int],
    attempt: Attempt,
    name: str,
) -> None:
    """A 10,000-character name fails with a typed error, and NFKC never sees a long string.

    U+FDFA expands eighteen-fold under NFKC, so normalising first would cost
    180,000 characters of work for nothing.
    """
    with (
        unchanged(feed, events),
        pytest.raises((ValidationError, AuthenticationError, NotFoundError)),
    ):
        attempt(feed, name)

    assert all(length < len(name) for length in normalised), normalised


def test_composed_names_near_the_limit_still_fit(feed: SocialFeed) -> None:
    """A name that NFKC shortens to 30 characters is accepted: the early check is not too tight."""
    decomposed = "e\u0301" * 30  # sixty code points, thirty letters once composed

    user = feed.accounts.create_profile(decomposed)

    assert user.username == "\u00e9" * 30
