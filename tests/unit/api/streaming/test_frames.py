from __future__ import annotations

import json

import pytest

from cheatcode_api.streaming.frames import (
    PING,
    encode_event,
    encode_frame,
    is_terminal,
    is_terminal_raw,
    parse_last_event_id,
    stream_sequence,
)
from cheatcode_contracts.frames import content_frame, encode_frame as encode_contract_frame, status_frame


def test_encode_frame_is_one_sse_event_with_id_and_the_body_untouched() -> None:
    body = b'{"type": "content", "sequence": 1, "message_id": null, "content": "hi\\n"}'
    assert encode_frame(42, body) == b"id: 42\nevent: message\ndata: " + body + b"\n\n"


def test_ping_and_synthesised_events_carry_no_id() -> None:
    assert b"id:" not in PING
    assert json.loads(PING.split(b"data: ")[1]) == {"type": "ping"}
    assert encode_event(b"{}") == b"event: message\ndata: {}\n\n"


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("$JS.ACK.RUN_OUTPUT.cons.1.57.3.1700000000000000000.12", (57, 12)),
        ("$JS.ACK.dom.acchash.RUN_OUTPUT.cons.1.99.3.1700000000000000000.0.rand", (99, 0)),
    ],
)
def test_stream_sequence_reads_v1_and_v2_ack_subjects(reply: str, expected: tuple[int, int]) -> None:
    assert stream_sequence(reply) == expected


def test_stream_sequence_rejects_other_subjects() -> None:
    with pytest.raises(ValueError):
        stream_sequence("_INBOX.abc")


@pytest.mark.parametrize("status", ["completed", "failed", "stopped"])
def test_terminal_status_frames_are_recognised_from_headers(status: str) -> None:
    body, headers = encode_contract_frame("r1", status_frame(5, status, "done"))
    assert is_terminal(headers, body)


def test_running_status_and_content_are_not_terminal() -> None:
    body, headers = encode_contract_frame("r1", status_frame(1, "running"))
    assert not is_terminal(headers, body)
    body, headers = encode_contract_frame("r1", content_frame(2, '"status": "completed"'))
    assert not is_terminal(headers, body)


def test_frames_without_headers_fall_back_to_the_body() -> None:
    assert is_terminal(None, b'{"type": "status", "status": "completed", "message": "x"}')
    assert not is_terminal(None, b'{"type": "status", "status": "running"}')
    assert not is_terminal(None, b'{"type": "content", "content": "\\"status\\""}')
    assert not is_terminal(None, b'not json, mentions "status"')


@pytest.mark.parametrize(
    ("header", "query", "expected"),
    [
        (None, None, 0),
        ("17", None, 17),
        (None, "9", 9),
        ("17", "9", 17),
        (" 5 ", None, 5),
        ("abc", "3", 3),
        ("-1", None, 0),
    ],
)
def test_last_event_id_header_wins_and_junk_means_from_start(
    header: str | None, query: str | None, expected: int
) -> None:
    assert parse_last_event_id(header, query) == expected


def raw_headers(headers: dict[str, str]) -> bytes:
    return b"NATS/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode() + b"\r\n"


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (status_frame(9, "completed", "ok"), True),
        (status_frame(9, "stopped"), True),
        (status_frame(9, "running"), False),
        (content_frame(3, "Cc-Frame-Status: completed"), False),
    ],
)
def test_raw_header_blocks_give_the_same_answer(frame: dict[str, object], expected: bool) -> None:
    body, headers = encode_contract_frame("r1", frame)
    assert is_terminal_raw(raw_headers(headers), body) is expected is is_terminal(headers, body)
    assert is_terminal_raw(None, body) is expected
