"""The dev JWT issuer: JWKS over HTTP, tokens PyJWT verifies, and ``cheatcode dev-token``."""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import jwt
import pytest

from cheatcode_infra.dev_issuer import AUTHORIZED_PARTY, ISSUER, DevIssuer, write_jwks_url
from cheatcode_infra.jwks_server import JwksServer


@pytest.fixture(scope="module")
def issuer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(tmp_path_factory.mktemp("home")) / "dev-issuer"


@pytest.fixture(scope="module")
async def jwks(issuer_dir: Path) -> AsyncIterator[JwksServer]:
    server = JwksServer(DevIssuer.load_or_create(issuer_dir).jwks())
    await server.start()
    write_jwks_url(issuer_dir, server.url)
    yield server
    await server.stop()


def _verify(token: str, jwks_url: str) -> dict[str, object]:
    key = jwt.PyJWKClient(jwks_url).get_signing_key_from_jwt(token).key
    claims: dict[str, object] = jwt.decode(
        token, key, algorithms=["RS256"], issuer=ISSUER, options={"require": ["exp", "iat", "sub"]}
    )
    return claims


def test_private_key_is_owner_only_and_reused(issuer_dir: Path, jwks: JwksServer) -> None:
    key_file = issuer_dir / "private_key.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert DevIssuer.load_or_create(issuer_dir).kid == DevIssuer.load(issuer_dir).kid


async def test_jwks_is_served_and_verifies_minted_tokens(issuer_dir: Path, jwks: JwksServer) -> None:
    token = DevIssuer.load(issuer_dir).mint("user_1", email="a@example.com")
    claims = await _averify(token, jwks.url)
    assert claims["sub"] == "user_1"
    assert claims["email"] == "a@example.com"
    assert claims["azp"] == AUTHORIZED_PARTY
    assert int(str(claims["exp"])) - int(str(claims["iat"])) == 3600


async def _averify(token: str, url: str) -> dict[str, object]:
    return await asyncio.to_thread(_verify, token, url)


async def test_jwks_server_answers_404_elsewhere(jwks: JwksServer) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"http://127.0.0.1:{jwks.port}/nothing")
        served = await client.get(jwks.url)
    assert response.status_code == 404
    assert served.status_code == 200
    assert served.json()["keys"][0]["kid"]


async def test_a_token_from_another_key_is_rejected(tmp_path: Path, jwks: JwksServer) -> None:
    stranger = DevIssuer.load_or_create(tmp_path)
    with pytest.raises(jwt.PyJWKClientError):
        await _averify(stranger.mint("user_1"), jwks.url)


def _dev_token(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CHEATCODE_HOME": str(home)}
    command = [sys.executable, "-m", "cheatcode_infra", "dev-token", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=30, check=False)


async def test_cli_prints_a_token_the_jwks_accepts(issuer_dir: Path, jwks: JwksServer) -> None:
    result = _dev_token(issuer_dir.parent, "--user", "user_2", "--email", "b@example.com", "--ttl", "60")
    assert result.returncode == 0, result.stderr
    claims = await _averify(result.stdout.strip(), jwks.url)
    assert claims["sub"] == "user_2"
    assert int(str(claims["exp"])) - int(str(claims["iat"])) == 60


def test_cli_explains_when_the_stack_never_ran(tmp_path: Path) -> None:
    result = _dev_token(tmp_path / "empty-home", "--user", "user_3")
    assert result.returncode == 1
    assert "make up" in result.stderr
    assert result.stdout == ""
