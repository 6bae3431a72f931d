"""The tool loop of one run: call the model, stream its text, run its tool calls, repeat.

Everything it says is published as frames and appended to the thread as messages, so a
live client sees it and ``GET /api/threads/{id}/messages`` shows it afterwards. Ending
(completed / failed / stopped) and stopping are the worker's business; this returns the
outcome or raises.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass
from typing import Any

from cheatcode_agent.domain import conversation, threads
from cheatcode_agent.domain.conversation import ToolCall
from cheatcode_agent.domain.limits import RunLimits, truncate
from cheatcode_agent.domain.prompt import system_prompt
from cheatcode_agent.domain.run import Run
from cheatcode_agent.handlers.aggregates import Aggregates
from cheatcode_agent.handlers.frame_writer import FrameWriter
from cheatcode_agent.ports import EventStore
from cheatcode_agent.ports.billing import BILLING_LIMIT_REACHED, BillingPort
from cheatcode_agent.ports.llm import ChatRequest, Completion, LlmPort, TextDelta
from cheatcode_agent.ports.llm_keys import BYOK_KEY_MISSING, RunKeyUnavailableError, RunLlmKeys
from cheatcode_agent.ports.sandbox import SandboxPort
from cheatcode_agent.tools import ToolBox, ToolContext, ToolResult
from cheatcode_agent.tools.mcp import McpTools
from cheatcode_contracts import new_id
from cheatcode_contracts.runs import UsageRecorded, usage_subject
from cheatcode_contracts.sandbox import EnsureSandbox, SandboxInfo
from cheatcode_contracts.threads import AddMessage
from cheatcode_runtime.errors import DomainError
from cheatcode_runtime.eventstore import TooManyConflictsError
from cheatcode_runtime.observability.metrics import LLM_LATENCY, LLM_TOKENS


@dataclass(frozen=True)
class LoopDeps:
    llm: LlmPort
    sandbox: SandboxPort
    store: EventStore
    toolbox: ToolBox
    limits: RunLimits
    mcp: McpTools | None = None  # the user's MCP servers, opened for each run
    llm_keys: RunLlmKeys | None = None  # a byok user's own OpenRouter key (None: always the system key)
    billing: BillingPort | None = None  # None: no billing check (the run is still metered)

    @property
    def aggregates(self) -> Aggregates:
        return Aggregates.over(self.store)


@dataclass(frozen=True)
class Outcome:
    status: str  # completed | failed | stopped
    message: str


class RunAborted(Exception):
    """The run cannot go on (the model failed, the thread vanished); the message says why."""


class AgentLoop:
    def __init__(self, run: Run, deps: LoopDeps, writer: FrameWriter) -> None:
        self.run = run
        self.deps = deps
        self.writer = writer
        self.calls = 0  # LLM calls made: names usage events
        self.usage: dict[int, int] = {}  # tokens of each LLM call so far, for the billing check
        self.threads = deps.aggregates.threads
        self.toolbox = deps.toolbox  # plus the run's MCP tools once they are open
        self.api_key: str | None = None  # the user's own key on the byok plan, resolved once per run

    async def execute(self) -> Outcome:
        if self.deps.mcp is None:
            return await self._execute()
        async with self.deps.mcp.for_run(self.run.user_id, self.toolbox.names) as extra:
            self.toolbox = self.toolbox.with_tools(extra)
            return await self._execute()

    async def _execute(self) -> Outcome:
        self.api_key = await self._run_key()
        sandbox_id = await self._ensure_sandbox()
        context = ToolContext(self.deps.sandbox, sandbox_id, self.run.app_type, self.deps.limits.tool_timeout)
        for _ in range(self.deps.limits.max_iterations):
            chat = [{"role": "system", "content": system_prompt(self.run.app_type)}, *await self._history()]
            if not await self._billing_allows():
                return Outcome("stopped", BILLING_LIMIT_REACHED)
            completion, message_id = await self._ask_model(chat)
            await self._append(
                "assistant",
                conversation.assistant_content(completion.text, completion.tool_calls),
                message_id,
                {"finish_reason": completion.finish_reason},
            )
            if not completion.tool_calls:
                return Outcome("completed", "Agent run completed successfully")
            ending = await self._run_tools(completion.tool_calls, message_id, context)
            if ending is not None:
                return ending
        return Outcome("completed", f"Agent reached the maximum of {self.deps.limits.max_iterations} iterations")

    async def _billing_allows(self) -> bool:
        """Reference §12.2: a run whose account fell under 1,000 tokens stops before its next call."""
        if self.deps.billing is None:
            return True
        return await self.deps.billing.may_continue(self.run.user_id, self.run.run_id, dict(self.usage))

    async def _ensure_sandbox(self) -> str:
        command = EnsureSandbox(project_id=self.run.project_id, user_id=self.run.user_id, app_type=self.run.app_type)  # type: ignore[arg-type]
        info = await self.deps.sandbox.call(command, wait=max(self.deps.limits.tool_timeout, 60))
        assert isinstance(info, SandboxInfo)
        return info.sandbox_id

    async def _run_key(self) -> str | None:
        if self.deps.llm_keys is None:
            return None
        try:
            key = await self.deps.llm_keys.for_run(self.run.user_id, self.run.run_id)
        except RunKeyUnavailableError as error:
            raise RunAborted(str(error)) from None
        if key.missing:
            raise RunAborted(BYOK_KEY_MISSING)
        return key.api_key

    async def _history(self) -> list[dict[str, Any]]:
        thread = (await self.threads.load(self.run.thread_id)).state
        if not thread.exists:
            raise RunAborted(f"thread {self.run.thread_id} not found")
        chat = conversation.to_chat(event for _, event in thread.messages)
        return conversation.fit_to_context(chat, self.deps.limits.max_context_chars)

    async def _ask_model(self, chat: list[dict[str, Any]]) -> tuple[Completion, str]:
        message_id = new_id()
        request = ChatRequest(
            self.run.model_name, chat, self.toolbox.specs, self.deps.limits.max_tokens, api_key=self.api_key
        )
        completion: Completion | None = None
        started = time.perf_counter()
        async with contextlib.aclosing(self.deps.llm.stream(request)) as stream:  # type: ignore[type-var]
            async for item in stream:
                if isinstance(item, TextDelta):
                    await self.writer.content(item.text, message_id)
                else:
                    completion = item
        LLM_LATENCY.observe(time.perf_counter() - started)
        if completion is None:
            raise RunAborted("the model ended its answer without completing it")
        await self._record_usage(completion)
        return completion, message_id

    async def _run_tools(self, calls: tuple[ToolCall, ...], assistant_id: str, context: ToolContext) -> Outcome | None:
        ending: Outcome | None = None
        for call in calls:
            await self.writer.tool_call(call.name, call.arguments, call.id, assistant_id)
            result = await self.toolbox.execute(call, context)
            output, truncated = _result_text(result, self.deps.limits.max_tool_output)
            tool_message_id = new_id()
            metadata = {"assistant_message_id": assistant_id, "tool_call_id": call.id, "success": result.success}
            await self._append("tool", conversation.tool_content(call, output), tool_message_id, metadata)
            shown: Any = output if truncated else result.output
            await self.writer.tool_result(call.name, shown, result.success, call.id, tool_message_id)
            if self.toolbox.terminates(call.name) and ending is None:
                said = call.arguments.get("message") or call.arguments.get("text")
                ending = Outcome("completed", str(said or "Task completed successfully"))
        return ending

    async def _append(self, kind: str, content: str, message_id: str, metadata: dict[str, Any]) -> None:
        command = AddMessage(
            command_id=f"{self.run.run_id}:{message_id}",
            thread_id=self.run.thread_id,
            message_id=message_id,
            user_id=self.run.user_id,
            type=kind,  # type: ignore[arg-type]
            is_llm_message=True,
            content=content,
            metadata=metadata,
            agent_run_id=self.run.run_id,
        )
        try:
            await self.threads.update(
                self.run.thread_id, lambda thread: threads.post(thread, command), key=command.command_id
            )
        except (DomainError, TooManyConflictsError) as error:
            raise RunAborted(f"could not save the {kind} message: {getattr(error, 'detail', error)}") from None

    async def _record_usage(self, completion: Completion) -> None:
        usage = completion.usage
        event = UsageRecorded(
            run_id=self.run.run_id,
            user_id=self.run.user_id,
            thread_id=self.run.thread_id,
            project_id=self.run.project_id,
            model=completion.model or self.run.model_name,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            call_index=self.calls,
            estimated=usage.estimated,
        )
        LLM_TOKENS.labels("prompt", event.model).inc(usage.prompt_tokens)
        LLM_TOKENS.labels("completion", event.model).inc(usage.completion_tokens)
        key = f"{self.run.run_id}:usage:{self.calls}"
        self.usage[self.calls] = usage.prompt_tokens + usage.completion_tokens
        self.calls += 1
        await self.deps.store.append(
            usage_subject(self.run.run_id), [event], expected_position=None, idempotency_key=key
        )


def _result_text(result: ToolResult, limit: int) -> tuple[str, bool]:
    """What the model reads of a tool result, cut to ``limit`` characters."""
    return truncate(json.dumps({"success": result.success, "output": result.output}), limit)
