"""The request bodies the routes accept, as Pydantic models.

They only give a body its shape: which fields, with exact JSON types (``"5"``
is not an id, ``5`` is not a string), other keys ignored. Every rule about
the values (lengths, formats, what may be empty) is the library's.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict
from pydantic_core import PydanticCustomError

__all__ = [
    "CommentIn",
    "LoginIn",
    "MessageIn",
    "MuteIn",
    "PasswordChangeIn",
    "PostEditIn",
    "PostIn",
    "PrivacyIn",
    "ProfileUpdateIn",
    "RegisterIn",
    "StoryIn",
]


# ISO 8601 in its extended form, as RFC 3339 writes it: a "T" between date and
# time, ASCII digits only, and an offset that is "Z" or "+HH:MM" (a time without
# one goes on to the library, which refuses it with its own message).
_ISO_8601 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})?"
)


def _iso_8601_text(value: object) -> datetime:
    """Parse a time in a request body, which must be ISO 8601 text.

    Pydantic alone would also take a number, or a numeric string, as a Unix
    time, and a space for the "T"; the API promises ISO 8601 and nothing else.
    """
    if isinstance(value, str) and _ISO_8601.fullmatch(value):
        try:
            return datetime.fromisoformat(value)
        except ValueError:  # the right shape, but no such day or hour
            pass
    raise PydanticCustomError(
        "datetime_from_iso_8601",
        "Input should be an ISO 8601 date and time with its offset, like 2030-01-01T12:00:00Z",
    )


#: A time in a request body, as ISO 8601 text (see :func:`_iso_8601_text`).
Timestamp = Annotated[datetime, BeforeValidator(_iso_8601_text)]


class _Body(BaseModel):
    """A request body: exact JSON types, unknown keys ignored."""

    model_config = ConfigDict(strict=True)


class RegisterIn(_Body):
    """``POST /api/auth/register``."""

    username: str
    email: str
    password: str
    full_name: str | None = None


class LoginIn(_Body):
    """``POST /api/auth/login``: ``email`` may also be a username."""

    email: str
    password: str


class PasswordChangeIn(_Body):
    """``PUT /api/auth/password``."""

    old_password: str
    new_password: str


class ProfileUpdateIn(_Body):
    """``PUT /api/users/me``: only the fields present are applied; ``null`` clears one."""

    # Other keys (``username``, ``email``...) are kept, so that the library
    # refuses them by name rather than the API dropping them silently.
    model_config = ConfigDict(strict=True, extra="allow")

    full_name: str | None = None
    bio: str | None = None
    profile_image_url: str | None = None


class PostIn(_Body):
    """``POST /api/posts``: content, an image URL, or both."""

    content: str | None = None
    image_url: str | None = None


class PostEditIn(_Body):
    """``PUT /api/posts/{id}``: the new content."""

    content: str | None


class CommentIn(_Body):
    """``POST /api/posts/{id}/comments``."""

    content: str


class StoryIn(_Body):
    """``POST /api/stories``: an image URL, text, or both."""

    image_url: str | None = None
    content: str | None = None


class MessageIn(_Body):
    """``POST /api/messages``."""

    receiver_id: int
    content: str


class MuteIn(_Body):
    """``POST /api/mutes/{user_id}``: until when (with its UTC offset); null or absent, for good."""

    until: Timestamp | None = None


class PrivacyIn(_Body):
    """``PUT /api/users/me/privacy``."""

    is_private: bool
