"""Trace context through headers, and JSON log lines."""

from __future__ import annotations

import io
import json
import logging

from cheatcode_runtime.observability import context
from cheatcode_runtime.observability.logs import JsonFormatter
from cheatcode_runtime.observability.tracing import configure_tracing, continued, current_trace_id, inject

INCOMING = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def test_a_span_continues_the_incoming_trace_and_injects_it_onward() -> None:
    configure_tracing("test")
    with continued("request", {"traceparent": INCOMING}):
        assert current_trace_id() == "0af7651916cd43dd8448eb211c80319c"
        onward = inject({})
    assert onward["traceparent"].split("-")[1] == "0af7651916cd43dd8448eb211c80319c"
    assert onward["traceparent"] != INCOMING  # a new span id: this process's own span


def test_without_incoming_headers_a_new_trace_starts() -> None:
    configure_tracing("test")
    with continued("job"):
        trace_id = current_trace_id()
    assert trace_id is not None and len(trace_id) == 32 and trace_id != "0" * 32


def test_json_log_lines_carry_trace_run_and_user() -> None:
    configure_tracing("test")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("agent"))
    logger = logging.getLogger("test.json")
    logger.addHandler(handler)
    logger.propagate = False
    with continued("work", {"traceparent": INCOMING}), context.bound(user="alice", run="r1"):
        logger.warning("tool %s failed", "shell", extra={"attempt": 2})
    line = json.loads(stream.getvalue())
    assert line["msg"] == "tool shell failed"
    assert (line["service"], line["level"], line["attempt"]) == ("agent", "warning", 2)
    assert (line["trace_id"], line["run_id"], line["user_id"]) == ("0af7651916cd43dd8448eb211c80319c", "r1", "alice")


def test_with_no_exporter_spans_keep_their_ids_but_record_nothing() -> None:
    configure_tracing("test")  # the tests set no OTEL_EXPORTER_* variable
    with continued("request", {"traceparent": INCOMING}) as span:
        assert not span.is_recording()
        onward = inject({})
    _, trace_id, span_id, flags = onward["traceparent"].split("-")
    assert trace_id == "0af7651916cd43dd8448eb211c80319c" and span_id != "b7ad6b7169203331"
    assert flags == "00"  # not sampled: nothing of this span was recorded anywhere
