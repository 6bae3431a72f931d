"""Thread messages ↔ the OpenAI chat format the model reads.

Messages are stored like the original's ``messages.content``: a JSON string of the chat
message (``{"role": "user", "content": "..."}``); plain text and objects are accepted too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cheatcode_contracts.threads import MessageAdded


@dataclass(frozen=True)
class ToolCall:
    """A function call the model asked for (an item of an assistant message's ``tool_calls``)."""

    id: str
    name: str
    arguments: dict[str, Any]
    arguments_error: str | None = None  # set when the model's arguments were not a JSON object


LLM_ROLES = {"user": "user", "assistant": "assistant", "tool": "tool"}


def to_chat(messages: Iterable[MessageAdded]) -> list[dict[str, Any]]:
    """The LLM-visible messages of a thread, in order."""
    chat: list[dict[str, Any]] = []
    for message in messages:
        role = LLM_ROLES.get(message.type)
        if role is None or not message.is_llm_message:
            continue
        content = _decode(message.content)
        if isinstance(content, dict) and content.get("role") == role:
            chat.append({key: value for key, value in content.items() if value is not None or key == "content"})
        else:
            chat.append({"role": role, "content": content if isinstance(content, str) else json.dumps(content)})
    return _drop_dangling_tool_calls(chat)


def assistant_content(text: str, calls: tuple[ToolCall, ...]) -> str:
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if calls:
        message["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": json.dumps(c.arguments)}}
            for c in calls
        ]
    return json.dumps(message)


def tool_content(call: ToolCall, output: str) -> str:
    return json.dumps({"role": "tool", "tool_call_id": call.id, "name": call.name, "content": output})


def _decode(content: Any) -> Any:
    if isinstance(content, str) and content.startswith("{"):
        try:
            return json.loads(content)
        except ValueError:
            return content
    return content


def _drop_dangling_tool_calls(chat: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Providers reject a tool call without its result (a run stopped mid-tool leaves one)."""
    answered = {m.get("tool_call_id") for m in chat if m["role"] == "tool"}
    cleaned = []
    for message in chat:
        calls = message.get("tool_calls")
        if calls:
            kept = [c for c in calls if c.get("id") in answered]
            message = (
                {**message, "tool_calls": kept} if kept else {k: v for k, v in message.items() if k != "tool_calls"}
            )
        cleaned.append(message)
    return cleaned


ELIDED = "[older tool output elided to fit the context window]"


def fit_to_context(chat: list[dict[str, Any]], max_chars: int) -> list[dict[str, Any]]:
    """Elide the oldest tool outputs until the chat is about ``max_chars`` long.

    Tool output is the bulk of a long run and the least useful once acted upon; the
    messages themselves stay, so every tool call keeps its answer.
    """
    total = sum(len(str(message.get("content") or "")) for message in chat)
    fitted = list(chat)
    for index, message in enumerate(fitted):
        if total <= max_chars:
            break
        content = str(message.get("content") or "")
        if message["role"] == "tool" and len(content) > len(ELIDED):
            fitted[index] = {**message, "content": ELIDED}
            total -= len(content) - len(ELIDED)
    return fitted
