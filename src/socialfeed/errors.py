"""The errors socialfeed raises: one hierarchy under `SocialFeedError`.

Every public method raises only these. Storage drivers' and argon2's own
exceptions are translated at the boundary, so an application needs one
``except SocialFeedError`` (or one error handler in its web framework) and
never sees a raw database error.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "AlreadyFollowingError",
    "AuthenticationError",
    "BlockedError",
    "BrokerError",
    "ConflictError",
    "NotFollowingError",
    "NotFoundError",
    "PermissionDeniedError",
    "ReceiverError",
    "SelfActionError",
    "SocialFeedError",
    "StorageBusyError",
    "StorageConflictError",
    "StorageError",
    "ValidationError",
    "WireFormatError",
]


class SocialFeedError(Exception):
    """Base class of every error socialfeed raises."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(SocialFeedError):
    """The object does not exist, or the caller may not see it.

    ``entity`` names the kind of object (``"user"``, ``"post"``, ``"comment"``),
    so a web layer can answer "Post not found" without parsing the message.
    """

    def __init__(self, entity: str, message: str | None = None) -> None:
        super().__init__(message or f"{entity.capitalize()} not found")
        self.entity = entity


class PermissionDeniedError(SocialFeedError):
    """The caller may see the object but may not do this to it."""


class BlockedError(PermissionDeniedError):
    """The caller blocked the other user, and so may not follow or message them.

    A user who *was* blocked is not told: to them the blocker reads as not
    found. Content across a block (posts, comments, stories) reads as not
    found to both sides, so liking or commenting across it is a NotFoundError.
    """


class ConflictError(SocialFeedError):
    """The action conflicts with the current state, such as a taken username.

    ``field`` names the input that conflicts, when there is one.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class AlreadyFollowingError(ConflictError):
    """The follower already follows that user."""


class NotFollowingError(ConflictError):
    """The user does not follow the user they tried to unfollow."""


class ValidationError(SocialFeedError):
    """An input broke a rule; ``field`` names it. Nothing was changed."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


class SelfActionError(ValidationError):
    """A user tried to do to themselves what only makes sense towards someone else.

    Following, unfollowing or messaging yourself. ``message`` and ``reason``
    are the same sentence, fit to show a user ("Cannot follow yourself"):
    unlike other validation errors the message does not start with the
    parameter's name, which ``field`` still holds. A web layer usually
    answers 400, where other validation errors are 422.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(field, message)
        # Shown to the person who did it, so no parameter name in it.
        self.message = message
        self.args = (message,)


class AuthenticationError(SocialFeedError):
    """Credentials or a session token were not accepted.

    The message never says which part was wrong, so it cannot be used to
    find out whether an account exists.
    """


class StorageError(SocialFeedError):
    """The storage backend failed in a way the library could not handle."""


class StorageBusyError(StorageError):
    """The database stayed locked past its timeout; retrying may succeed."""


class StorageConflictError(StorageError):
    """A concurrent transaction won a race (serialization failure or deadlock).

    The library already retried the action a bounded number of times; the
    caller may retry it again.
    """


class BrokerError(SocialFeedError):
    """The message broker (Redis, by default) could not be reached or refused a command.

    Raised by publishers and consumers (`socialfeed.outbox.relay`,
    `socialfeed.outbox.worker`); the relay and workers wait and try again, so an
    application sees it only when it calls them itself. Nothing was marked
    published or acknowledged: what was under way is done again.
    """


class ReceiverError(SocialFeedError):
    """One or more signal receivers raised, after every receiver had run.

    Raised only when ``Settings.raise_receiver_errors`` is on (tests turn it
    on); the action itself was committed. ``errors`` holds what each failing
    receiver raised.
    """

    def __init__(self, errors: Sequence[BaseException]) -> None:
        super().__init__(f"{len(errors)} signal receiver(s) raised")
        self.errors = tuple(errors)


class WireFormatError(SocialFeedError):
    """An event could not be written in, or read from, the wire format.

    Raised by `socialfeed.outbox.wire` for a message that is not JSON, names an
    unknown event type or a version this code does not read, or has a
    missing, unknown or mistyped field. A stream worker cannot act on such a
    message, so it sets the message aside (dead-letters it) instead of
    retrying. The message says what is wrong and where, but never repeats
    the field values, which can be private.
    """
