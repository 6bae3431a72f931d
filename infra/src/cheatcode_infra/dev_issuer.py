"""A local stand-in for Clerk: an RSA key pair, its JWKS, and RS256 tokens signed with it.

The key pair lives in ``$CHEATCODE_HOME/dev-issuer/`` (private key mode 0600), so
``cheatcode dev-token`` in another terminal signs with the same key the running stack
publishes. The ``kid`` is the key's RFC 7638 thumbprint: derived, never stored.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from cheatcode_infra.secret_files import write_private

ISSUER = "cheatcode-dev"
AUTHORIZED_PARTY = "http://localhost:3000"
DEFAULT_TTL_SECONDS = 3600
PRIVATE_KEY_FILE = "private_key.pem"
JWKS_URL_FILE = "jwks_url"
JWKS_PATH = "/.well-known/jwks.json"


class DevIssuerMissingError(RuntimeError):
    """No key pair yet: the dev stack was never started with this home."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _uint(value: int) -> str:
    return _b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


@dataclass(frozen=True)
class DevIssuer:
    private_key: rsa.RSAPrivateKey
    issuer: str = ISSUER
    authorized_party: str = AUTHORIZED_PARTY

    @classmethod
    def load_or_create(cls, directory: Path) -> DevIssuer:
        path = directory / PRIVATE_KEY_FILE
        if not path.exists():
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            write_private(path, pem)
        return cls.load(directory)

    @classmethod
    def load(cls, directory: Path) -> DevIssuer:
        path = directory / PRIVATE_KEY_FILE
        if not path.exists():
            raise DevIssuerMissingError(f"no dev issuer key at {path}")
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise DevIssuerMissingError(f"{path} is not an RSA private key")
        return cls(key)

    def public_jwk(self) -> dict[str, str]:
        numbers = self.private_key.public_key().public_numbers()
        members = {"e": _uint(numbers.e), "kty": "RSA", "n": _uint(numbers.n)}
        thumbprint = hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode()).digest()
        return {**members, "kid": _b64url(thumbprint), "use": "sig", "alg": "RS256"}

    @property
    def kid(self) -> str:
        return self.public_jwk()["kid"]

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return {"keys": [self.public_jwk()]}

    def mint(
        self,
        user_id: str,
        *,
        email: str | None = None,
        ttl_seconds: int = DEFAULT_TTL_SECONDS,
        now: float | None = None,
    ) -> str:
        issued_at = int(time.time() if now is None else now)
        claims: dict[str, Any] = {
            "sub": user_id,
            "iss": self.issuer,
            "azp": self.authorized_party,
            "iat": issued_at,
            "nbf": issued_at,
            "exp": issued_at + ttl_seconds,
        }
        if email is not None:
            claims["email"] = email
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": self.kid})


def write_jwks_url(directory: Path, url: str) -> None:
    (directory / JWKS_URL_FILE).write_text(url + "\n")


def read_jwks_url(directory: Path) -> str | None:
    path = directory / JWKS_URL_FILE
    return path.read_text().strip() if path.exists() else None
