"""The rules every input must pass before anything is written.

Each rule raises `ValidationError` naming the field,
and returns the value in the form socialfeed stores.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from socialfeed.errors import ValidationError

__all__ = [
    "MAX_BIO_LENGTH",
    "MAX_COMMENT_LENGTH",
    "MAX_DURATION",
    "MAX_FULL_NAME_LENGTH",
    "MAX_LOGIN_LENGTH",
    "MAX_MESSAGE_LENGTH",
    "MAX_POST_LENGTH",
    "MAX_QUERY_LENGTH",
    "MAX_URL_LENGTH",
    "MAX_USERNAME_LENGTH",
    "bio",
    "comment_content",
    "displayable",
    "email",
    "full_name",
    "identity_key",
    "message_content",
    "optional_text",
    "optional_url",
    "password",
    "post_body",
    "required_text",
    "search_query",
    "storable",
    "too_long_to_normalize",
    "username",
    "username_key",
    "utc_time",
]

MAX_USERNAME_LENGTH = 30
MAX_EMAIL_LENGTH = 254
MAX_POST_LENGTH = 2200
MAX_COMMENT_LENGTH = 2200
MAX_FULL_NAME_LENGTH = 100
MAX_BIO_LENGTH = 150
MAX_URL_LENGTH = 2048
MAX_MESSAGE_LENGTH = 1000
MAX_QUERY_LENGTH = 100
MAX_DURATION = timedelta(days=100 * 365)
"""The longest duration the library takes (lifetimes, windows, how far ahead a time may be).

