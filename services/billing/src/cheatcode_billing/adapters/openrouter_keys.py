"""``GET {CHEATCODE_OPENROUTER_URL}/auth/key`` with the key as Bearer token (reference §12.4).

The key is only ever sent in the ``Authorization`` header; neither it nor a response body that
might echo it is logged.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from cheatcode_billing.ports.openrouter_keys import KeyCheck, KeyChecker

log = logging.getLogger("cheatcode.billing.openrouter_keys")

VALID = "OpenRouter API key is valid and working"
MESSAGES = {
    401: "Invalid OpenRouter API key or expired session",
    429: "Rate limit exceeded on OpenRouter account. Please try again later.",
    402: "Insufficient credits in OpenRouter account. Please add more credits.",
}
TIMEOUT = "Request timed out. Please check your internet connection and try again."
UNREACHABLE = "Unable to connect to OpenRouter. Please check your internet connection."


class OpenRouterKeyChecker(KeyChecker):
    def __init__(self, base_url: str, *, timeout: float = 10.0) -> None:
        self._url = f"{base_url.rstrip('/')}/auth/key"
        self._client = httpx.AsyncClient(timeout=timeout)

    async def check(self, api_key: str) -> KeyCheck:
        try:
            response = await self._client.get(self._url, headers={"Authorization": f"Bearer {api_key}"})
        except httpx.TimeoutException:
            return KeyCheck(False, error=TIMEOUT)
        except httpx.HTTPError as error:
            log.warning("OpenRouter key check: %s", type(error).__name__)
            return KeyCheck(False, error=UNREACHABLE)
        if response.status_code == 200:
            return _from_key_data(_json(response).get("data"))
        if response.status_code in MESSAGES:
            return KeyCheck(False, error=MESSAGES[response.status_code])
        details = _json(response).get("error")
        message = details.get("message") if isinstance(details, dict) else None
        return KeyCheck(False, error=f"OpenRouter API error: {message or f'HTTP {response.status_code}'}")

    async def close(self) -> None:
        await self._client.aclose()


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _from_key_data(data: object) -> KeyCheck:
    info = data if isinstance(data, dict) else {}
    limit, remaining = info.get("limit"), info.get("limit_remaining")
    if isinstance(limit, int | float) and isinstance(remaining, int | float) and remaining <= 0:
        return KeyCheck(False, error=f"API key has no remaining credits ({remaining}/{limit} credits remaining)")
    return KeyCheck(True, message=VALID)
