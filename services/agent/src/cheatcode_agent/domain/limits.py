"""Bounds on one agent run, so that no run loops, hangs or floods forever."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RunLimits:
    max_iterations: int = 50  # LLM calls per run
    max_duration: float = 1200.0  # seconds; the original's MAX_AGENT_RUN_DURATION
    tool_timeout: float = 120.0  # seconds for one tool call (sandbox round trip included)
    max_tool_output: int = 20_000  # characters of a tool result kept for the model and the stream
    max_tokens: int | None = 8192  # per LLM call (the original's default for unknown models)
    max_context_chars: int = 400_000  # about 100k tokens; older tool output is elided past it


def truncate(text: str, limit: int) -> tuple[str, bool]:
    """``text`` cut to ``limit`` characters, keeping head and tail (errors are often at the end)."""
    if len(text) <= limit:
        return text, False
    head = limit * 2 // 3
    tail = limit - head
    omitted = len(text) - head - tail
    return f"{text[:head]}\n…[{omitted} characters truncated]…\n{text[-tail:]}", True
