"""Queries over ``agent_runs``."""

from __future__ import annotations

import asyncpg

from cheatcode_api.adapters.postgres.unavailable import database_errors_as_unavailable
from cheatcode_api.domain.runs import RunRow
from cheatcode_api.ports.agent_runs import RunReads

RUN_COLUMNS = (
    "run_id, thread_id, project_id, user_id, status, model_name, worker_id, started_at, completed_at, error,"
    " metadata, created_at, updated_at"
)


class PostgresRunReads(RunReads):
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def get_run(self, user_id: str, run_id: str) -> RunRow | None:
        with database_errors_as_unavailable():
            record = await self._pool.fetchrow(
                f"SELECT {RUN_COLUMNS} FROM agent_runs WHERE run_id = $1 AND user_id = $2", run_id, user_id
            )
        return None if record is None else RunRow(**dict(record))

    async def list_thread_runs(self, user_id: str, thread_id: str) -> list[RunRow]:
        with database_errors_as_unavailable():
            records = await self._pool.fetch(
                f"SELECT {RUN_COLUMNS} FROM agent_runs WHERE thread_id = $1 AND user_id = $2"
                " ORDER BY created_at DESC, run_id LIMIT 1000",
                thread_id,
                user_id,
            )
        return [RunRow(**dict(record)) for record in records]
