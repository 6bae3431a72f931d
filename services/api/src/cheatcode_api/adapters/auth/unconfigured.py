"""The verifier used when no JWKS URL is configured: every token is refused with 503."""

from __future__ import annotations

from cheatcode_api.ports.auth import AuthenticatedUser, TokenVerifier, VerifierUnavailableError


class UnconfiguredVerifier(TokenVerifier):
    async def verify(self, token: str) -> AuthenticatedUser:
        raise VerifierUnavailableError("JWT verification not configured")
