"""Queries over the projected rows."""

from __future__ import annotations

from typing import Any, TypeVar

import asyncpg

from cheatcode_api.adapters.postgres.unavailable import database_errors_as_unavailable
from cheatcode_api.domain.rows import MessageRow, ProjectRow, ThreadRow
from cheatcode_api.ports.read_models import ReadModels

Row = TypeVar("Row", ProjectRow, ThreadRow, MessageRow)

PROJECT_COLUMNS = (
    "project_id, user_id, name, description, app_type, model_name, is_public, sandbox, created_at, updated_at"
)
THREAD_COLUMNS = "thread_id, project_id, user_id, is_public, metadata, created_at, updated_at"
MESSAGE_COLUMNS = (
    "message_id, thread_id, position, type, is_llm_message, content, metadata, agent_run_id, created_at, updated_at"
)


def _rows(model: type[Row], records: list[asyncpg.Record]) -> list[Row]:
    return [model(**dict(record)) for record in records]


def _row(model: type[Row], record: asyncpg.Record | None) -> Row | None:
    return None if record is None else model(**dict(record))


class PostgresReadModels(ReadModels):
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def list_projects(self, user_id: str, *, limit: int, offset: int) -> list[ProjectRow]:
        records = await self._fetch(
            f"SELECT {PROJECT_COLUMNS} FROM projects WHERE user_id = $1"
            " ORDER BY created_at DESC, project_id LIMIT $2 OFFSET $3",
            user_id,
            limit,
            offset,
        )
        return _rows(ProjectRow, records)

    async def get_project(self, user_id: str, project_id: str) -> ProjectRow | None:
        record = await self._fetchrow(
            f"SELECT {PROJECT_COLUMNS} FROM projects WHERE project_id = $1 AND (user_id = $2 OR is_public)",
            project_id,
            user_id,
        )
        return _row(ProjectRow, record)

    async def list_threads(self, user_id: str, *, project_id: str | None, limit: int, offset: int) -> list[ThreadRow]:
        records = await self._fetch(
            f"SELECT {THREAD_COLUMNS} FROM threads WHERE user_id = $1 AND ($2::text IS NULL OR project_id = $2)"
            " ORDER BY updated_at DESC, thread_id LIMIT $3 OFFSET $4",
            user_id,
            project_id,
            limit,
            offset,
        )
        return _rows(ThreadRow, records)

    async def get_thread(self, user_id: str, thread_id: str) -> ThreadRow | None:
        record = await self._fetchrow(
            f"SELECT {THREAD_COLUMNS} FROM threads WHERE thread_id = $1 AND (user_id = $2 OR is_public)",
            thread_id,
            user_id,
        )
        return _row(ThreadRow, record)

    async def list_messages(self, thread_id: str, *, limit: int, offset: int) -> list[MessageRow]:
        records = await self._fetch(
            f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE thread_id = $1 ORDER BY position LIMIT $2 OFFSET $3",
            thread_id,
            limit,
            offset,
        )
        return _rows(MessageRow, records)

    async def get_message(self, message_id: str) -> MessageRow | None:
        record = await self._fetchrow(f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE message_id = $1", message_id)
        return _row(MessageRow, record)

    async def _fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        with database_errors_as_unavailable():
            return list(await self._pool.fetch(query, *args))

    async def _fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        with database_errors_as_unavailable():
            return await self._pool.fetchrow(query, *args)
