"""Poison events: what a projection cannot apply is recorded and skipped, not retried forever.

Only errors that the same event would raise again on every retry count: PostgreSQL data
and integrity errors (SQLSTATE classes 22 and 23) and payloads that do not decode. Anything
else (a lost connection, a deadlock) propagates, and the runner retries from its checkpoint.
Skipping is loud: each failure is logged, stored in ``projection_failures`` and reported by
``/api/health/deep`` as a warning.
"""

from __future__ import annotations

import logging

import asyncpg
from pydantic import ValidationError

from cheatcode_contracts import UnknownContractError
from cheatcode_contracts.envelope import MalformedMessageError

log = logging.getLogger(__name__)

DATA_ERRORS: tuple[type[Exception], ...] = (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError)
DECODE_ERRORS: tuple[type[Exception], ...] = (ValidationError, MalformedMessageError, UnknownContractError)
POISON_ERRORS = DATA_ERRORS + DECODE_ERRORS

RECORD = """
INSERT INTO projection_failures (name, position, event_type, subject, error) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (name, position) DO UPDATE SET error = EXCLUDED.error, failed_at = now()
"""


async def record_failure(
    conn: asyncpg.Connection, projection: str, position: int, event_type: str | None, subject: str, error: Exception
) -> None:
    detail = f"{type(error).__name__}: {error}"[:2000]
    log.error("projection %s skips event %d (%s on %s): %s", projection, position, event_type, subject, detail)
    await conn.execute(RECORD, projection, position, event_type, subject, detail)


async def count(conn: asyncpg.Connection | asyncpg.Pool) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM projection_failures"))
