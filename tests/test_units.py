"""Pure functions: pagination cursors, validation rules, password and token security, clocks."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest

from socialfeed import ManualClock, PasswordHasher, Settings, ValidationError, validation
from socialfeed.pagination import MAX_LIMIT, PageRequest, Position, page_of
from socialfeed.security import OWASP_MINIMUM, hash_token, new_token
from tests.conftest import HASHER

# Full-width letters, which NFKC folds to ASCII; escaped so that they stay visible.
FULLWIDTH_ALICE = "\uff41\uff4c\uff49\uff43\uff45"
FULLWIDTH_BOB = "\uff42\uff4f\uff42"
FULLWIDTH_PASSWORD = "\uff30\uff21\uff33\uff33\uff37\uff2f\uff32\uff24"


def cursor_of(raw: bytes) -> str:
    """Encode bytes the way cursors are encoded, to forge cursors."""
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# -- pagination ---------------------------------------------------------------


@pytest.mark.parametrize(
    "position",
    [
        Position(datetime(2026, 1, 1, tzinfo=UTC), 1),
        Position(datetime(2026, 5, 4, 3, 2, 1, 999_999, tzinfo=UTC), 2**62),
        Position(datetime(1970, 1, 1, tzinfo=UTC), 7),
        Position(datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC), 2**63 - 1),
    ],
)
def test_cursor_round_trips(position: Position) -> None:
    """A position encoded as a cursor decodes to the same time, to the microsecond, and id."""
    cursor = position.encode()

    assert re.fullmatch(r"[A-Za-z0-9_-]+", cursor)
    decoded = Position.decode(cursor)
    assert decoded == position
    assert decoded.at.tzinfo == UTC


def test_cursor_keeps_the_instant_of_a_non_utc_time() -> None:
    """A time with another UTC offset decodes to the same instant, expressed in UTC."""
    at = datetime(2026, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=-7)))

    decoded = Position.decode(Position(at, 3).encode())

    assert decoded.at == at
    assert decoded.at.tzinfo == UTC


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not a cursor",
        "!!!!",
        "é",
        cursor_of(b"12345"),
        cursor_of(b"1:2:3"),
        cursor_of(b"x:1"),
        cursor_of(b"1:"),
        cursor_of(b"\xff\xfe:1"),
        cursor_of(b"1.5:1"),
        cursor_of(b"1000000000000000000:1"),
        cursor_of(b"99999999999999999999999999:1"),
        cursor_of(b"1:0"),
        cursor_of(b"1:-5"),
        cursor_of(f"1:{2**63}".encode()),
        Position(datetime(1960, 2, 29, 12, 0, 0, 1, tzinfo=UTC), 7).encode(),
        Position(datetime(2026, 1, 1, tzinfo=UTC), 7).encode("another list"),
        Position(datetime(2026, 1, 1, tzinfo=UTC), 7).encode() + "==",
    ],
)
def test_garbage_cursor_is_a_validation_error(cursor: str) -> None:
    """A cursor the library did not make is a ValidationError on the field 'cursor'."""
    with pytest.raises(ValidationError) as info:
        Position.decode(cursor)

    assert info.value.field == "cursor"


@pytest.mark.parametrize("limit", [1, 20, MAX_LIMIT])
def test_page_request_accepts_limits_in_range(limit: int) -> None:
    """Limits from 1 to MAX_LIMIT are accepted and kept."""
    assert PageRequest.build(limit, None, 0) == PageRequest(limit, None, 0)


@pytest.mark.parametrize(
    ("limit", "offset", "field"),
    [
        (0, 0, "limit"),
        (-1, 0, "limit"),
        (MAX_LIMIT + 1, 0, "limit"),
        (10, -1, "offset"),
        (10, 2**63, "offset"),
    ],
)
def test_page_request_refuses_out_of_range_values(limit: int, offset: int, field: str) -> None:
    """A limit outside 1..MAX_LIMIT or an offset outside 0..2**63-1 is a ValidationError."""
    with pytest.raises(ValidationError) as info:
        PageRequest.build(limit, None, offset)

    assert info.value.field == field


def test_page_request_decodes_its_cursor() -> None:
    """The cursor of a page request becomes the position to start after."""
    position = Position(datetime(2026, 2, 3, tzinfo=UTC), 42)

    request = PageRequest.build(5, position.encode(), 10)

    assert request == PageRequest(5, position, 10)


def test_page_of_returns_a_cursor_only_when_more_rows_exist() -> None:
    """The extra fetched row means a next page, whose cursor points at the last item shown."""
    at = datetime(2026, 1, 1, tzinfo=UTC)
    request = PageRequest.build(2, None, 0)

    def position(n: int) -> Position:
        return Position(at, n)

    full = page_of([9, 8, 7], request, position)
    last = page_of([9, 8], request, position)

    assert full.items == (9, 8)
    assert full.next_cursor is not None
    assert Position.decode(full.next_cursor) == Position(at, 8)
    assert last.items == (9, 8)
    assert last.next_cursor is None


# -- validation ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("alice", "alice"),
        ("Alice_B.99", "Alice_B.99"),
        ("émile", "émile"),
        ("e\u0301mile", "émile"),
        (FULLWIDTH_ALICE, "alice"),
        ("a" * validation.MAX_USERNAME_LENGTH, "a" * validation.MAX_USERNAME_LENGTH),
    ],
)
def test_username_is_returned_in_nfkc_form(raw: str, stored: str) -> None:
    """A valid username comes back NFKC-normalised, with its case kept."""
    assert validation.username(raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "a" * (validation.MAX_USERNAME_LENGTH + 1),
        "al ice",
        "al-ice",
        "al@ice",
        "alice!",
        "al\u200bice",
        "al\x00ice",
        " alice",
    ],
)
def test_invalid_username_is_refused(raw: str) -> None:
    """An empty, too long or oddly charactered username is a ValidationError on 'username'."""
    with pytest.raises(ValidationError) as info:
        validation.username(raw)

    assert info.value.field == "username"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Alice", "alice"),
        ("ALICE", "alice"),
        (FULLWIDTH_ALICE, "alice"),
        ("Straße", "STRASSE"),
        ("ﬁona", "fiona"),
        ("e\u0301mile", "Émile"),
        ("Alice@Example.COM", "alice@example.com"),
    ],
)
def test_identity_key_folds_case_and_compatibility_forms(one: str, other: str) -> None:
    """Names that differ only in case, width, ligatures or composition share one key."""
    assert validation.identity_key(one) == validation.identity_key(other)
    key = validation.identity_key(one)
    assert validation.identity_key(key) == key


def test_identity_key_keeps_different_names_apart() -> None:
    """Names that really differ keep different keys."""
    keys = {validation.identity_key(name) for name in ["alice", "alíce", "alice1", "al.ice"]}

    assert len(keys) == 4


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("alice@example.com", "alice@example.com"),
        ("  Alice.B+tag@Mail.Example.org ", "Alice.B+tag@Mail.Example.org"),
        (FULLWIDTH_BOB + "@example.com", "bob@example.com"),
    ],
)
def test_valid_email_is_trimmed_and_normalised(raw: str, stored: str) -> None:
    """A valid address comes back trimmed and in NFKC form, its case kept."""
    assert validation.email(raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "alice",
        "alice@",
        "@example.com",
        "alice@example",
        "alice@@example.com",
        "ali ce@example.com",
        "alice@exa mple.com",
        "alice@-example.com",
        "alice@example-.com",
        "alice@example..com",
        "alice@.example.com",
        '"alice"@example.com',
        "a" * 65 + "@example.com",
        "alice@" + "b" * 64 + ".com",
        "alice@" + ".".join(["b" * 60] * 5) + ".com",
        "ali\x00ce@example.com",
        "alice@exa\x00mple.com",
    ],
)
def test_invalid_email_is_refused(raw: str) -> None:
    """A malformed, too long or control-character address is a ValidationError on 'email'."""
    with pytest.raises(ValidationError) as info:
        validation.email(raw)

    assert info.value.field == "email"


@pytest.mark.parametrize(
    "raw", ["12345678", "  spaces kept  ", FULLWIDTH_PASSWORD, "MiXeD CaSe", "x" * 128]
)
def test_password_is_returned_exactly_as_given(raw: str) -> None:
    """A password within the bounds comes back untouched: no trimming, folding or normalising."""
    assert validation.password(raw, min_length=8, max_length=128) == raw


@pytest.mark.parametrize("raw", ["", "1234567", "x" * 129])
def test_password_outside_the_bounds_is_refused(raw: str) -> None:
    """A password shorter than the minimum or longer than the maximum names 'password'."""
    with pytest.raises(ValidationError) as info:
        validation.password(raw, min_length=8, max_length=128)

    assert info.value.field == "password"


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("https://example.com/a.png", "https://example.com/a.png"),
        ("  http://example.com/b?c=d  ", "http://example.com/b?c=d"),
    ],
)
def test_optional_url_is_trimmed_or_none(raw: str | None, stored: str | None) -> None:
    """A blank URL is None; an http(s) URL comes back trimmed."""
    assert validation.optional_url("image_url", raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        "example.com/a.png",
        "ftp://example.com/a.png",
        "javascript:alert(1)",
        "https://",
        "https://exa mple.com/",
        "https://example.com/" + "a" * validation.MAX_URL_LENGTH,
        "https://example.com/\x00",
    ],
)
def test_invalid_optional_url_is_refused(raw: str) -> None:
    """A URL that is not http(s), has no host, contains blanks or is too long names its field."""
    with pytest.raises(ValidationError) as info:
        validation.optional_url("profile_image_url", raw)

    assert info.value.field == "profile_image_url"


# -- security -----------------------------------------------------------------


@pytest.mark.parametrize(
    "parameters",
    [
        {"time_cost": OWASP_MINIMUM.time_cost - 1},
        {"memory_cost": OWASP_MINIMUM.memory_cost - 1},
        {"parallelism": OWASP_MINIMUM.parallelism - 1},
    ],
)
def test_hasher_refuses_parameters_below_the_owasp_floor(parameters: dict[str, int]) -> None:
    """Any argon2id parameter under the OWASP minimum is refused with ValueError."""
    floor = {
        "time_cost": OWASP_MINIMUM.time_cost,
        "memory_cost": OWASP_MINIMUM.memory_cost,
        "parallelism": OWASP_MINIMUM.parallelism,
    }

    with pytest.raises(ValueError, match="OWASP"):
        PasswordHasher(**(floor | parameters))


def test_hasher_verifies_only_the_right_password() -> None:
    """verify() accepts the hashed password and refuses any other, case included."""
    stored = HASHER.hash("Correct horse")

    assert stored.startswith("$argon2id$")
    assert "Correct horse" not in stored
    assert HASHER.verify(stored, "Correct horse")
    assert not HASHER.verify(stored, "correct horse")
    assert not HASHER.verify(stored, "Correct horse ")


@pytest.mark.parametrize(
    "stored", [None, "", "not-a-hash", "$argon2id$v=19$m=19456,t=2,p=1$garbage", "$2b$12$abc"]
)
def test_verify_is_false_for_a_missing_or_corrupt_hash(stored: str | None) -> None:
    """verify() returns False, without raising, when the stored hash is missing or corrupt."""
    assert HASHER.verify(stored, "whatever") is False


def test_verify_is_false_for_a_truncated_hash() -> None:
    """A real hash cut short no longer verifies, and raises nothing."""
    stored = HASHER.hash("password")

    assert HASHER.verify(stored[:-5], "password") is False


def test_needs_rehash_when_parameters_differ() -> None:
    """A hash made with other parameters, or a corrupt one, needs a rehash; a current one not."""
    stronger = PasswordHasher(time_cost=3, memory_cost=OWASP_MINIMUM.memory_cost, parallelism=1)
    stored = HASHER.hash("password")

    assert not HASHER.needs_rehash(stored)
    assert stronger.needs_rehash(stored)
    assert HASHER.needs_rehash("not-a-hash")


def test_new_tokens_are_long_url_safe_and_unique() -> None:
    """Session tokens carry 256 random bits as 43 URL-safe characters and never repeat."""
    tokens = [new_token() for _ in range(1000)]

    assert len(set(tokens)) == len(tokens)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", token) for token in tokens)


def test_hash_token_is_sha256_hex() -> None:
    """A token is stored as the lowercase hex SHA-256 of its UTF-8 bytes."""
    assert hash_token("abc") == ("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    token = new_token()
    assert re.fullmatch(r"[0-9a-f]{64}", hash_token(token))
    assert hash_token(token) != hash_token(new_token())


# -- clock --------------------------------------------------------------------


def test_manual_clock_refuses_a_naive_start() -> None:
    """A start time without a time zone is refused with ValueError."""
    with pytest.raises(ValueError, match="timezone-aware"):
        ManualClock(datetime(2026, 1, 1))


def test_manual_clock_ticks_and_advances() -> None:
    """Each now() moves the clock one tick; advance() moves it by the given delta."""
    start = datetime(2026, 6, 1, tzinfo=UTC)
    clock = ManualClock(start, tick=timedelta(milliseconds=1))

    assert clock.now() == start
    assert clock.now() == start + timedelta(milliseconds=1)
    clock.advance(timedelta(hours=2))
    assert clock.now() == start + timedelta(hours=2, milliseconds=2)


def test_manual_clock_tells_utc() -> None:
    """A start with another offset is told back as the same instant in UTC."""
    start = datetime(2026, 6, 1, 9, tzinfo=timezone(timedelta(hours=9)))
    clock = ManualClock(start, tick=timedelta(0))

    now = clock.now()

    assert now == start
    assert now.tzinfo == UTC
    assert clock.now() == now


@pytest.mark.parametrize(
    "check",
    [
        lambda: validation.optional_text("bio", "lone \ud800 surrogate", 150),
        lambda: validation.email("ali\udc00ce@example.com"),
        lambda: validation.password("pass\ud800word", min_length=8, max_length=128),
    ],
)
def test_lone_surrogates_are_refused(check: Callable[[], object]) -> None:
    """Text no database can encode (a lone surrogate from a JSON body) is a ValidationError."""
    with pytest.raises(ValidationError):
        check()


TOO_LONG = timedelta(days=999_999_999)


@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("session_lifetime", lambda: Settings(session_lifetime=TOO_LONG)),
        ("story_lifetime", lambda: Settings(story_lifetime=TOO_LONG)),
        ("trending_window", lambda: Settings(trending_window=TOO_LONG)),
    ],
)
def test_settings_refuse_a_duration_over_100_years(
    name: str, build: Callable[[], Settings]
) -> None:
    """A lifetime or window over 100 years is a ValueError at construction, not a later overflow."""
    with pytest.raises(ValueError, match=name):
        build()
