"""Verifying bearer tokens. The HTTP layer only knows this port, never a JWT library."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class AuthenticatedUser:
    """Who is calling: ``user_id`` is the token's ``sub``."""

    user_id: str
    claims: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def email(self) -> str | None:
        value = self.claims.get("email")
        return value if isinstance(value, str) else None


class InvalidTokenError(Exception):
    """The token is malformed, expired, wrongly signed or otherwise not acceptable."""


class VerifierUnavailableError(Exception):
    """The verifier cannot decide (e.g. the key set cannot be fetched and none is cached)."""


class TokenVerifier(ABC):
    @abstractmethod
    async def verify(self, token: str) -> AuthenticatedUser:
        """Return the caller, or raise :class:`InvalidTokenError` / :class:`VerifierUnavailableError`."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release network resources."""
