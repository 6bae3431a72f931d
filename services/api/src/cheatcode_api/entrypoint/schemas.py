"""HTTP request and response bodies (reference §5 shapes)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from cheatcode_api.domain.rows import MessageRow, ProjectRow, ThreadRow
from cheatcode_api.domain.text import contains_nul

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
