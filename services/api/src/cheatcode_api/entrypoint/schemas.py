"""Every HTTP request and response body of the API (reference §5, §7, §9 shapes).

Handlers return rows and contract values; routes turn them into these shapes, so a
response's JSON is written in one place.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from cheatcode_api.domain.rows import MessageRow, ProjectRow, ThreadRow
from cheatcode_api.domain.runs import RunRow
from cheatcode_api.domain.text import contains_nul
from cheatcode_contracts import sandbox as sb

ProjectName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]


def _no_nul(value: Any) -> Any:
    if contains_nul(value):
        raise ValueError("text must not contain the NUL character (U+0000)")
    return value


class ProjectCreateIn(BaseModel):
    name: ProjectName
    description: str | None = Field(default="", max_length=10_000)

    @field_validator("description")
    @classmethod
    def _none_is_empty(cls, value: str | None) -> str:
        return value or ""

    _text_is_storable = field_validator("name", "description")(_no_nul)


class ProjectOut(BaseModel):
    id: str
    name: str
    description: str
    account_id: str
    created_at: datetime
    updated_at: datetime | None
    sandbox: dict[str, Any]
    is_public: bool
    app_type: str
    model_name: str | None

    @classmethod
    def of(cls, row: ProjectRow) -> ProjectOut:
        return cls(
            id=row.project_id,
            name=row.name,
            description=row.description,
            account_id=row.user_id,
            created_at=row.created_at,
            updated_at=row.updated_at,
            sandbox=row.sandbox,
            is_public=row.is_public,
            app_type=row.app_type,
            model_name=row.model_name,
        )


class ThreadCreateIn(BaseModel):
    project_id: str = Field(max_length=100)


class ThreadOut(BaseModel):
    thread_id: str
    account_id: str | None
    project_id: str | None
    is_public: bool
    created_at: datetime
    updated_at: datetime
    metadata: dict[str, Any]

    @classmethod
    def of(cls, row: ThreadRow) -> ThreadOut:
        return cls(
            thread_id=row.thread_id,
            account_id=row.user_id,
            project_id=row.project_id,
            is_public=row.is_public,
            created_at=row.created_at,
            updated_at=row.updated_at,
            metadata=row.metadata,
        )


MAX_MESSAGE_BYTES = 256 * 1024  # the message becomes one event; NATS refuses payloads over 1 MiB


class MessageCreateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content: str | dict[str, Any] | list[Any]
    type: Literal["user"] = "user"  # users post only their own messages; the agent writes the rest
    metadata: dict[str, Any] = Field(default_factory=dict)

    _text_is_storable = field_validator("content", "metadata")(_no_nul)

    @model_validator(mode="after")
    def _fits_in_one_event(self) -> MessageCreateIn:
        size = len(json.dumps([self.content, self.metadata], separators=(",", ":")).encode())
        if size > MAX_MESSAGE_BYTES:
            raise ValueError(f"message is {size} bytes; at most {MAX_MESSAGE_BYTES} are accepted")
        return self


class MessageOut(BaseModel):
    message_id: str
    thread_id: str
    type: str
    is_llm_message: bool
    content: Any
    metadata: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    agent_run_id: str | None

    @classmethod
    def of(cls, row: MessageRow) -> MessageOut:
        return cls(
            message_id=row.message_id,
            thread_id=row.thread_id,
            type=row.type,
            is_llm_message=row.is_llm_message,
            content=row.content,
            metadata=row.metadata,
            created_at=row.created_at,
            updated_at=row.updated_at,
            agent_run_id=row.agent_run_id,
        )


# --- health (reference §4) ---------------------------------------------------------------


def health_ok(instance_id: str, now: datetime) -> dict[str, Any]:
    return {"status": "ok", "timestamp": now.isoformat(), "instance_id": instance_id}


# --- agent runs (reference §7.4 to 7.6) -------------------------------------------------


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


def run_queued(run_id: str) -> dict[str, str]:
    return {"agent_run_id": run_id, "status": "queued"}


def run_stopping(run_id: str) -> dict[str, str]:
    return {"message": "Stop signal sent", "agent_run_id": run_id, "status": "stopping"}


def run_list(rows: list[RunRow]) -> dict[str, Any]:
    return {"agent_runs": [run_list_item(row) for row in rows]}


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


# --- sandboxes (reference §9.2) ---------------------------------------------------------


def sandbox_active(info: sb.SandboxInfo) -> dict[str, Any]:
    return {"status": "success", "sandbox_id": info.sandbox_id, "message": info.message or "Sandbox is active"}


def file_created(path: str) -> dict[str, Any]:
    return {"status": "success", "created": True, "path": path}


def file_deleted(path: str) -> dict[str, Any]:
    return {"status": "success", "deleted": True, "path": path}


def sandbox_deleted(sandbox_id: str) -> dict[str, Any]:
    return {"status": "success", "deleted": True, "sandbox_id": sandbox_id}


def file_listing(listing: sb.FileListing) -> dict[str, Any]:
    return {"files": [entry.model_dump() for entry in listing.files]}


def executed(result: sb.ExecuteResult) -> dict[str, Any]:
    if result.blocking:
        return {"output": result.output, "exit_code": result.exit_code, "success": result.success, "blocking": True}
    return {
        "session_name": result.session_name,
        "command_id": result.command_id,
        "message": f"Command started in session '{result.session_name}'",
        "blocking": False,
    }


def session_status(status: sb.SessionStatus) -> dict[str, Any]:
    commands = [{"command": c.command, "exit_code": c.exit_code, "logs": c.logs} for c in status.commands]
    return {"session_name": status.session_name, "commands": commands, "total_commands": status.total_commands}


def preview(url: str | None, status: str) -> dict[str, Any]:
    return {"preview_url": url, "status": status}


def expo_unavailable(status: str, message: str) -> dict[str, Any]:
    return {"expo_url": None, "status": status, "message": message}


def expo_available(expo_url: str, preview_url: str) -> dict[str, Any]:
    return {"expo_url": expo_url, "preview_url": preview_url, "status": "available", "method": "preview_proxy"}
