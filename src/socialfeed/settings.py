"""The settings an application can change, as one frozen value."""

from __future__ import annotations

from datetime import timedelta

from attrs import field, frozen, validators

__all__ = ["Settings"]

MAX_PASSWORD_LENGTH = 128


@frozen(kw_only=True)
class Settings:
    """What an application may tune. The defaults suit production.

    - ``password_min_length``: shortest accepted password (1 to 128).
    - ``session_lifetime``: how long a session token stays valid.
    - ``raise_receiver_errors``: after all receivers of a signal ran, raise
      `ReceiverError` if any of them raised. Off in
      production (errors are logged); tests turn it on so that a broken
      receiver fails the test.
    - ``max_attempts``: how many times an action runs when the database
      reports a serialization failure or deadlock before the error reaches
      the caller.
    - ``story_lifetime``: how long a story stays visible after it was posted.
    - ``trending_window``: how far back `HashtagService.trending` looks by default.
    """

    password_min_length: int = field(
        default=8, validator=[validators.ge(1), validators.le(MAX_PASSWORD_LENGTH)]
    )
    session_lifetime: timedelta = field(
        default=timedelta(days=30), validator=validators.gt(timedelta(0))
    )
    raise_receiver_errors: bool = False
    max_attempts: int = field(default=3, validator=validators.ge(1))
    story_lifetime: timedelta = field(
        default=timedelta(hours=24), validator=validators.gt(timedelta(0))
    )
    trending_window: timedelta = field(
        default=timedelta(hours=24), validator=validators.gt(timedelta(0))
    )
