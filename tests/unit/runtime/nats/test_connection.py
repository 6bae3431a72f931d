"""Every service's connection parses headers leaner than nats-py, and must give what nats-py gives."""

from __future__ import annotations

import pytest
from nats.aio.client import Client

from cheatcode_runtime.nats import LeanHeaderClient

SAMPLES = [
    b"Nats-Msg-Id: r1:1\r\nCc-Frame-Type: content\r\n\r\n",
    b"Nats-Stream: RUN_OUTPUT\r\nNats-Subject: cc.run.x\r\nNats-Sequence: 17\r\n"
    b"Nats-Time-Stamp: 2026-11-28T12:00:00.1Z\r\nNats-Num-Pending: 3\r\nCc-Frame-Status: completed\r\n\r\n",
    b"Name:NoSpace\r\nTabbed:\tvalue\r\nDup: a\r\nDup: b\r\n\r\n",
    b"Bad Name: dropped\r\nno colon line\r\nUtf: caf\xc3\xa9\r\n\r\n",
    b"Cc-Type: thread.message_added\r\nCc-Version: 1\r\n: no name\r\n \r\nBad\tName: x\r\nNon-Ascii\xc3\xa9: y\r\n",
    b"Sep\x1cName: dropped\r\nVertical\x0bTab: dropped\r\nEmpty-Value:\r\n\r\n",
]


@pytest.mark.parametrize("raw", SAMPLES)
def test_lean_parser_matches_nats_py(raw: bytes) -> None:
    assert LeanHeaderClient._parse_header_lines(raw) == Client._parse_header_lines(raw)


def test_the_pinned_nats_py_still_parses_headers_through_the_overridden_hook() -> None:
    """``_process_headers`` calls ``_parse_header_lines``: the override is on the message path."""
    import inspect

    assert "_parse_header_lines" in inspect.getsource(Client._process_headers)
