"""``complete`` and ``ask``: the model says it is done, or needs the user. Both end the run."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from cheatcode_agent.tools.base import Tool, ToolContext, ToolResult


class CompleteArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")
    message: str = "Task completed successfully"


class AskArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")
    text: str


async def complete(args: Any, context: ToolContext) -> ToolResult:
    return ToolResult(True, f"Task completion signaled: {args.message}")


async def ask(args: Any, context: ToolContext) -> ToolResult:
    return ToolResult(True, f"Question sent to the user: {args.text}")


CONTROL_TOOLS = (
    Tool(
        "complete",
        "Call when the whole task is done. Ends the run.",
        CompleteArgs,
        complete,
        terminates=True,
    ),
    Tool("ask", "Ask the user a question and wait for the answer. Ends the run.", AskArgs, ask, terminates=True),
)
