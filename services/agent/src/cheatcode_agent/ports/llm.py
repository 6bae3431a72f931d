"""The LLM port: one streamed chat-completion call with native tool calling.

A call yields :class:`TextDelta` items as the model writes, then exactly one
:class:`Completion` with the assembled tool calls and the token usage. Failures raise
:class:`LlmError`; adapters retry transient failures (429, 5xx, timeouts) themselves
before the first delta, so a caller sees an error only when retrying did not help.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from cheatcode_agent.domain.conversation import ToolCall


@dataclass(frozen=True)
class ToolSpec:
    """A function the model may call; ``parameters`` is a JSON schema object."""

    name: str
    description: str
    parameters: dict[str, Any]

    def as_openai(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int
    estimated: bool = False  # True: the provider sent no usage, these are len/4 estimates


@dataclass(frozen=True)
class ChatRequest:
    model: str
    messages: list[dict[str, Any]]  # OpenAI chat format
    tools: tuple[ToolSpec, ...] = ()
    max_tokens: int | None = None
    temperature: float = 0.0
    api_key: str | None = field(default=None, repr=False)  # a BYOK user's own key for this call


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class Completion:
    text: str
    tool_calls: tuple[ToolCall, ...]
    finish_reason: str
    usage: Usage
    model: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


StreamItem = TextDelta | Completion


class LlmError(Exception):
    """The call failed for good. ``status`` is the HTTP status when there was one."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class LlmPort(ABC):
    @abstractmethod
    def stream(self, request: ChatRequest) -> AsyncIterator[StreamItem]:
        """Deltas, then one Completion. Raises LlmError."""

    async def close(self) -> None:  # noqa: B027  (optional: most adapters hold nothing to release)
        """Release connections."""


def estimate_tokens(text: str) -> int:
    """About four characters a token: used only when a provider reports no usage."""
    return max(1, len(text) // 4) if text else 0
