"""The streaming connection's header parser must give what nats-py's own parser gives."""

from __future__ import annotations

import pytest
from nats.aio.client import Client

from cheatcode_api.streaming.connection import StreamingNatsClient

SAMPLES = [
    b"Nats-Msg-Id: r1:1\r\nCc-Frame-Type: content\r\n\r\n",
    b"Nats-Stream: RUN_OUTPUT\r\nNats-Subject: cc.run.x\r\nNats-Sequence: 17\r\n"
    b"Nats-Time-Stamp: 2026-11-28T12:00:00.1Z\r\nNats-Num-Pending: 3\r\nCc-Frame-Status: completed\r\n\r\n",
    b"Name:NoSpace\r\nTabbed:\tvalue\r\nDup: a\r\nDup: b\r\n\r\n",
    b"Bad Name: dropped\r\nno colon line\r\nUtf: caf\xc3\xa9\r\n\r\n",
]


@pytest.mark.parametrize("raw", SAMPLES)
def test_lean_parser_matches_nats_py(raw: bytes) -> None:
    assert StreamingNatsClient._parse_header_lines(raw) == Client._parse_header_lines(raw)


def test_raw_subscriptions_replace_the_message_path_of_the_pinned_nats_py() -> None:
    """``_process_msg(sid, subject, reply, data, headers)`` is the hook the raw path overrides."""
    import inspect

    params = list(inspect.signature(Client._process_msg).parameters)
    assert params == ["self", "sid", "subject", "reply", "data", "headers"]
