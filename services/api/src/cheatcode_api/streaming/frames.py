"""SSE wire format of agent-run frames, and what the API reads from a JetStream delivery.

A frame's body is the exact JSON the agent published; it is never re-encoded here. Each
frame is turned into SSE bytes once and the same ``bytes`` object is written to every
client of the run, so fan-out allocates nothing per client.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Final

from cheatcode_contracts.frames import FRAME_STATUS_HEADER, FRAME_TYPE_HEADER
from cheatcode_contracts.runs import TERMINAL_STATUSES

# A heartbeat without ``id:`` leaves the browser's Last-Event-ID untouched; sent as a data
# event (not an SSE comment) because clients count ``onmessage`` silence to detect stale streams.
PING: Final = b'event: message\ndata: {"type": "ping"}\n\n'

_PREFIX: Final = b"id: %d\nevent: message\ndata: "


def encode_frame(stream_seq: int, body: bytes) -> bytes:
    """``id: <seq>\\nevent: message\\ndata: <body>\\n\\n`` — one allocation per frame."""
    return b"".join((_PREFIX % stream_seq, body, b"\n\n"))


def encode_event(body: bytes) -> bytes:
    """A data event without an id (synthesised status, never stored in JetStream)."""
    return b"event: message\ndata: " + body + b"\n\n"


def stream_sequence(reply: str) -> tuple[int, int]:
    """(stream sequence, pending count) from a JetStream delivery's reply subject.

    v1: ``$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>``;
    v2 adds ``<domain>.<account hash>`` after ``$JS.ACK`` and a random token at the end.
    """
    tokens = reply.split(".")
    if len(tokens) == 9:
        return int(tokens[5]), int(tokens[8])
    if len(tokens) >= 11:
        return int(tokens[7]), int(tokens[10])
    raise ValueError(f"not a JetStream delivery subject: {reply!r}")


def is_terminal(headers: Mapping[str, str] | None, body: bytes) -> bool:
    """Whether this frame is the run's terminal status frame (completed/failed/stopped).

    Publishers set ``Cc-Frame-Type`` (and ``Cc-Frame-Status`` on status frames), so the
    body of a content delta is never parsed; a frame without headers is parsed as a fallback.
    """
    if headers and FRAME_TYPE_HEADER in headers:
        return headers.get(FRAME_STATUS_HEADER) in TERMINAL_STATUSES
    if b'"status"' not in body:
        return False
    try:
        decoded = json.loads(body)
    except ValueError:
        return False
    return isinstance(decoded, dict) and decoded.get("type") == "status" and decoded.get("status") in TERMINAL_STATUSES


_STATUS_FIELD = FRAME_STATUS_HEADER.encode() + b":"
_TYPE_FIELD = FRAME_TYPE_HEADER.encode() + b":"


def is_terminal_raw(headers: bytes | None, body: bytes) -> bool:
    """:func:`is_terminal` on an unparsed NATS header block (raw subscriptions)."""
    if headers and _TYPE_FIELD in headers:
        start = headers.find(_STATUS_FIELD)
        if start < 0:
            return False
        end = headers.find(b"\r\n", start)
        value = headers[start + len(_STATUS_FIELD) : end if end >= 0 else len(headers)].strip()
        return value.decode("ascii", "replace") in TERMINAL_STATUSES
    return is_terminal(None, body)


def parse_last_event_id(header: str | None, query: str | None) -> int:
    """The sequence a client already has: header wins over the query parameter; junk means 0."""
    for raw in (header, query):
        if raw is None:
            continue
        text = raw.strip()
        if text.isdigit():
            return int(text)
    return 0
