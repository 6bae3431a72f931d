"""The tool loop with a scripted model (an implementation of the LLM port that replays a
script) and in-memory stores: limits, message persistence, usage, tool failures."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from pydantic import BaseModel

from cheatcode_agent.adapters.memory_run_output import InMemoryRunOutput as MemoryOutput
from cheatcode_agent.domain.conversation import ToolCall
from cheatcode_agent.domain.limits import RunLimits
from cheatcode_agent.domain.run import Run
from cheatcode_agent.handlers.agent_loop import AgentLoop, LoopDeps, RunAborted
from cheatcode_agent.handlers.frame_writer import FrameWriter, ensure_terminal_frame
from cheatcode_agent.ports.llm import ChatRequest, Completion, LlmPort, StreamItem, TextDelta, Usage
from cheatcode_agent.ports.sandbox import SandboxError, SandboxPort
from cheatcode_agent.tools import default_toolbox
from cheatcode_contracts import Command, ErrorCode, sandbox as sb
from cheatcode_contracts.projects import ProjectCreated
from cheatcode_contracts.runs import UsageRecorded, usage_subject
from cheatcode_contracts.subjects import aggregate_subject
from cheatcode_contracts.threads import MessageAdded, ThreadCreated
from cheatcode_runtime.eventstore import InMemoryEventStore

Turn = tuple[str, list[ToolCall]]


class ScriptedLlm(LlmPort):
    """Answers turn after turn from a script; records every request it got."""

    def __init__(self, turns: list[Turn], *, usage: Usage | None = None) -> None:
        self.turns = turns
        self.requests: list[ChatRequest] = []
        self.usage = usage or Usage(10, 5, estimated=True)

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamItem]:
        self.requests.append(request)
        text, calls = self.turns[min(len(self.requests), len(self.turns)) - 1]
        for word in text.split(" "):
            yield TextDelta(word + " ")
        yield Completion(text, tuple(calls), "tool_calls" if calls else "stop", self.usage)


class MemorySandbox(SandboxPort):
    """Files in a dict: enough of the sandbox contracts for file tools."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    async def call(self, command: Command, *, wait: float) -> BaseModel:
        if isinstance(command, sb.EnsureSandbox):
            return sb.SandboxInfo(sandbox_id="s1", project_id=command.project_id, status="running")
        if isinstance(command, sb.WriteFile):
            self.files[command.path] = sb.b64decode(command.content_b64)
            return sb.FileWritten(path=command.path, size=len(self.files[command.path]))
        if isinstance(command, sb.ReadFile):
            if command.path not in self.files:
                raise SandboxError(f"file not found: {command.path}", ErrorCode.NOT_FOUND)
            data = self.files[command.path]
            chunk = data[command.offset : command.offset + command.length]
            return sb.FileChunk(
                path=command.path,
                offset=command.offset,
                size=len(data),
                content_b64=sb.b64encode(chunk),
                eof=command.offset + len(chunk) >= len(data),
            )
        raise SandboxError(f"{command.type_name} is not supported here", ErrorCode.INVALID)


async def setup(
    turns: list[Turn], limits: RunLimits | None = None
) -> tuple[AgentLoop, InMemoryEventStore, MemoryOutput]:
    store = InMemoryEventStore()
    await store.append(
        aggregate_subject("project", "p1"),
        [ProjectCreated(project_id="p1", user_id="u1", name="A")],
        expected_position=0,
        idempotency_key="p",
    )
    await store.append(
        aggregate_subject("thread", "t1"),
        [
            ThreadCreated(thread_id="t1", project_id="p1", user_id="u1"),
            MessageAdded(
                thread_id="t1",
                message_id="m0",
                type="user",
                is_llm_message=True,
                content=json.dumps({"role": "user", "content": "go"}),
            ),
        ],
        expected_position=0,
        idempotency_key="t",
    )
    deps = LoopDeps(ScriptedLlm(turns), MemorySandbox(), store, default_toolbox(), limits or RunLimits())
    output = MemoryOutput()
    run = Run("r1", "t1", "p1", "u1", "model-x", "web", "m0")
    return AgentLoop(run, deps, FrameWriter(output, "r1")), store, output


async def thread_messages(store: InMemoryEventStore) -> list[MessageAdded]:
    history = await store.load(aggregate_subject("thread", "t1"))
    return [s.event for s in history.events if isinstance(s.event, MessageAdded) and s.event.agent_run_id == "r1"]


async def test_text_only_answer_completes_and_is_saved_with_usage() -> None:
    loop, store, output = await setup([("all done here", [])])
    outcome = await loop.execute()
    assert (outcome.status, outcome.message) == ("completed", "Agent run completed successfully")
    [saved] = await thread_messages(store)
    assert saved.type == "assistant" and json.loads(saved.content)["content"] == "all done here"
    frames = output.frames["r1"]
    assert "".join(f["content"] for f in frames) == "all done here "
    assert {f["message_id"] for f in frames} == {saved.message_id}
    [usage] = [s.event for s in (await store.load(usage_subject("r1"))).events]
    assert isinstance(usage, UsageRecorded) and usage.estimated and usage.model == "model-x"
    assert loop.deps.llm.requests[0].messages[0]["role"] == "system"  # type: ignore[attr-defined]
    assert loop.deps.llm.requests[0].messages[1] == {"role": "user", "content": "go"}  # type: ignore[attr-defined]


