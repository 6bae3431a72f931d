"""A tool call the sandbox contract refuses is a failed result the model reads, never a crashed run."""

from __future__ import annotations

from cheatcode_agent.domain.conversation import ToolCall
from cheatcode_agent.tools import ToolContext, default_toolbox
from tests.unit.agent.handlers.test_agent_loop import MemorySandbox


async def test_arguments_the_sandbox_contract_refuses_fail_the_call_only() -> None:
    context = ToolContext(MemorySandbox(), "s1", "web", timeout=5)
    result = await default_toolbox().execute(ToolCall("c1", "read_file", {"file_path": "x" * 5000}), context)
    assert not result.success and str(result.output).startswith("Invalid arguments for read_file")
