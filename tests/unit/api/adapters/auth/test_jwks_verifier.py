"""The JWKS verifier (real adapter) against a local JWKS server with locally generated keys."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import AsyncIterator

import jwt
import pytest

from cheatcode_api.adapters.auth import JwksTokenVerifier, JwksVerifierSettings
from cheatcode_api.ports.auth import InvalidTokenError, VerifierUnavailableError
from tests.support.clerk_double import ISSUER, PARTY, JwksDouble, SigningKey

KEY = SigningKey("key-1")
OTHER = SigningKey("key-2")


@pytest.fixture
async def jwks() -> AsyncIterator[JwksDouble]:
    server = JwksDouble(KEY)
    await server.start()
    yield server
    await server.stop()


def verifier_for(server: JwksDouble, **overrides: object) -> JwksTokenVerifier:
    options: dict[str, object] = {"issuer": ISSUER, "authorized_parties": (PARTY,), "refresh_interval": 60.0}
    options.update(overrides)
    return JwksTokenVerifier(JwksVerifierSettings(jwks_url=server.url, **options))  # type: ignore[arg-type]


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_a_valid_token_yields_its_subject_and_claims(jwks: JwksDouble) -> None:
    user = await verifier_for(jwks).verify(KEY.mint("user_42", email="a@b.c"))
    assert user.user_id == "user_42"
    assert user.email == "a@b.c"


async def test_keys_are_cached_between_verifications(jwks: JwksDouble) -> None:
    verifier = verifier_for(jwks)
    for _ in range(5):
        await verifier.verify(KEY.mint())
    assert jwks.fetches == 1


@pytest.mark.parametrize(
    ("token_factory", "reason"),
    [
        (lambda: KEY.mint(ttl=-3600), "expired"),
        (lambda: KEY.mint(sub=None), "sub"),
        (lambda: KEY.mint(iat=None), "iat"),
        (lambda: KEY.mint(exp=None), "exp"),
        (lambda: KEY.mint(iss="https://evil.test"), "issuer"),
        (lambda: KEY.mint(azp="https://evil.test"), "another party"),
        (lambda: "not-a-jwt", "malformed"),
        (lambda: "a.b.c", "malformed"),
    ],
)
async def test_unacceptable_tokens_are_refused(jwks: JwksDouble, token_factory: object, reason: str) -> None:
    with pytest.raises(InvalidTokenError, match=reason):
        await verifier_for(jwks).verify(token_factory())  # type: ignore[operator]


async def test_a_token_signed_by_another_key_under_a_known_kid_is_refused(jwks: JwksDouble) -> None:
    forged = SigningKey("key-1", private=OTHER.private).mint()
    with pytest.raises(InvalidTokenError, match=r"[Ss]ignature"):
        await verifier_for(jwks).verify(forged)


async def test_alg_none_and_hs256_are_refused(jwks: JwksDouble) -> None:
    claims = {"sub": "u", "iat": int(time.time()), "exp": int(time.time()) + 60, "iss": ISSUER}
    unsigned = f"{_b64({'alg': 'none', 'kid': 'key-1'})}.{_b64(claims)}."
    with pytest.raises(InvalidTokenError, match="algorithm"):
        await verifier_for(jwks).verify(unsigned)
    hmac_token = jwt.encode(claims, "x" * 32, algorithm="HS256", headers={"kid": "key-1"})
    with pytest.raises(InvalidTokenError, match="algorithm"):
        await verifier_for(jwks).verify(hmac_token)


async def test_an_unknown_kid_refetches_once_then_is_rate_limited(jwks: JwksDouble) -> None:
    verifier = verifier_for(jwks)
    await verifier.verify(KEY.mint())
    with pytest.raises(InvalidTokenError, match="unknown key"):
        await verifier.verify(OTHER.mint())
    assert jwks.fetches == 2  # one refetch for the unknown kid
    with pytest.raises(InvalidTokenError, match="unknown key"):
        await verifier.verify(OTHER.mint())
    assert jwks.fetches == 2  # rate-limited: garbage kids cannot hammer the JWKS endpoint


async def test_a_rotated_key_is_picked_up_on_its_first_token(jwks: JwksDouble) -> None:
    verifier = verifier_for(jwks, refresh_interval=0.0)
    await verifier.verify(KEY.mint())
    jwks.keys = [KEY, OTHER]
    assert (await verifier.verify(OTHER.mint("rotated"))).user_id == "rotated"


async def test_azp_is_optional_and_issuer_unchecked_when_not_configured(jwks: JwksDouble) -> None:
    assert (await verifier_for(jwks).verify(KEY.mint(azp=None))).user_id == "user_1"
    relaxed = verifier_for(jwks, issuer=None, authorized_parties=())
    assert (await relaxed.verify(KEY.mint(iss="anyone", azp="anything"))).user_id == "user_1"


async def test_an_unreachable_jwks_without_cached_keys_is_unavailable(jwks: JwksDouble) -> None:
    verifier = verifier_for(jwks)
    await jwks.stop()
    with pytest.raises(VerifierUnavailableError):
        await verifier.verify(KEY.mint())


async def test_a_cached_token_still_expires(jwks: JwksDouble) -> None:
    verifier = verifier_for(jwks, leeway=0.0)
    # exp is whole seconds from a truncated now: ttl=2 leaves 1-2 s of validity, never less.
    short = KEY.mint(ttl=2)
    assert (await verifier.verify(short)).user_id == "user_1"
    assert (await verifier.verify(short)).user_id == "user_1"  # from the cache
    await asyncio.sleep(2.1)  # the token's own exp is what is under test: real time must pass
    with pytest.raises(InvalidTokenError, match="expired"):
        await verifier.verify(short)


async def test_during_an_outage_cached_keys_keep_working_and_fetches_back_off(jwks: JwksDouble) -> None:
    verifier = verifier_for(jwks, cache_ttl=0.001, failure_backoff=60.0)
    await verifier.verify(KEY.mint("before"))
    jwks.failing = True
    await asyncio.sleep(0.01)  # let the cache TTL (1 ms) pass: this test is about expiry
    assert (await verifier.verify(KEY.mint("during"))).user_id == "during"  # stale keys after a failed fetch
    assert jwks.fetches == 2
    for _ in range(3):
        assert (await verifier.verify(KEY.mint("again"))).user_id == "again"
        with pytest.raises(InvalidTokenError, match="unknown key"):
            await verifier.verify(OTHER.mint())
    assert jwks.fetches == 2  # backing off: no request waits for another failing fetch


async def test_without_any_key_an_outage_is_unavailable_at_once_while_backing_off(jwks: JwksDouble) -> None:
    verifier = verifier_for(jwks, failure_backoff=60.0)
    jwks.failing = True
    for _ in range(3):
        with pytest.raises(VerifierUnavailableError):
            await verifier.verify(KEY.mint())
    assert jwks.fetches == 1
