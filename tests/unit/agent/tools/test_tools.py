"""Tool definitions: schemas the model sees, grep command building, argument checks."""

from __future__ import annotations

import pytest

from cheatcode_agent.tools import default_toolbox
from cheatcode_agent.tools.base import ToolFailure
from cheatcode_agent.tools.shell import GrepArgs, _expand_braces, grep_command

EXPECTED = {
    "execute_command",
    "check_command_output",
    "terminate_command",
    "grep_workspace",
    "create_file",
    "write_file",
    "read_file",
    "str_replace",
    "delete_file",
    "list_files",
    "complete",
    "ask",
}


def test_every_required_tool_is_offered_with_a_json_schema() -> None:
    toolbox = default_toolbox()
    specs = {spec.name: spec for spec in toolbox.specs}
    assert set(specs) == EXPECTED
    assert specs["str_replace"].parameters["required"] == ["file_path", "old_str", "new_str"]
    assert specs["execute_command"].as_openai()["function"]["parameters"]["properties"]["blocking"]["default"] is True
    assert toolbox.terminates("complete") and toolbox.terminates("ask") and not toolbox.terminates("read_file")


def test_grep_builds_a_quoted_command_with_expanded_globs() -> None:
    command = grep_command(GrepArgs(pattern="use[A-Z]+ x", file_pattern="*.{ts,tsx}", case_sensitive=False))
    assert "'--include=*.ts' '--include=*.tsx'" in command and " -i " in command
    assert "'use[A-Z]+ x'" in command and command.endswith("| head -n 200")
    assert _expand_braces("src/*.{a,b}.{c,d}") == ["src/*.a.c", "src/*.a.d", "src/*.b.c", "src/*.b.d"]


@pytest.mark.parametrize("pattern", ["a;rm -rf /", "$(id)", "a|b", "`x`", "a&b"])
def test_grep_refuses_shell_metacharacters(pattern: str) -> None:
    with pytest.raises(ToolFailure):
        grep_command(GrepArgs(pattern=pattern))
