"""A local protocol double of Clerk's JWKS endpoint, plus a token minter for tests.

Keys are generated locally; the served key set can be swapped at run time (key rotation)
and every fetch is counted (refetch rate limiting).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = "https://clerk.test"
PARTY = "http://localhost:3000"


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class SigningKey:
    kid: str
    private: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))

    def jwk(self) -> dict[str, str]:
        numbers = self.private.public_key().public_numbers()
        return {"kty": "RSA", "kid": self.kid, "use": "sig", "alg": "RS256",
                "n": _b64url_uint(numbers.n), "e": _b64url_uint(numbers.e)}  # fmt: skip

    def mint(self, sub: str | None = "user_1", *, ttl: int = 600, headers: dict[str, Any] | None = None,
             **claims: Any) -> str:  # fmt: skip
        now = int(time.time())
        body: dict[str, Any] = {"iss": ISSUER, "azp": PARTY, "iat": now, "nbf": now, "exp": now + ttl}
        if sub is not None:
            body["sub"] = sub
        body.update(claims)
        body = {name: value for name, value in body.items() if value is not None}
        return jwt.encode(body, self.private, algorithm="RS256", headers={"kid": self.kid, **(headers or {})})


class JwksDouble:
    """``GET /jwks.json`` on 127.0.0.1:<free port> serving ``keys``."""

    def __init__(self, *keys: SigningKey) -> None:
        self.keys = list(keys)
        self.fetches = 0
        self.failing = False  # answer 503 (an outage) while True
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/jwks.json"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            self.fetches += 1
            body = json.dumps({"keys": [key.jwk() for key in self.keys]}).encode()
            status = b"503 Service Unavailable" if self.failing else b"200 OK"
            writer.write(
                b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\nConnection: close\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode() + body
            )  # fmt: skip
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
