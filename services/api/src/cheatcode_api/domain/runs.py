"""The agent-run read model row (its HTTP shapes are in ``entrypoint/schemas.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

ACTIVE_STATUSES = frozenset({"queued", "running"})  # a stop is accepted only in these


@dataclass(frozen=True)
class RunRow:
    run_id: str
    thread_id: str
    project_id: str
    user_id: str
    status: str
    model_name: str | None
    worker_id: str | None
    started_at: datetime | None
    completed_at: datetime | None
    error: str | None
    metadata: dict[str, Any]
    created_at: datetime
    updated_at: datetime
