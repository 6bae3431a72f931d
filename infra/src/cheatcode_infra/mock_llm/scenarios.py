"""What the mock model answers, decided only by the conversation it is sent.

The scenario is chosen by a ``[mock:<name>]`` directive in the newest user message, and
its step by how many tool results follow that message. No server state: the same request
always gets the same answer, and any number of agent replicas can share one server.

Scenarios:
- ``default``: create_file hello.txt → execute_command (upper-cases it into result.txt)
  → read_file result.txt → complete (quoting what it read).
- ``long[:<chunks>[:<ms>]]``: streams ``chunks`` text pieces (default 1500), one every
  ``ms`` milliseconds (default 100), then stops: 2.5 minutes, for stop/resume tests.
- ``fail``: HTTP 500 on every call. ``fail-stream``: a few chunks, then an error chunk.
- ``echo``: answers with the user's text. ``ask``: calls ``ask`` with a question.
- ``tools``: one call of every other tool in turn (write, edit, grep, list, a background
  session checked and terminated, delete), then ``complete``.
- ``mcp``: calls the first offered tool whose name is not a built-in one (an MCP tool) with
  its input schema's required fields filled in (strings "test", numbers 1), then completes
  quoting the result; without such a tool it completes saying so.
- ``burn:<N>[:<K>]``: one call answering a short text plus ``complete``, reporting usage of
  exactly ``N`` total tokens (default 10,000), so tests can exhaust a billing quota. With ``K``
  (default 1), ``K`` calls of ``N`` tokens each: ``list_files`` calls, then ``complete``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

DIRECTIVE = re.compile(r"\[mock:([a-z-]+)((?::\d+)*)\]")
HELLO_FILE = "hello.txt"
HELLO_TEXT = "Hello from the Cheatcode mock model\n"
RESULT_FILE = "result.txt"
UPPERCASE_COMMAND = f"tr '[:lower:]' '[:upper:]' < {HELLO_FILE} > {RESULT_FILE} && echo converted"


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Reply:
    """One model turn: text pieces streamed one by one, then tool calls (or a stop)."""

    chunks: tuple[str, ...] = ()
    tool_calls: tuple[ToolCall, ...] = ()
    chunk_delay: float = 0.0
    http_error: int | None = None  # answer with this status instead of a completion
    stream_error_after: int | None = None  # streamed: fail after this many chunks
    extra: dict[str, Any] = field(default_factory=dict)
    total_tokens: int | None = None  # report exactly this usage instead of an estimate

    @property
    def text(self) -> str:
        return "".join(self.chunks)

    @property
    def finish_reason(self) -> str:
        return "tool_calls" if self.tool_calls else "stop"


def message_text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


# The agent's own tools; any other offered function is an MCP tool (see ``_mcp``).
BUILTIN_TOOLS = frozenset(
    {
        "execute_command", "check_command_output", "terminate_command", "list_commands", "run_code",
        "grep_workspace", "create_file", "write_file", "read_file", "full_file_rewrite", "str_replace",
        "edit_file", "delete_file", "list_files", "complete", "ask",
    }
)  # fmt: skip


def next_reply(messages: list[dict[str, Any]], tools: list[Any] | None = None) -> Reply:
    last_user = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=-1)
    prompt = message_text(messages[last_user]) if last_user >= 0 else ""
    tool_results = [m for m in messages[last_user + 1 :] if m.get("role") == "tool"]
    match = DIRECTIVE.search(prompt)
    name = match.group(1) if match else "default"
    params = [int(p) for p in match.group(2).split(":")[1:]] if match else []
    if name == "long":
        return _long(params)
    if name == "fail":
        return Reply(http_error=500)
    if name == "fail-stream":
        return Reply(chunks=_words("Starting to work on this, then"), stream_error_after=3)
    if name == "echo":
        return Reply(chunks=_words(DIRECTIVE.sub("", prompt).strip() or "(empty)"))
    if name == "ask":
        return _ask(tool_results)
    if name == "tools":
        return _tour(len(tool_results))
    if name == "mcp":
        return _mcp(tools or [], tool_results)
    if name == "burn":
        return _burn(params[0] if params else 10_000, params[1] if len(params) > 1 else 1, len(tool_results))
    return _default(tool_results)


def _words(text: str) -> tuple[str, ...]:
    """Split into word-sized pieces that join back to exactly ``text``."""
    return tuple(re.findall(r"\S+\s*|\s+", text))


def _long(params: list[int]) -> Reply:
    count = params[0] if params else 1500
    delay_ms = params[1] if len(params) > 1 else 100
    return Reply(chunks=tuple(f"tick {n} " for n in range(1, count + 1)), chunk_delay=delay_ms / 1000)


def _burn(total: int, calls: int, step: int) -> Reply:
    if step >= calls:
        return Reply(chunks=_words("Done."), total_tokens=total)
    if step < calls - 1:
        look = ToolCall(f"call_burn_{step}", "list_files", {"path": "."})
        return Reply(_words(f"Burning tokens, call {step + 1}."), (look,), total_tokens=total)
    done = ToolCall(f"call_burn_{step}", "complete", {"message": f"Burned {total} tokens"})
    return Reply(_words("Burning tokens as asked."), (done,), total_tokens=total)


def _mcp(tools: list[Any], tool_results: list[dict[str, Any]]) -> Reply:
    if len(tool_results) >= 2:
        return Reply(chunks=_words("The task is complete."))
    if tool_results:
        text = message_text(tool_results[-1])
        done = ToolCall("call_mcp_1", "complete", {"message": f"The MCP tool answered: {text}"})
        return Reply(_words("Got the answer."), (done,))
    for tool in tools:
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(function, dict) or function.get("name") in BUILTIN_TOOLS:
            continue
        name = str(function.get("name"))
        arguments = _required_arguments(function.get("parameters"))
        return Reply(_words(f"Calling {name}."), (ToolCall("call_mcp_0", name, arguments),))
    done = ToolCall("call_mcp_0", "complete", {"message": "No MCP tool was offered"})
    return Reply(_words("There is no MCP tool."), (done,))


def _required_arguments(schema: Any) -> dict[str, Any]:
    """Every required property: strings "test", numbers 1, booleans true, others empty."""
    if not isinstance(schema, dict):
        return {}
    properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    assert isinstance(properties, dict)
    filled: dict[str, Any] = {}
    for name in schema.get("required") or []:
        spec = properties.get(name) if isinstance(properties.get(name), dict) else {}
        kind = spec.get("type") if isinstance(spec, dict) else None
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), None)
        filled[str(name)] = {
            "string": "test",
            "integer": 1,
            "number": 1,
            "boolean": True,
            "array": [],
            "object": {},
        }.get(str(kind), "test")
    return filled


def _ask(tool_results: list[dict[str, Any]]) -> Reply:
    if tool_results:
        return Reply(chunks=_words("Waiting for your answer."))
    question = {"text": "Which colour should the button be?"}
    return Reply(chunks=_words("I need one detail first."), tool_calls=(ToolCall("call_ask_0", "ask", question),))


def _default(tool_results: list[dict[str, Any]]) -> Reply:
    step = len(tool_results)
    if step == 0:
        args: dict[str, Any] = {"file_path": HELLO_FILE, "file_contents": HELLO_TEXT}
        return Reply(_words("I'll create a greeting file first."), (ToolCall("call_default_0", "create_file", args),))
    if step == 1:
        args = {"command": UPPERCASE_COMMAND, "blocking": True, "timeout": 30}
        return Reply(
            _words("Now I'll transform it with a command."), (ToolCall("call_default_1", "execute_command", args),)
        )
    if step == 2:
        args = {"file_path": RESULT_FILE}
        return Reply(_words("Let me read the result."), (ToolCall("call_default_2", "read_file", args),))
    if step == 3:
        seen = _read_content(tool_results[-1])
        args = {"message": f"Created {HELLO_FILE} and {RESULT_FILE}: {seen.strip()}"}
        return Reply(_words("All done."), (ToolCall("call_default_3", "complete", args),))
    return Reply(chunks=_words("The task is complete."))


def _read_content(tool_message: dict[str, Any]) -> str:
    """The file content inside a read_file result, however the agent encoded it."""
    text = message_text(tool_message)
    try:
        data = json.loads(text)
    except ValueError:
        return text
    if isinstance(data, dict):
        output = data.get("output", data)
        if isinstance(output, dict):
            return str(output.get("content", output))
        return str(output)
    return text


TOUR: tuple[tuple[str, dict[str, Any]], ...] = (
    ("write_file", {"file_path": "notes/app.txt", "file_contents": "alpha\nbeta\n"}),
    ("str_replace", {"file_path": "notes/app.txt", "old_str": "beta", "new_str": "gamma"}),
    ("grep_workspace", {"pattern": "gam+a", "file_pattern": "*.{txt,md}"}),
    ("list_files", {"path": "notes"}),
    ("execute_command", {"command": "echo started; sleep 30", "blocking": False, "session_name": "bg"}),
    ("check_command_output", {"session_name": "bg"}),
    ("terminate_command", {"session_name": "bg"}),
    ("delete_file", {"file_path": "notes/app.txt"}),
    ("complete", {"message": "Toured every tool"}),
)


def _tour(step: int) -> Reply:
    if step >= len(TOUR):
        return Reply(chunks=_words("The tour is over."))
    name, args = TOUR[step]
    return Reply(_words(f"Step {step + 1}: {name}."), (ToolCall(f"call_tools_{step}", name, args),))