Far beyond any use, and far enough from the limits of `datetime` that
adding it to any time the library meets cannot overflow."""

_EMAIL_DOMAIN_LABEL = re.compile(r"^(?!-)[^\s@.]{1,63}(?<!-)$")


# NFKC composes at most four code points into one (a base letter and three
# marks, or a Hangul syllable from its jamo), so input longer than this many
# times a limit cannot fit it once normalised. Refusing it before normalising
# keeps a huge string from costing a full NFKC pass.
_MAX_NFKC_SHRINK = 4


MAX_LOGIN_LENGTH = _MAX_NFKC_SHRINK * MAX_EMAIL_LENGTH
"""The longest trimmed login text (a username or an email) that can still name an account."""


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def too_long_to_normalize(value: str, max_length: int) -> bool:
    """Tell whether ``value`` is too long to fit ``max_length`` even after NFKC."""
    return len(value) > _MAX_NFKC_SHRINK * max_length


def storable(text: str) -> bool:
    """Tell whether every backend can store ``text``: no NUL, no lone surrogate."""
    return "\x00" not in text and _encodable(text)


def _refuse_overlong(field: str, value: str, max_length: int, message: str) -> None:
    if too_long_to_normalize(value, max_length):
        raise ValidationError(field, message)


def username(value: str) -> str:
    """Return the username in NFKC form: 1-30 letters, digits, ``.`` or ``_``."""
    length_rule = f"must be 1 to {MAX_USERNAME_LENGTH} characters"
    _refuse_overlong("username", value, MAX_USERNAME_LENGTH, length_rule)
    name = _normal(value)
    if not 1 <= len(name) <= MAX_USERNAME_LENGTH:
        raise ValidationError("username", length_rule)
    # The Hangul fillers are letters to Unicode, but print as nothing.
    if not all((ch.isalnum() and ch not in _INVISIBLE) or ch in "._" for ch in name):
        raise ValidationError("username", "may contain only letters, digits, '.' and '_'")
    return name


def identity_key(value: str) -> str:
    """Return the key under which a username or email is unique and looked up.

    NFKC folds compatibility forms (full-width letters, ligatures), then case folding
    makes the comparison case-insensitive; a second NFKC pass settles the few
    characters that case folding takes out of normal form.
    """
    return _normal(_normal(value).casefold())


def username_key(value: str) -> str:
    """Return the key a username is looked up by, ignoring blanks around it.

    The one rule of `AccountService.login` and `UserService.get_by_username`:
    ``" Alice "`` finds ``alice`` in both. ValidationError on ``username`` if
    the trimmed text is no username, so it names nobody.
    """
    return identity_key(username(value.strip()))


def email(value: str) -> str:
    """Return the email address, trimmed, if it looks deliverable."""
    trimmed = value.strip()
    _refuse_overlong("email", trimmed, MAX_EMAIL_LENGTH, "is not a valid email address")
    address = _normal(trimmed)
    _check_storable("email", address)
    local, at, domain = address.rpartition("@")
    labels = domain.split(".")
    if (
        not at
        or len(address) > MAX_EMAIL_LENGTH
        or not 1 <= len(local) <= 64
        or not address.isprintable()
        or any(ch.isspace() or ch in '@"<>()[],;:\\' for ch in local)
        or len(labels) < 2
        or not all(_EMAIL_DOMAIN_LABEL.match(label) for label in labels)
    ):
        raise ValidationError("email", "is not a valid email address")
    return address


def password(value: str, *, min_length: int, max_length: int, field: str = "password") -> str:
    """Check a password's length; it is returned exactly as given.

    Passwords are neither trimmed nor normalised nor case-folded: what the
    user typed is what gets hashed. The maximum is checked before hashing so
    that a huge input cannot be used to burn CPU.
    """
    if len(value) < min_length:
        raise ValidationError(field, f"must be at least {min_length} characters")
    if len(value) > max_length:
        raise ValidationError(field, f"must be at most {max_length} characters")
    if not _encodable(value):
        raise ValidationError(field, "must be valid Unicode text")
    return value


def optional_text(
    field: str, value: str | None, max_length: int, *, multiline: bool = True
) -> str | None:
    """Return trimmed text, ``None`` when blank.

    The length is counted on the text's NFKC form, the form socialfeed
    compares, searches and indexes text in: one character that NFKC spells
    out in eighteen (U+FDFA) counts as eighteen, so what is accepted fits
    every derived key and column, on every backend alike. The text itself is
    kept as given. Invisible characters that can disguise text are refused
    (see `displayable`); ``multiline`` text may hold line breaks and tabs.
    """
    if value is None:
        return None
    text = value.strip()
    too_long = f"must be at most {max_length} characters"
    _refuse_overlong(field, text, max_length, too_long)
    _check_storable(field, text)
    if len(_normal(text)) > max_length:
        raise ValidationError(field, too_long)
    if not displayable(text, multiline=multiline):
        raise ValidationError(field, _UNDISPLAYABLE)
    return text or None


def full_name(value: str | None) -> str | None:
    """Return a display name: one line of up to 100 characters, ``None`` when blank."""
    return optional_text("full_name", value, MAX_FULL_NAME_LENGTH, multiline=False)


def bio(value: str | None) -> str | None:
    """Return a bio: up to 150 characters, line breaks allowed, ``None`` when blank."""
    return optional_text("bio", value, MAX_BIO_LENGTH)


_UNDISPLAYABLE = "must not contain control, bidirectional override or invisible characters"
_LINE_BREAKS = frozenset("\n\r\t\u2028\u2029")
# Reorder the text around them (the "Trojan Source" trick): embeddings,
# overrides and isolates. The marks U+200E, U+200F and U+061C stay allowed:
# they only set the direction of neutral characters next to them.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Invisible characters with no job in running text, which let two names
# look the same (UTS #39). The zero-width joiner and non-joiner stay
# allowed: emoji sequences and several scripts (Persian, Indic) need them.
_INVISIBLE = frozenset(
    "\u180e\u200b\u2060\u2061\u2062\u2063\u2064\ufeff\ufff9\ufffa\ufffb"
    "\u206a\u206b\u206c\u206d\u206e\u206f"
    # Hangul fillers and the grapheme joiner: default-ignorable, they print
    # as nothing, the classic way to make a name look blank.
    "\u115f\u1160\u3164\uffa0\u034f"
    # The deprecated language tag (the emoji flag tags, U+E0020-E007F, stay).
    "\U000e0001"
)


def displayable(text: str, *, multiline: bool = True) -> bool:
    """Tell whether ``text`` may be shown as users wrote it.

    Refused: C0 and C1 control characters (ESC can drive a terminal, BEL
    rings it), except line breaks and tabs in ``multiline`` text; the
    bidirectional embeddings, overrides and isolates (U+202A-U+202E,
    U+2066-U+2069), which can make text read differently from what it says;
    and invisible characters such as the zero-width space and U+FEFF.
    Single-line text may not hold the line and paragraph separators either.
    """
    for ch in text:
        if ch in _BIDI_CONTROLS or ch in _INVISIBLE:
            return False
        if unicodedata.category(ch) in ("Cc", "Zl", "Zp") and not (
            multiline and ch in _LINE_BREAKS
        ):
            return False
    return True


def _check_storable(field: str, text: str) -> None:
    """Refuse what some backend cannot store, so that all of them agree.

    PostgreSQL cannot store NUL in text, and no database (nor argon2) can
    encode a lone surrogate, which a JSON body can smuggle in as ``"\\ud800"``.
    """
    if "\x00" in text:
        raise ValidationError(field, "must not contain NUL characters")
    if not _encodable(text):
        raise ValidationError(field, "must be valid Unicode text")


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def optional_url(field: str, value: str | None) -> str | None:
    """Return an http(s) URL, trimmed, or ``None`` when blank."""
    url = optional_text(field, value, MAX_URL_LENGTH)
    if url is None:
        return None
    parts = urlsplit(url)
    blank_or_control = not url.isprintable() or any(c.isspace() for c in url)
    if parts.scheme not in ("http", "https") or not parts.netloc or blank_or_control:
        raise ValidationError(field, "must be an http or https URL")
    return url


def post_body(
    content: str | None, image_url: str | None, *, kind: str = "post"
) -> tuple[str | None, str | None]:
    """Return a post's (or story's) content and image URL; at least one must be given."""
    text = optional_text("content", content, MAX_POST_LENGTH)
    url = optional_url("image_url", image_url)
    if text is None and url is None:
        raise ValidationError("content", f"a {kind} needs content or an image_url")
    return text, url


def comment_content(content: str) -> str:
    """Return a comment's text: 1 to 2,200 characters once trimmed."""
    return required_text("content", content, MAX_COMMENT_LENGTH)


