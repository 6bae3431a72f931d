"""What a tool is, and how a call is dispatched, bounded and turned into a result."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from cheatcode_agent.domain.conversation import ToolCall
from cheatcode_agent.ports.llm import ToolSpec
from cheatcode_agent.ports.sandbox import SandboxError, SandboxPort
from cheatcode_contracts import Command


@dataclass(frozen=True)
class ToolResult:
    success: bool
    output: Any  # JSON-ready


@dataclass(frozen=True)
class ToolContext:
    sandbox: SandboxPort
    sandbox_id: str
    app_type: str
    timeout: float  # seconds for one tool call

    async def call(self, command: Command) -> Any:
        return await self.sandbox.call(command, wait=self.timeout)


class ToolFailure(Exception):
    """A tool could not do what was asked; the message goes back to the model."""


Run = Callable[[Any, ToolContext], Awaitable[ToolResult]]


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    arguments: type[BaseModel]  # validates the model's arguments; its JSON schema is the tool's
    run: Run
    terminates: bool = False  # complete / ask end the run after this call

    @property
    def spec(self) -> ToolSpec:
        schema = self.arguments.model_json_schema()
        schema.pop("title", None)
        return ToolSpec(self.name, self.description, schema)


class ToolBox:
    def __init__(self, tools: Iterable[Tool]) -> None:
        self._tools = {tool.name: tool for tool in tools}

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._tools)

    def with_tools(self, extra: Iterable[Tool]) -> ToolBox:
        """This box plus ``extra`` (a run's MCP tools); a name already here keeps its tool."""
        return ToolBox((*self._tools.values(), *(tool for tool in extra if tool.name not in self._tools)))

    @property
    def specs(self) -> tuple[ToolSpec, ...]:
        return tuple(tool.spec for tool in self._tools.values())

    def terminates(self, name: str) -> bool:
        tool = self._tools.get(name)
        return tool is not None and tool.terminates

    async def execute(self, call: ToolCall, context: ToolContext) -> ToolResult:
        """Never raises (except cancellation): every failure is a result the model can read."""
        tool = self._tools.get(call.name)
        if tool is None:
            return ToolResult(False, f"Unknown tool: {call.name}. Available: {', '.join(self._tools)}")
        if call.arguments_error:
            return ToolResult(False, f"Invalid arguments for {call.name}: {call.arguments_error}")
        try:
            arguments = tool.arguments.model_validate(call.arguments)
        except ValidationError as error:
            return ToolResult(False, f"Invalid arguments for {call.name}: {_brief(error)}")
        try:
            # the sandbox round trip has its own timeout; this one bounds the tool as a whole
            return await asyncio.wait_for(tool.run(arguments, context), context.timeout + 5)
        except (ToolFailure, SandboxError) as error:
            return ToolResult(False, str(error))
        except TimeoutError:
            return ToolResult(False, f"{call.name} timed out after {context.timeout:g} s")
        except ValidationError as error:
            # Arguments the tool accepted but the sandbox contract refuses (an empty path, say):
            # the model's mistake, not the run's; it reads why and tries again.
            return ToolResult(False, f"Invalid arguments for {call.name}: {_brief(error)}")


def _brief(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in item['loc']) or 'arguments'}: {item['msg']}" for item in error.errors()
    )
