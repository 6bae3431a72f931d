"""The agent-run read model row and its HTTP shapes (reference §7.4 to 7.6)."""

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


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def run_details(row: RunRow) -> dict[str, Any]:
    """``GET /agent-run/{id}``: camelCase, as the original frontend reads it."""
    return {
        "id": row.run_id,
        "threadId": row.thread_id,
        "status": row.status,
        "startedAt": _iso(row.started_at),
        "completedAt": _iso(row.completed_at),
        "error": row.error,
    }


def run_status(row: RunRow) -> dict[str, Any]:
    """``GET /agent-run/{id}/status``: the read model is the one source (no separate task status)."""
    data: dict[str, Any] = {"error": row.error} if row.status == "failed" and row.error else {}
    return {
        "agent_run_id": row.run_id,
        "status": row.status,
        "timestamp": _iso(row.completed_at or row.updated_at),
        "data": data,
        "db_status": row.status,
    }


def run_list_item(row: RunRow) -> dict[str, Any]:
    """One element of ``GET /thread/{id}/agent-runs``."""
    return {
        "run_id": row.run_id,
        "thread_id": row.thread_id,
        "status": row.status,
        "started_at": _iso(row.started_at),
        "completed_at": _iso(row.completed_at),
        "error": row.error,
        "created_at": _iso(row.created_at),
        "updated_at": _iso(row.updated_at),
    }