def message_content(content: str) -> str:
    """Return a direct message's text: 1 to 1,000 characters once trimmed."""
    return required_text("content", content, MAX_MESSAGE_LENGTH)


def search_query(query: str) -> str:
    """Return a search query's lookup key: 1 to 100 characters, case-folded.

    Nothing in it is special: ``%``, ``_``, ``\\`` and quotes match themselves.
    """
    return identity_key(required_text("query", query, MAX_QUERY_LENGTH, multiline=False))


def required_text(field: str, value: str, max_length: int, *, multiline: bool = True) -> str:
    """Return trimmed text that must not be blank (see `optional_text`)."""
    text = optional_text(field, value, max_length, multiline=multiline)
    if text is None:
        raise ValidationError(field, "must not be empty")
    return text


def utc_time(
    field: str, value: datetime, *, now: datetime | None = None, future: bool = False
) -> datetime:
    """Return a timezone-aware time in UTC, as every backend stores it.

    ValidationError on ``field`` for a naive time, one that UTC cannot
    represent, or (given ``now``) one more than `MAX_DURATION` away from it
    or, with ``future``, not after it.
    """
    wanted = (
        "must be a timezone-aware time in the future" if future else "must be a timezone-aware time"
    )
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(field, wanted)
    try:
        in_utc = value.astimezone(UTC)
    except OverflowError:
        raise ValidationError(field, "is out of range") from None
    if now is None:
        return in_utc
    if future and in_utc <= now:
        raise ValidationError(field, wanted)
    if abs(in_utc - now) > MAX_DURATION:
        raise ValidationError(field, "is out of range")
    return in_utc
