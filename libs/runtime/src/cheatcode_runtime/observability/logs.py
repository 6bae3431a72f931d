"""JSON log lines: one object per line with the trace id, run id and user of the work at hand."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from cheatcode_runtime.observability import context
from cheatcode_runtime.observability.tracing import current_trace_id

_STANDARD = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self._service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in (
            ("trace_id", current_trace_id()),
            ("run_id", context.run_id.get()),
            ("user_id", context.user_id.get()),
        ):
            if value is not None:
                line[key] = value
        for key, value in vars(record).items():  # ``extra=`` fields
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value if isinstance(value, str | int | float | bool) or value is None else repr(value)
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_json_logging(service: str, level: int = logging.INFO) -> None:
    """Replace the root handlers with one that writes JSON lines to stderr."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