async def test_file_tools_then_complete_end_the_run_with_the_tools_message() -> None:
    write = ToolCall("c1", "create_file", {"file_path": "a.txt", "file_contents": "one two one"})
    edit = ToolCall("c2", "str_replace", {"file_path": "a.txt", "old_str": "two", "new_str": "2"})
    twice = ToolCall("c3", "str_replace", {"file_path": "a.txt", "old_str": "one", "new_str": "1"})
    done = ToolCall("c4", "complete", {"message": "wrote a.txt"})
    loop, store, output = await setup([("writing", [write, edit, twice]), ("finishing", [done])])
    outcome = await loop.execute()
    assert (outcome.status, outcome.message) == ("completed", "wrote a.txt")
    assert loop.deps.sandbox.files["a.txt"] == b"one 2 one"  # type: ignore[attr-defined]
    results = [f for f in output.frames["r1"] if f["type"] == "tool_result"]
    assert [r["success"] for r in results] == [True, True, False, True]
    assert "occurs 2 times" in results[2]["result"]
    saved = await thread_messages(store)
    assert [m.type for m in saved] == ["assistant", "tool", "tool", "tool", "assistant", "tool"]
    second_request = loop.deps.llm.requests[1].messages  # type: ignore[attr-defined]
    assert [m["role"] for m in second_request[-4:]] == ["assistant", "tool", "tool", "tool"]


async def test_iterations_are_bounded_and_bad_calls_are_reported_to_the_model() -> None:
    unknown = ToolCall("c1", "launch_rocket", {})
    broken = ToolCall("c2", "read_file", {}, arguments_error="arguments are not valid JSON")
    loop, _, output = await setup([("again", [unknown, broken])], RunLimits(max_iterations=3))
    outcome = await loop.execute()
    assert outcome.status == "completed" and "maximum of 3 iterations" in outcome.message
    results = [f["result"] for f in output.frames["r1"] if f["type"] == "tool_result"]
    assert len(results) == 6 and results[0].startswith("Unknown tool: launch_rocket")
    assert "not valid JSON" in results[1]


async def test_large_tool_output_is_truncated_for_model_and_stream() -> None:
    write = ToolCall("c1", "write_file", {"file_path": "big.txt", "file_contents": "x" * 5000})
    read = ToolCall("c2", "read_file", {"file_path": "big.txt"})
    loop, store, output = await setup([("big", [write, read]), ("ok", [])], RunLimits(max_tool_output=1000))
    await loop.execute()
    shown = [f["result"] for f in output.frames["r1"] if f["type"] == "tool_result"][1]
    assert isinstance(shown, str) and "characters truncated" in shown and len(shown) < 1100
    tool_message = [m for m in await thread_messages(store) if m.type == "tool"][1]
    assert "characters truncated" in json.loads(tool_message.content)["content"]


async def test_a_missing_thread_aborts_the_run() -> None:
    loop, _, _ = await setup([("x", [])])
    loop.run = replace(loop.run, thread_id="gone")
    with pytest.raises(RunAborted, match="thread gone not found"):
        await loop.execute()


async def test_terminal_frame_is_written_once_after_the_last_frame() -> None:
    output = MemoryOutput()
    run = Run("r9", "t", "p", "u", "m", "web", None, status="failed", outcome="boom")
    await FrameWriter(output, "r9").content("partial", None)
    await ensure_terminal_frame(output, run)
    await ensure_terminal_frame(output, run)
    frames = output.frames["r9"]
    assert [f["sequence"] for f in frames] == [1, 2]
    assert frames[-1] == {"type": "status", "sequence": 2, "message_id": None, "status": "failed", "message": "boom"}


class RacingOutput(MemoryOutput):
    """Another writer takes the next sequence number just before our first status frame."""

    def __init__(self) -> None:
        super().__init__()
        self.raced = False

    async def publish(self, run_id: str, frame: dict[str, Any]) -> bool:
        if frame["type"] == "status" and not self.raced:
            self.raced = True
            await super().publish(run_id, {"type": "content", "sequence": frame["sequence"], "content": "late"})
        return await super().publish(run_id, frame)


async def test_a_terminal_frame_that_lost_its_number_is_written_with_the_next_one() -> None:
    output = RacingOutput()
    await FrameWriter(output, "r7").content("first", None)
    await ensure_terminal_frame(output, Run("r7", "t", "p", "u", "m", "web", None, status="stopped", outcome="bye"))
    frames = output.frames["r7"]
    assert [(f["sequence"], f["type"]) for f in frames] == [(1, "content"), (2, "content"), (3, "status")]
