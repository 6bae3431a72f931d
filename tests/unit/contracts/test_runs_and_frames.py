"""The run contracts: registry round trips, subjects, and the exact bytes of output frames."""

from __future__ import annotations

import json

from cheatcode_contracts import build_registry, subject_for
from cheatcode_contracts.envelope import MSG_ID_HEADER, contract_headers, decode_event, encode
from cheatcode_contracts.frames import (
    FRAME_STATUS_HEADER,
    FRAME_TYPE_HEADER,
    content_frame,
    decode_frame,
    encode_frame,
    is_terminal_frame,
    is_terminal_headers,
    run_output_subject,
    status_frame,
    tool_call_frame,
    tool_result_frame,
)
from cheatcode_contracts.runs import (
    TERMINAL_STATUSES,
    RunRequested,
    RunStopRequested,
    StartRun,
    StopRun,
    UsageRecorded,
    run_subject,
    status_after,
    usage_subject,
)


def test_run_events_round_trip_and_live_on_the_run_subject() -> None:
    event = RunRequested(
        run_id="r1", thread_id="t1", project_id="p1", user_id="u1", model_name="mock-model", app_type="mobile"
    )
    decoded = decode_event(build_registry(), contract_headers(event), encode(event))
    assert decoded == event
    assert run_subject(decoded.aggregate_id) == "cc.evt.run.r1"
    assert status_after(decoded) == "running"
    assert status_after(RunStopRequested(run_id="r1")) == "stopping"


def test_usage_has_its_own_subject_so_billing_filters_only_usage() -> None:
    usage = UsageRecorded(
        run_id="r1",
        user_id="u",
        thread_id="t",
        project_id="p",
        model="m",
        prompt_tokens=3,
        completion_tokens=4,
        call_index=0,
    )
    assert usage_subject(usage.aggregate_id) == "cc.evt.llm_usage.r1"
    assert status_after(usage) is None


def test_run_commands_are_answered_by_the_agent() -> None:
    assert subject_for(StartRun) == "cc.cmd.agent.run.start"
    assert subject_for(StopRun(run_id="r", user_id="u")) == "cc.cmd.agent.run.stop"
    assert StartRun(thread_id="t", user_id="u").run_id != StartRun(thread_id="t", user_id="u").run_id


def test_frame_bytes_are_python_json_dumps_with_headers() -> None:
    frame = tool_call_frame(3, "create_file", {"file_path": "a.txt"}, "call_1", message_id="m1")
    body, headers = encode_frame("r1", frame)
    assert body == json.dumps(frame).encode()
    assert body.startswith(b'{"type": "tool_call", "sequence": 3, "message_id": "m1", "tool": "create_file"')
    assert headers == {MSG_ID_HEADER: "r1:3", FRAME_TYPE_HEADER: "tool_call"}
    assert decode_frame(body) == frame
    assert run_output_subject("r1") == "cc.run.r1"


def test_only_completed_failed_stopped_status_frames_are_terminal() -> None:
    assert {"completed", "failed", "stopped"} == TERMINAL_STATUSES
    running_body, running_headers = encode_frame("r", status_frame(1, "running"))
    done_body, done_headers = encode_frame("r", status_frame(9, "stopped", "Stopped by user"))
    assert not is_terminal_frame(decode_frame(running_body)) and not is_terminal_headers(running_headers)
    assert is_terminal_frame(decode_frame(done_body)) and is_terminal_headers(done_headers)
    assert done_headers[FRAME_STATUS_HEADER] == "stopped"
    assert not is_terminal_frame(content_frame(2, "hi"))
    assert not is_terminal_frame(tool_result_frame(4, "read_file", {"content": "x"}, True, "c"))
    assert not is_terminal_headers(None)
