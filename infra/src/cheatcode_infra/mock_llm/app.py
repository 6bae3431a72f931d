"""The HTTP side: ``POST /v1/chat/completions`` (streamed or not) and ``GET /v1/models``.

It speaks the wire format of the OpenAI chat-completions API, including native
``tool_calls`` deltas and the trailing ``usage`` chunk of ``stream_options.include_usage``,
so the agent's real client library drives it exactly like a hosted provider.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from cheatcode_infra.mock_llm.scenarios import Reply, next_reply

MOCK_MODEL_ID = "mock-model"
CREATED = 1_700_000_000  # fixed, so replies are byte-for-byte deterministic


def estimate_tokens(text: str) -> int:
    """A rough count (4 characters a token), enough for usage figures."""
    return max(1, len(text) // 4)


def _usage(messages: list[dict[str, Any]], reply: Reply) -> dict[str, int]:
    completion = estimate_tokens(reply.text + json.dumps([c.arguments for c in reply.tool_calls]))
    if reply.total_tokens is not None:  # a scenario that reports an exact figure (burn)
        completion = min(completion, reply.total_tokens)
        return {"prompt_tokens": reply.total_tokens - completion, "completion_tokens": completion,
                "total_tokens": reply.total_tokens}  # fmt: skip
    prompt = estimate_tokens(json.dumps(messages))
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _chunk(model: str, delta: dict[str, Any], finish: str | None = None) -> bytes:
    body = {
        "id": "chatcmpl-mock",
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return b"data: " + json.dumps(body).encode() + b"\n\n"


async def _stream(model: str, reply: Reply, usage: dict[str, int] | None) -> AsyncIterator[bytes]:
    yield _chunk(model, {"role": "assistant", "content": ""})
    for count, piece in enumerate(reply.chunks, start=1):
        if reply.chunk_delay:
            await asyncio.sleep(reply.chunk_delay)
        yield _chunk(model, {"content": piece})
        if reply.stream_error_after is not None and count >= reply.stream_error_after:
            error = {"error": {"message": "mock model failed mid-stream", "type": "server_error", "code": 500}}
            yield b"data: " + json.dumps(error).encode() + b"\n\n"
            return
    for index, call in enumerate(reply.tool_calls):
        head = {"index": index, "id": call.id, "type": "function", "function": {"name": call.name, "arguments": ""}}
        yield _chunk(model, {"tool_calls": [head]})
        arguments = json.dumps(call.arguments)
        for start in range(0, len(arguments), 24):  # split like real providers do
            part = {"index": index, "function": {"arguments": arguments[start : start + 24]}}
            yield _chunk(model, {"tool_calls": [part]})
    yield _chunk(model, {}, reply.finish_reason)
    if usage is not None:
        body = {"id": "chatcmpl-mock", "object": "chat.completion.chunk", "created": CREATED, "model": model}
        yield b"data: " + json.dumps({**body, "choices": [], "usage": usage}).encode() + b"\n\n"
    yield b"data: [DONE]\n\n"


def _completion(model: str, reply: Reply, usage: dict[str, int]) -> dict[str, Any]:
    calls = [
        {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": json.dumps(c.arguments)}}
        for c in reply.tool_calls
    ]
    message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
    if calls:
        message["tool_calls"] = calls
    return {
        "id": "chatcmpl-mock",
        "object": "chat.completion",
        "created": CREATED,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": reply.finish_reason}],
        "usage": usage,
    }


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": "invalid_request_error", "code": status}}, status)


async def chat_completions(request: Request) -> Response:
    try:
        body = await request.json()
    except ValueError:
        return _error(400, "body is not JSON")
    messages = body.get("messages") if isinstance(body, dict) else None
    if not isinstance(messages, list) or not messages:
        return _error(400, "messages must be a non-empty list")
    model = str(body.get("model") or MOCK_MODEL_ID)
    tools = body.get("tools") if isinstance(body.get("tools"), list) else []
    reply = next_reply(messages, tools)
    if reply.http_error is not None:
        return JSONResponse({"error": {"message": "mock model failure", "type": "server_error"}}, reply.http_error)
    usage = _usage(messages, reply)
    if not body.get("stream"):
        return JSONResponse(_completion(model, reply, usage))
    include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
    return StreamingResponse(
        _stream(model, reply, usage if include_usage else None),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache"},
    )


async def list_models(request: Request) -> Response:
    model = {"id": MOCK_MODEL_ID, "object": "model", "created": CREATED, "owned_by": "cheatcode"}
    return JSONResponse({"object": "list", "data": [model]})


def create_app() -> Starlette:
    return Starlette(
        routes=[
            Route("/v1/chat/completions", chat_completions, methods=["POST"]),
            Route("/v1/models", list_models, methods=["GET"]),
        ]
    )
