"""The OpenAI-compatible adapter sends a BYOK call with the user's key and others with the system key.

Against the local mock model over HTTP, with the Authorization header of every request recorded.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from cheatcode_agent.adapters.openai_llm import OpenAiLlm
from cheatcode_agent.ports.llm import ChatRequest, Completion
from cheatcode_infra.doubles.serving import BackgroundServer
from cheatcode_infra.mock_llm.app import create_app

USER_KEY = "sk-or-v1-" + "5e" * 32


class RecordingAuth:
    """ASGI middleware: remembers each request's Authorization header."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            self.seen.append(headers.get(b"authorization", b"").decode())
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
async def model() -> AsyncIterator[tuple[RecordingAuth, str]]:
    recorder = RecordingAuth(create_app())
    server = BackgroundServer(recorder)
    await server.start()
    yield recorder, f"{server.url}/v1"
    await server.stop()


async def complete(llm: OpenAiLlm, api_key: str | None) -> Completion:
    request = ChatRequest("mock-model", [{"role": "user", "content": "hello"}], api_key=api_key)
    items = [item async for item in llm.stream(request)]
    assert isinstance(items[-1], Completion)
    return items[-1]


async def test_each_call_authenticates_with_its_own_key(model: tuple[RecordingAuth, str]) -> None:
    recorder, url = model
    llm = OpenAiLlm(base_url=url, api_key="system-key", max_retries=0)
    try:
        await complete(llm, USER_KEY)
        await complete(llm, None)
        await complete(llm, USER_KEY)
    finally:
        await llm.close()
    assert recorder.seen[-3:] == [f"Bearer {USER_KEY}", "Bearer system-key", f"Bearer {USER_KEY}"]
