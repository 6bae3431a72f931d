"""Tokens from the dev issuer, verified with the public key from its own JWKS."""

from __future__ import annotations

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from cheatcode_infra.dev_issuer import AUTHORIZED_PARTY, ISSUER, DevIssuer


@pytest.fixture(scope="module")
def issuer() -> DevIssuer:
    return DevIssuer(rsa.generate_private_key(public_exponent=65537, key_size=2048))


def _public_key(issuer: DevIssuer) -> jwt.PyJWK:
    return jwt.PyJWK(issuer.jwks()["keys"][0])


def test_claims_and_header(issuer: DevIssuer) -> None:
    token = issuer.mint("user_1", email="a@example.com", ttl_seconds=120, now=1_000_000)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256"
    assert header["kid"] == issuer.kid
    claims = jwt.decode(token, _public_key(issuer), algorithms=["RS256"], options={"verify_exp": False})
    assert claims == {
        "sub": "user_1",
        "email": "a@example.com",
        "iss": ISSUER,
        "azp": AUTHORIZED_PARTY,
        "iat": 1_000_000,
        "nbf": 1_000_000,
        "exp": 1_000_120,
    }


def test_expired_tokens_fail_verification(issuer: DevIssuer) -> None:
    token = issuer.mint("user_1", ttl_seconds=60, now=1_000_000)
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(token, _public_key(issuer), algorithms=["RS256"])


def test_email_is_optional(issuer: DevIssuer) -> None:
    claims = jwt.decode(issuer.mint("user_2"), _public_key(issuer), algorithms=["RS256"])
    assert "email" not in claims


def test_kid_is_the_rfc7638_thumbprint_shape(issuer: DevIssuer) -> None:
    jwk = issuer.public_jwk()
    assert len(jwk["kid"]) == 43  # base64url of a SHA-256 digest, unpadded
    assert jwk["kty"] == "RSA"
    assert "d" not in jwk  # never the private part
