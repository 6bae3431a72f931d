"""The agent's tools: what the model may call, each executed in the project's sandbox."""

from cheatcode_agent.tools.base import Tool, ToolBox, ToolContext, ToolResult
from cheatcode_agent.tools.control import CONTROL_TOOLS
from cheatcode_agent.tools.files import FILE_TOOLS
from cheatcode_agent.tools.shell import SHELL_TOOLS


def default_toolbox() -> ToolBox:
    return ToolBox((*SHELL_TOOLS, *FILE_TOOLS, *CONTROL_TOOLS))


__all__ = ["Tool", "ToolBox", "ToolContext", "ToolResult", "default_toolbox"]
