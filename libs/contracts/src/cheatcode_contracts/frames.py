"""Agent-run output frames: what a run streams to its followers.

Frames are not events: they are JetStream messages on ``cc.run.<run_id>`` (stream
RUN_OUTPUT) whose body is the exact JSON text an SSE client receives as ``data:``. Each
carries a per-run ``sequence`` (1, 2, 3...) and the ``Nats-Msg-Id`` ``<run_id>:<sequence>``,
so publishing the same frame again is dropped as a duplicate by JetStream.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from cheatcode_contracts.envelope import MSG_ID_HEADER
from cheatcode_contracts.runs import TERMINAL_STATUSES
from cheatcode_contracts.subjects import run_output_subject

FrameType = Literal["content", "tool_call", "tool_result", "status"]
FRAME_TYPE_HEADER = "Cc-Frame-Type"
FRAME_STATUS_HEADER = "Cc-Frame-Status"  # only on status frames: lets readers skip parsing


def frame_msg_id(run_id: str, sequence: int) -> str:
    return f"{run_id}:{sequence}"


def content_frame(sequence: int, content: str, message_id: str | None = None) -> dict[str, Any]:
    return {"type": "content", "sequence": sequence, "message_id": message_id, "content": content}


def tool_call_frame(
    sequence: int, tool: str, arguments: dict[str, Any], tool_call_id: str, message_id: str | None = None
) -> dict[str, Any]:
    return {
        "type": "tool_call",
        "sequence": sequence,
        "message_id": message_id,
        "tool": tool,
        "arguments": arguments,
        "tool_call_id": tool_call_id,
    }


def tool_result_frame(
    sequence: int, tool: str, result: Any, success: bool, tool_call_id: str, message_id: str | None = None
) -> dict[str, Any]:
    return {
        "type": "tool_result",
        "sequence": sequence,
        "message_id": message_id,
        "tool": tool,
        "result": result,
        "success": success,
        "tool_call_id": tool_call_id,
    }


def status_frame(sequence: int, status: str, message: str = "", message_id: str | None = None) -> dict[str, Any]:
    return {"type": "status", "sequence": sequence, "message_id": message_id, "status": status, "message": message}


def encode_frame(run_id: str, frame: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """The body (Python ``json.dumps`` default spacing, encoded once) and the publish headers."""
    headers = {MSG_ID_HEADER: frame_msg_id(run_id, int(frame["sequence"])), FRAME_TYPE_HEADER: str(frame["type"])}
    if frame["type"] == "status":
        headers[FRAME_STATUS_HEADER] = str(frame["status"])
    return json.dumps(frame).encode(), headers


def decode_frame(data: bytes) -> dict[str, Any]:
    frame = json.loads(data)
    if not isinstance(frame, dict) or "type" not in frame or "sequence" not in frame:
        raise ValueError("not an output frame")
    return frame


def is_terminal_frame(frame: dict[str, Any]) -> bool:
    return frame.get("type") == "status" and frame.get("status") in TERMINAL_STATUSES


def is_terminal_headers(headers: dict[str, str] | None) -> bool:
    """Terminal-frame test on headers alone (no JSON parsing on the hot path)."""
    return headers is not None and headers.get(FRAME_STATUS_HEADER) in TERMINAL_STATUSES


__all__ = [
    "FRAME_STATUS_HEADER",
    "FRAME_TYPE_HEADER",
    "TERMINAL_STATUSES",
    "FrameType",
    "content_frame",
    "decode_frame",
    "encode_frame",
    "frame_msg_id",
    "is_terminal_frame",
    "is_terminal_headers",
    "run_output_subject",
    "status_frame",
    "tool_call_frame",
    "tool_result_frame",
]
