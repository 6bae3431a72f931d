"""Queries over the ``event_log`` read model (indexed by user, aggregate, type and time)."""

from __future__ import annotations

import json
from typing import Any

import asyncpg

from cheatcode_api.adapters.postgres.unavailable import database_errors_as_unavailable
from cheatcode_api.ports.audit import MAX_PAGE, AuditedEvent, AuditLog, EventQuery


class PostgresAuditLog(AuditLog):
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def events(self, query: EventQuery) -> list[AuditedEvent]:
        where = ["position > $1"]
        args: list[Any] = [query.after]
        for column, value in (
            ("kind", query.kind),
            ("aggregate_id", query.aggregate_id),
            ("type", query.type),
            ("user_id", query.user_id),
        ):
            if value is not None:
                args.append(value)
                where.append(f"{column} = ${len(args)}")
        if query.since is not None:
            args.append(query.since)
            where.append(f"occurred_at >= ${len(args)}")
        if query.until is not None:
            args.append(query.until)
            where.append(f"occurred_at < ${len(args)}")
        args.append(max(1, min(query.limit, MAX_PAGE)))
        sql = f"SELECT * FROM event_log WHERE {' AND '.join(where)} ORDER BY position LIMIT ${len(args)}"
        with database_errors_as_unavailable():
            rows = await self._pool.fetch(sql, *args)
        return [_event(row) for row in rows]


def _event(row: asyncpg.Record) -> AuditedEvent:
    body: str = row["body"]  # the payload's JSON text
    return AuditedEvent(
        position=row["position"],
        subject=row["subject"],
        type=row["type"],
        version=row["version"],
        occurred_at=row["occurred_at"],
        actor=row["actor"],
        correlation_id=row["correlation_id"],
        user_id=row["user_id"],
        body=json.loads(body),
    )
