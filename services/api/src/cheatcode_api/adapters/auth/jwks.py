"""Clerk JWT verification against a JWKS URL.

The key set is fetched with httpx's async client (PyJWKClient uses blocking urllib, which
would stall the event loop), cached, and refetched when a token names an unknown ``kid``
— at most once per ``refresh_interval`` so that garbage ``kid`` values cannot turn every
request into a fetch — or when the cache is older than ``cache_ttl``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt

from cheatcode_api.adapters.auth.cache import VerifiedTokenCache
from cheatcode_api.ports.auth import AuthenticatedUser, InvalidTokenError, TokenVerifier, VerifierUnavailableError

log = logging.getLogger(__name__)

ALGORITHM = "RS256"
REQUIRED_CLAIMS = ["exp", "iat", "sub"]


@dataclass(frozen=True)
class JwksVerifierSettings:
    jwks_url: str
    issuer: str | None = None
    authorized_parties: tuple[str, ...] = ()
    refresh_interval: float = 30.0
    cache_ttl: float = 3600.0
    leeway: float = 5.0  # clock skew tolerated on exp/iat/nbf, as Clerk's SDKs do
    fetch_timeout: float = 5.0
    failure_backoff: float = 2.0  # seconds without fetch attempts after a failed one
    verified_cache_size: int = 10_000  # tokens whose signature was already checked (0 = no cache)
    verified_cache_seconds: float = 300.0  # ...remembered at most this long, and never past ``exp``


@dataclass
class _KeyCache:
    keys: dict[str, Any] = field(default_factory=dict)  # kid -> public key object
    fetched_at: float = float("-inf")


class JwksTokenVerifier(TokenVerifier):
    def __init__(self, settings: JwksVerifierSettings, client: httpx.AsyncClient | None = None) -> None:
        self._settings = settings
        self._client = client or httpx.AsyncClient(timeout=settings.fetch_timeout)
        self._owns_client = client is None
        self._cache = _KeyCache()
        self._fetch_lock = asyncio.Lock()
        self._last_miss_fetch = float("-inf")  # when an unknown kid last caused a fetch
        self._retry_at = float("-inf")  # no fetch before this (after a failed one)
        self._verified = VerifiedTokenCache(settings.verified_cache_size, settings.verified_cache_seconds)

    async def verify(self, token: str) -> AuthenticatedUser:
        cached = self._verified.get(token)
        if cached is not None:
            return cached
        user = await self._verify_signature(token)
        self._verified.put(token, user, expires_at=float(user.claims["exp"]) + self._settings.leeway)
        return user

    async def _verify_signature(self, token: str) -> AuthenticatedUser:
        header = _unverified_header(token)
        key = await self._key_for(header.get("kid"))
        claims = self._decode(token, key)
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise InvalidTokenError("token has no subject")
        return AuthenticatedUser(user_id=subject, claims=claims)

    async def close(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    def _decode(self, token: str, key: Any) -> dict[str, Any]:
        settings = self._settings
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                issuer=settings.issuer,
                leeway=settings.leeway,
                options={"require": REQUIRED_CLAIMS, "verify_aud": False},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidTokenError("token has expired") from None
        except jwt.InvalidTokenError as error:
            raise InvalidTokenError(str(error) or type(error).__name__) from None
        azp = claims.get("azp")
        # Clerk's rule: when the token names its authorized party, it must be an allowed one.
        if settings.authorized_parties and azp is not None and azp not in settings.authorized_parties:
            raise InvalidTokenError("token was issued for another party")
        return claims

    async def _key_for(self, kid: object) -> Any:
        if self._cache_expired():
            await self._refresh(force=True)
        key = self._lookup(kid)
        if key is None and await self._refresh(force=False):
            key = self._lookup(kid)
        if key is None:
            raise InvalidTokenError("token signed with an unknown key")
        return key

    def _lookup(self, kid: object) -> Any:
        keys = self._cache.keys
        if kid is None:
            # A token without kid is acceptable only when the set leaves no choice.
            return next(iter(keys.values())) if len(keys) == 1 else None
        return keys.get(kid) if isinstance(kid, str) else None

    def _cache_expired(self) -> bool:
        return time.monotonic() - self._cache.fetched_at > self._settings.cache_ttl

    async def _refresh(self, *, force: bool) -> bool:
        """Refetch the key set; False when rate-limited. Concurrent callers share one fetch."""
        started = time.monotonic()
        async with self._fetch_lock:
            if self._cache.fetched_at >= started:
                return True  # someone fetched while we waited for the lock
            if started < self._retry_at:
                return self._unavailable_or(False, "JWKS fetch failed moments ago")
            if not force:
                if started - self._last_miss_fetch < self._settings.refresh_interval:
                    return False
                self._last_miss_fetch = started
            try:
                self._cache = _KeyCache(keys=await self._fetch(), fetched_at=time.monotonic())
            except (httpx.HTTPError, ValueError) as error:
                # Back off: during an outage, requests must not each wait for a failing fetch.
                self._retry_at = time.monotonic() + self._settings.failure_backoff
                log.warning("cannot fetch JWKS from %s: %r", self._settings.jwks_url, error)
                return self._unavailable_or(False, f"cannot fetch JWKS: {error}")
            return True

    def _unavailable_or(self, result: bool, reason: str) -> bool:
        """Without any cached key nothing can be verified: that is unavailability, not a bad token."""
        if not self._cache.keys:
            raise VerifierUnavailableError(reason)
        return result  # keep serving the keys we have

    async def _fetch(self) -> dict[str, Any]:
        response = await self._client.get(self._settings.jwks_url)
        response.raise_for_status()
        return parse_jwks(response.json())


def parse_jwks(document: Any) -> dict[str, Any]:
    """kid → public key for every usable RSA signing key in a JWKS document."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("JWKS document has no 'keys' list")
    keys: dict[str, Any] = {}
    for index, entry in enumerate(document["keys"]):
        if not isinstance(entry, dict) or entry.get("kty") != "RSA" or entry.get("use", "sig") != "sig":
            continue
        if entry.get("alg", ALGORITHM) != ALGORITHM:
            continue
        try:
            key = jwt.PyJWK(entry, algorithm=ALGORITHM).key
        except jwt.PyJWKError:
            continue
        keys[str(entry.get("kid", f"#{index}"))] = key
    return keys


def _unverified_header(token: str) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.DecodeError as error:
        raise InvalidTokenError(f"malformed token: {error}") from None
    if header.get("alg") != ALGORITHM:
        raise InvalidTokenError(f"unsupported signing algorithm {header.get('alg')!r}")
    return header
