"""The real OpenRouter key check (``GET /auth/key``) against the OpenRouter double, with the reference's messages."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from cheatcode_billing.adapters.openrouter_keys import OpenRouterKeyChecker
from cheatcode_infra.doubles.openrouter_keys import OpenRouterKeysDouble
from cheatcode_infra.doubles.serving import BackgroundServer
from cheatcode_infra.free_ports import free_port

GOOD = "sk-or-v1-" + "ab" * 32
UNKNOWN = "sk-or-v1-dead" + "a" * 60
SPENT = "sk-or-v1-0000" + "b" * 60


@pytest.fixture(scope="module")
async def openrouter() -> AsyncIterator[tuple[OpenRouterKeysDouble, str]]:
    double = OpenRouterKeysDouble()
    server = BackgroundServer(double.app())
    await server.start()
    yield double, f"{server.url}/api/v1"
    await server.stop()


async def check(url: str, key: str) -> tuple[bool, str | None, str | None]:
    checker = OpenRouterKeyChecker(url, timeout=2.0)
    try:
        result = await checker.check(key)
    finally:
        await checker.close()
    return result.success, result.message, result.error


async def test_a_valid_key_is_working_and_sent_as_bearer(openrouter: tuple[OpenRouterKeysDouble, str]) -> None:
    double, url = openrouter
    assert await check(url, GOOD) == (True, "OpenRouter API key is valid and working", None)
    assert double.requests[-1] == GOOD


async def test_an_unknown_key_and_a_spent_one_fail_with_the_reference_messages(
    openrouter: tuple[OpenRouterKeysDouble, str],
) -> None:
    _, url = openrouter
    assert await check(url, UNKNOWN) == (False, None, "Invalid OpenRouter API key or expired session")
    assert await check(url, SPENT) == (False, None, "API key has no remaining credits (0.0/10.0 credits remaining)")


async def test_an_unreachable_openrouter_says_so() -> None:
    ok, _, error = await check(f"http://127.0.0.1:{free_port()}/api/v1", GOOD)
    assert not ok and error == "Unable to connect to OpenRouter. Please check your internet connection."
