"""The OpenAI adapter against real HTTP servers: the mock model, and a flaky protocol double."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from openai import AsyncOpenAI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from cheatcode_agent.adapters.openai_llm import OPENROUTER_BASE_URL, OpenAiLlm, choose_endpoint
from cheatcode_agent.ports.llm import ChatRequest, Completion, LlmError, StreamItem, TextDelta, ToolSpec

TOOLS = (ToolSpec("create_file", "Create a file", {"type": "object", "properties": {}}),)


async def collect(stream: AsyncIterator[StreamItem]) -> tuple[list[str], Completion]:
    deltas: list[str] = []
    async for item in stream:
        if isinstance(item, TextDelta):
            deltas.append(item.text)
        else:
            return deltas, item
    raise AssertionError("no completion")


async def test_streams_text_then_assembles_native_tool_calls(mock_llm_url: str) -> None:
    llm = OpenAiLlm(base_url=mock_llm_url, api_key="x", max_retries=0)
    request = ChatRequest("mock-model", [{"role": "user", "content": "make a file"}], TOOLS)
    deltas, completion = await collect(llm.stream(request))
    assert len(deltas) > 1 and "".join(deltas) == completion.text
    assert completion.finish_reason == "tool_calls"
    (call,) = completion.tool_calls
    assert call.name == "create_file" and call.id == "call_default_0"
    assert call.arguments["file_path"] == "hello.txt" and call.arguments_error is None
    assert completion.usage.prompt_tokens > 0 and completion.usage.completion_tokens > 0
    assert not completion.usage.estimated
    await llm.close()


async def test_provider_failure_becomes_llm_error(mock_llm_url: str) -> None:
    llm = OpenAiLlm(base_url=mock_llm_url, api_key="x", max_retries=0)
    with pytest.raises(LlmError) as failed:
        await collect(llm.stream(ChatRequest("mock-model", [{"role": "user", "content": "[mock:fail]"}])))
    assert failed.value.status == 500
    with pytest.raises(LlmError):
        await collect(llm.stream(ChatRequest("mock-model", [{"role": "user", "content": "[mock:fail-stream]"}])))
    await llm.close()


async def test_mock_serves_the_sdk_without_streaming_and_lists_models(mock_llm_url: str) -> None:
    client = AsyncOpenAI(base_url=mock_llm_url, api_key="x", max_retries=0)
    models = await client.models.list()
    assert [m.id for m in models.data] == ["mock-model"]
    answer = await client.chat.completions.create(
        model="mock-model", messages=[{"role": "user", "content": "[mock:echo] hi you"}]
    )
    assert answer.choices[0].message.content == "hi you" and answer.usage is not None
    await client.close()


class FlakyProvider:
    """A protocol double that answers 429 and then 503 before a streamed answer without usage."""

    def __init__(self) -> None:
        self.calls = 0

    async def handle(self, request: Request) -> Response:
        self.calls += 1
        if self.calls == 1:
            return JSONResponse({"error": {"message": "slow down"}}, 429, headers={"retry-after-ms": "10"})
        if self.calls == 2:
            return JSONResponse({"error": {"message": "busy"}}, 503, headers={"retry-after-ms": "10"})

        async def body() -> AsyncIterator[bytes]:
            chunk = {
                "id": "c",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": "m",
                "choices": [{"index": 0, "delta": {"content": "hello world"}, "finish_reason": "stop"}],
            }
            yield f"data: {json.dumps(chunk)}\n\n".encode()
            yield b"data: [DONE]\n\n"

        return StreamingResponse(body(), media_type="text/event-stream")


@pytest.fixture
async def flaky(
    serve_asgi: Callable[[Any], AbstractAsyncContextManager[str]],
) -> AsyncIterator[tuple[str, FlakyProvider]]:
    provider = FlakyProvider()
    app = Starlette(routes=[Route("/v1/chat/completions", provider.handle, methods=["POST"])])
    async with serve_asgi(app) as url:
        yield f"{url}/v1", provider


async def test_retries_429_and_5xx_then_estimates_missing_usage(flaky: tuple[str, FlakyProvider]) -> None:
    url, provider = flaky
    llm = OpenAiLlm(base_url=url, api_key="x", max_retries=2)
    deltas, completion = await collect(llm.stream(ChatRequest("m", [{"role": "user", "content": "x" * 400}])))
    assert provider.calls == 3 and deltas == ["hello world"]
    assert completion.usage.estimated and completion.usage.prompt_tokens >= 100
    await llm.close()


async def test_gives_up_after_max_retries(flaky: tuple[str, FlakyProvider]) -> None:
    url, provider = flaky
    llm = OpenAiLlm(base_url=url, api_key="x", max_retries=1)
    with pytest.raises(LlmError) as failed:
        await collect(llm.stream(ChatRequest("m", [{"role": "user", "content": "hi"}])))
    assert failed.value.status == 503 and provider.calls == 2
    await llm.close()


def test_endpoint_choice() -> None:
    assert choose_endpoint(openrouter_api_key="k", base_url="http://x", api_key="y").base_url == OPENROUTER_BASE_URL  # type: ignore[union-attr]
    assert choose_endpoint(openrouter_api_key=None, base_url="http://x/v1", api_key=None).base_url == "http://x/v1"  # type: ignore[union-attr]
    assert choose_endpoint(openrouter_api_key="", base_url=None, api_key=None) is None
