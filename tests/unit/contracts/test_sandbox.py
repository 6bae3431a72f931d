from __future__ import annotations

import pytest
from pydantic import ValidationError

from cheatcode_contracts import CommandReply, ErrorCode, build_registry, sandbox as sb, subject_for
from cheatcode_contracts.envelope import contract_headers, decode, encode


def test_a_project_always_maps_to_the_same_sandbox() -> None:
    assert sb.sandbox_id_for("p1") == sb.sandbox_id_for("p1")
    assert sb.sandbox_id_for("p1") != sb.sandbox_id_for("p2")


def test_shared_and_host_subjects_do_not_overlap() -> None:
    shared = subject_for(sb.ExecuteCommand)
    assert shared == "cc.cmd.sandbox.sandbox.execute"
    assert shared.startswith(sb.shared_commands_filter().removesuffix(">"))
    host = sb.host_subject("box.local-12", sb.ExecuteCommand.type_name)
    assert host == "cc.cmd.sandbox.host.box_local-12.sandbox.execute"
    assert not host.startswith(sb.shared_commands_filter().removesuffix(">"))
    assert host.startswith(sb.host_commands_filter("box.local-12").removesuffix(">"))


def test_every_command_has_a_reply_model_and_round_trips() -> None:
    registry = build_registry()
    command = sb.WriteFile(sandbox_id="s", path="a.txt", content_b64=sb.b64encode(b"\x00\xff"))
    back = decode(registry, contract_headers(command), encode(command))
    assert back == command
    assert set(sb.COMMANDS) == set(sb.REPLIES)
    for event in sb.EVENTS:
        assert event.type_name in registry


def test_typed_replies_parse_from_command_replies() -> None:
    tree = sb.FileTreeResult(tree=[], totalFiles=0, basePath="/workspace/cheatcode-app")
    reply = CommandReply.success(0, **sb.reply_result(tree))
    assert reply.result["totalFiles"] == 0
    assert sb.parse_reply(sb.FileTree, reply) == tree
    with pytest.raises(ValueError):
        sb.parse_reply(sb.FileTree, CommandReply.failure(ErrorCode.NOT_FOUND, "x"))


def test_chunks_above_the_cap_are_refused() -> None:
    too_big = sb.b64encode(b"x" * (sb.MAX_CHUNK_BYTES + 3))
    with pytest.raises(ValidationError):
        sb.WriteFile(sandbox_id="s", path="a", content_b64=too_big)
    sb.WriteFile(sandbox_id="s", path="a", content_b64=sb.b64encode(b"x" * sb.MAX_CHUNK_BYTES))


def test_session_names_cannot_smuggle_paths() -> None:
    with pytest.raises(ValidationError):
        sb.ExecuteCommand(sandbox_id="s", command="ls", session_name="../x")


@pytest.mark.parametrize(
    "fields",
    [{"command": "echo a\x00b"}, {"command": "pwd", "cwd": "/workspace\x00"}],
)
def test_a_nul_byte_in_a_command_or_its_cwd_is_refused(fields: dict[str, str]) -> None:
    with pytest.raises(ValidationError, match="NUL byte"):
        sb.ExecuteCommand(sandbox_id="s", **fields)


def test_a_move_names_both_paths_and_refuses_nul_bytes() -> None:
    move = sb.MoveFile(sandbox_id="s", source=".a.uploading", destination="a")
    assert subject_for(move) == "cc.cmd.sandbox.sandbox.move_file"
    assert sb.REPLIES[sb.MoveFile] is sb.FileWritten
    with pytest.raises(ValidationError, match="NUL byte"):
        sb.MoveFile(sandbox_id="s", source="a\x00", destination="b")


def test_only_a_blocking_execute_asks_for_heartbeats() -> None:
    assert sb.ExecuteCommand(sandbox_id="s", command="sleep 60").heartbeat_seconds() == sb.HEARTBEAT_SECONDS
    assert sb.ExecuteCommand(sandbox_id="s", command="x", blocking=False).heartbeat_seconds() is None
    assert sb.ReadFile(sandbox_id="s", path="a").heartbeat_seconds() is None
