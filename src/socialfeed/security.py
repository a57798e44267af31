"""Password hashing (argon2id) and opaque session tokens."""

from __future__ import annotations

import base64
import hashlib
import secrets

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = ["OWASP_MINIMUM", "PasswordHasher", "hash_token", "new_token"]

OWASP_MINIMUM = argon2.Parameters(
    type=argon2.Type.ID,
    version=argon2.low_level.ARGON2_VERSION,
    salt_len=16,
    hash_len=32,
    time_cost=2,
    memory_cost=19 * 1024,
    parallelism=1,
)
"""The OWASP password storage cheat sheet's floor for argon2id.

19 MiB of memory, 2 iterations, 1 degree of parallelism.
"""


class PasswordHasher:
    """Hashes and verifies passwords with argon2id.

    The defaults are argon2-cffi's (RFC 9106's low-memory profile: 64 MiB,
    3 iterations, 4 lanes). Parameters below `OWASP_MINIMUM` are refused,
    so a test suite that wants speed can go down to the floor but not under it.
    """

    def __init__(
        self, *, time_cost: int = 3, memory_cost: int = 64 * 1024, parallelism: int = 4
    ) -> None:
        if (
            time_cost < OWASP_MINIMUM.time_cost
            or memory_cost < OWASP_MINIMUM.memory_cost
            or parallelism < OWASP_MINIMUM.parallelism
        ):
            raise ValueError("argon2id parameters below the OWASP minimum")
        self._argon2 = argon2.PasswordHasher(
            time_cost=time_cost,
            memory_cost=memory_cost,
            parallelism=parallelism,
            type=argon2.Type.ID,
        )
        self._dummy_hash = _unmatchable_hash(self._argon2)

    @classmethod
    def minimum(cls) -> PasswordHasher:
        """Return a hasher at exactly the OWASP floor (the fastest one allowed)."""
        return cls(
            time_cost=OWASP_MINIMUM.time_cost,
            memory_cost=OWASP_MINIMUM.memory_cost,
            parallelism=OWASP_MINIMUM.parallelism,
        )

    def hash(self, password: str) -> str:
        """Return a new argon2id hash of ``password`` with a random salt."""
        return self._argon2.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        """Tell whether ``password`` matches ``stored_hash``.

        A missing or corrupt hash is a mismatch, never an exception. When
        there is no hash the same work is done against a dummy one, so the
        time taken does not reveal whether the account exists.
        """
        if stored_hash is None:
            self._verify_quietly(self._dummy_hash, password)
            return False
        try:
            return self._argon2.verify(stored_hash, password)
        except VerifyMismatchError:
            return False
        except (InvalidHashError, VerificationError, ValueError):
            # A hash that cannot be decoded fails before any work: do the work anyway,
            # so a damaged row does not stand out by answering faster.
            self._verify_quietly(self._dummy_hash, password)
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        """Tell whether ``stored_hash`` was made with other parameters than this hasher's."""
        try:
            return self._argon2.check_needs_rehash(stored_hash)
        except (InvalidHashError, ValueError):
            return True

    def _verify_quietly(self, stored_hash: str, password: str) -> bool:
        try:
            return self._argon2.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError, ValueError):
            return False


def _unmatchable_hash(hasher: argon2.PasswordHasher) -> str:
    """Return an encoded argon2id hash with this hasher's parameters that no password matches.

    Verifying a password against it costs exactly what verifying against a
    real hash costs, from the very first call, without hashing anything at
    construction: the salt and the digest are random bytes, not a hash's output.
    """

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode().rstrip("=")

    salt = secrets.token_bytes(hasher.salt_len)
    digest = secrets.token_bytes(hasher.hash_len)
    return (
        f"$argon2id$v={argon2.low_level.ARGON2_VERSION}"
        f"$m={hasher.memory_cost},t={hasher.time_cost},p={hasher.parallelism}"
        f"${b64(salt)}${b64(digest)}"
    )


def new_token() -> str:
    """Return a fresh session token: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Return the hash under which a session token is stored.

    A token has 256 bits of entropy, so one round of SHA-256 is enough: unlike
    a password it cannot be guessed, and lookups stay a single index probe.
    """
    # A token read from a request may hold a lone surrogate; it is no issued token,
    # but it must hash (to nothing stored) rather than raise.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
