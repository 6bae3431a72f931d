"""The LLM port over the ``openai`` SDK, for any OpenAI-compatible chat-completions server.

OpenRouter when ``OPENROUTER_API_KEY`` is set, else ``LLM_BASE_URL`` / ``LLM_API_KEY``
(Ollama, vLLM, the local mock model). Retries with exponential backoff on 408/409/429/5xx,
connection errors and timeouts are the SDK's own (``max_retries``); they happen before the
stream starts, so no delta is ever delivered twice.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import openai
from openai import AsyncOpenAI

from cheatcode_agent.domain.conversation import ToolCall
from cheatcode_agent.ports.llm import (
    ChatRequest,
    Completion,
    LlmError,
    LlmPort,
    StreamItem,
    TextDelta,
    Usage,
    estimate_tokens,
)

OPENROUTER_BASE_URL = "https://openrouter.ai/api/v1"
OPENROUTER_HEADERS = {"HTTP-Referer": "https://trycheatcode.com", "X-Title": "Cheatcode AI"}


@dataclass
class _PartialCall:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)

    def build(self, index: int) -> ToolCall:
        raw = "".join(self.arguments)
        try:
            parsed = json.loads(raw) if raw.strip() else {}
        except ValueError as error:
            return ToolCall(self.id or f"call_{index}", self.name, {}, f"arguments are not valid JSON: {error}")
        if not isinstance(parsed, dict):
            return ToolCall(self.id or f"call_{index}", self.name, {}, "arguments must be a JSON object")
        return ToolCall(self.id or f"call_{index}", self.name, parsed)


class OpenAiLlm(LlmPort):
    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        max_retries: int = 3,
        timeout: float = 120.0,
        default_headers: dict[str, str] | None = None,
    ) -> None:
        self._client = AsyncOpenAI(
            base_url=base_url,
            api_key=api_key or "not-needed",
            max_retries=max_retries,
            timeout=timeout,
            default_headers=default_headers,
        )

    async def close(self) -> None:
        await self._client.close()

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamItem]:
        kwargs: dict[str, Any] = {
            "model": request.model.removeprefix("openrouter/"),  # LiteLLM-style ids of the original
            "messages": request.messages,
            "stream": True,
            "stream_options": {"include_usage": True},
            "temperature": request.temperature,
        }
        if request.tools:
            kwargs["tools"] = [tool.as_openai() for tool in request.tools]
            kwargs["tool_choice"] = "auto"
        if request.max_tokens:
            kwargs["max_tokens"] = request.max_tokens
        try:
            async with contextlib.aclosing(self._stream(request, kwargs)) as items:
                async for item in items:
                    yield item
        except openai.APIStatusError as error:
            detail = f"model provider answered {error.status_code}: {error.message}"
            raise LlmError(detail, status=error.status_code) from None
        except openai.APITimeoutError:
            raise LlmError("model provider timed out") from None
        except openai.APIConnectionError as error:
            raise LlmError(f"cannot reach the model provider: {error}") from None
        except openai.APIError as error:  # e.g. an error object inside the stream
            raise LlmError(f"model provider error: {error.message}") from None

    async def _stream(self, request: ChatRequest, kwargs: dict[str, Any]) -> AsyncGenerator[StreamItem, None]:
        # A BYOK user's call authenticates with their own key (a per-call copy of the client).
        client = self._client.with_options(api_key=request.api_key) if request.api_key else self._client
        stream = await client.chat.completions.create(**kwargs)
        text: list[str] = []
        calls: dict[int, _PartialCall] = {}
        finish_reason, usage, model = "stop", None, request.model
        async with stream:  # closes the HTTP response even when the caller stops early
            async for chunk in stream:
                model = chunk.model or model
                if chunk.usage is not None:
                    usage = Usage(chunk.usage.prompt_tokens or 0, chunk.usage.completion_tokens or 0)
                for choice in chunk.choices:
                    delta = choice.delta
                    if delta.content:
                        text.append(delta.content)
                        yield TextDelta(delta.content)
                    for part in delta.tool_calls or ():
                        partial = calls.setdefault(part.index, _PartialCall())
                        partial.id = part.id or partial.id
                        if part.function is not None:
                            partial.name = part.function.name or partial.name
                            partial.arguments.append(part.function.arguments or "")
                    if choice.finish_reason:
                        finish_reason = choice.finish_reason
        tool_calls = tuple(calls[index].build(index) for index in sorted(calls))
        full_text = "".join(text)
        if usage is None:
            usage = _estimate(request, full_text, tool_calls)
        yield Completion(full_text, tool_calls, finish_reason, usage, model)


def _estimate(request: ChatRequest, text: str, calls: tuple[ToolCall, ...]) -> Usage:
    prompt = estimate_tokens(json.dumps(request.messages, default=str))
    completion = estimate_tokens(text + "".join(json.dumps(call.arguments) for call in calls))
    return Usage(prompt, completion, estimated=True)


class UnconfiguredLlm(LlmPort):
    """No provider configured: every run fails with a clear message instead of hanging."""

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamItem]:
        raise LlmError("no model provider configured: set OPENROUTER_API_KEY, or LLM_BASE_URL and LLM_API_KEY")
        yield  # pragma: no cover  (makes this an async generator)


@dataclass(frozen=True)
class LlmEndpoint:
    base_url: str
    api_key: str
    headers: dict[str, str] = field(default_factory=dict)


def choose_endpoint(*, openrouter_api_key: str | None, base_url: str | None, api_key: str | None) -> LlmEndpoint | None:
    """OpenRouter when its key is set; else the configured compatible server; else None."""
    if openrouter_api_key:
        return LlmEndpoint(OPENROUTER_BASE_URL, openrouter_api_key, dict(OPENROUTER_HEADERS))
    if base_url:
        return LlmEndpoint(base_url, api_key or "")
    return None
