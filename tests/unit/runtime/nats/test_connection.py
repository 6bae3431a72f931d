"""Every service's connection parses headers leaner than nats-py, and must give what nats-py gives."""

from __future__ import annotations

import pytest
from nats.aio.client import Client

from cheatcode_runtime.nats import LeanHeaderClient, connection

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


@pytest.mark.parametrize("raw", SAMPLES)
def test_a_remembered_line_parses_as_it_did_the_first_time(raw: bytes) -> None:
    LeanHeaderClient._parsed_lines.clear()
    first = LeanHeaderClient._parse_header_lines(raw)
    assert LeanHeaderClient._parsed_lines  # the short lines were kept
    assert LeanHeaderClient._parse_header_lines(raw) == first == Client._parse_header_lines(raw)


def test_lines_with_ids_are_not_kept_and_the_short_ones_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    LeanHeaderClient._parsed_lines.clear()
    long_line = b"Nats-Msg-Id: 0f0e0d0c-0b0a-4908-8706-050403020100"
    assert LeanHeaderClient._parse_header_lines(long_line + b"\r\n") == {"Nats-Msg-Id": long_line[13:].decode()}
    assert long_line not in LeanHeaderClient._parsed_lines
    monkeypatch.setattr(connection, "REMEMBERED_LINES", 3)
    for n in range(10):
        assert LeanHeaderClient._parse_header_lines(f"K{n}: v{n}\r\n".encode()) == {f"K{n}": f"v{n}"}
        assert len(LeanHeaderClient._parsed_lines) <= 3


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (
            b"NATS/1.0\r\nCc-Type: project.created\r\nCc-Version: 1\r\n\r\n",
            {"Cc-Type": "project.created", "Cc-Version": "1"},
        ),
        (b"NATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: 5\r\n\r\n", {"Nats-Pending-Messages": "5"}),
        (b"NATS/1.0\r\n\r\n", None),
        (b"", None),
        (None, None),
    ],
)
def test_a_raw_deliverys_header_block_parses_as_its_lines(block: bytes | None, expected: dict[str, str] | None) -> None:
    assert LeanHeaderClient.parse_header_block(block) == expected
