"""``projection_checkpoints`` access, shared by the runner, the waiter and health checks."""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg

NOTIFY_CHANNEL = "cc_projection_checkpoints"


async def ensure_rows(conn: asyncpg.Connection, names: Iterable[str]) -> None:
    await conn.execute(
        "INSERT INTO projection_checkpoints (name) SELECT unnest($1::text[]) ON CONFLICT (name) DO NOTHING",
        list(names),
    )


async def read_all(conn: asyncpg.Connection | asyncpg.Pool) -> dict[str, int]:
    rows = await conn.fetch("SELECT name, position FROM projection_checkpoints")
    return {row["name"]: int(row["position"]) for row in rows}


async def lock_for_update(conn: asyncpg.Connection, names: list[str]) -> dict[str, int]:
    """Row-lock the checkpoints: a second applier (e.g. a replica taking over) waits here."""
    rows = await conn.fetch(
        "SELECT name, position FROM projection_checkpoints WHERE name = ANY($1::text[]) ORDER BY name FOR UPDATE",
        names,
    )
    return {row["name"]: int(row["position"]) for row in rows}


# One round trip: a data-modifying CTE runs whether or not the SELECT reads it.
ADVANCE_AND_NOTIFY = """
WITH advanced AS (
    UPDATE projection_checkpoints SET position = $2, updated_at = now()
    WHERE name = ANY($1::text[]) AND position < $2
)
SELECT pg_notify($3, $4)
"""


ADVANCE_QUIETLY = (
    "UPDATE projection_checkpoints SET position = $2, updated_at = now() WHERE name = ANY($1::text[]) AND position < $2"
)


async def advance(conn: asyncpg.Connection, names: list[str], position: int, *, notify: bool = True) -> None:
    """Move the checkpoints forward and tell every replica (delivered when the transaction commits).

    ``notify=False`` for a shadow schema being rebuilt: the channel is the database's, and its
    positions must not reach the live schema's read-your-writes waiters."""
    if not notify:
        await conn.execute(ADVANCE_QUIETLY, names, position)
        return
    await conn.execute(ADVANCE_AND_NOTIFY, names, position, NOTIFY_CHANNEL, notify_payload(names, position))


def notify_payload(names: Iterable[str], position: int) -> str:
    return f"{position}:{','.join(names)}"


def parse_notify_payload(payload: str) -> tuple[list[str], int]:
    position, _, names = payload.partition(":")
    return [name for name in names.split(",") if name], int(position)
