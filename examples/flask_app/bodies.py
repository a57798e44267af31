"""The request bodies the routes accept, as Pydantic models.

They only give a body its shape: which fields, with exact JSON types (``"5"``
is not an id, ``5`` is not a string), other keys ignored. Every rule about
the values (lengths, formats, what may be empty) is the library's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
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


def _json_string(value: object) -> object:
    """Let only a JSON string on to datetime parsing: a number is not a time here."""
    if isinstance(value, str):
        return value
    raise PydanticCustomError("datetime_type", "Input should be a valid datetime")


#: A time in a request body, as ISO 8601 text. Strict bodies take no text as a
#: datetime, and lax parsing alone would take a number as a Unix time.
Timestamp = Annotated[datetime, Field(strict=False), BeforeValidator(_json_string)]


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
