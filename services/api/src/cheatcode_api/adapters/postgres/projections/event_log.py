"""``event_log`` read model: every event of every kind, for the admin audit queries.

Events that carry no ``user_id`` (a message added by the agent, say) are attributed to the
owner of their aggregate, learnt from the first event of that aggregate that names a user
(project, thread, run and sandbox events do; an account's id is its user's). The body is the
message's payload as appended (see ``body_text``), so a rebuild reproduces it exactly.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from functools import cache
from typing import Any

import asyncpg

from cheatcode_api.adapters.postgres.bulk import BulkInsert, Row
from cheatcode_api.adapters.postgres.projection import Projection, Statement
from cheatcode_contracts import Event, build_registry
from cheatcode_contracts.envelope import ACTOR_HEADER, CORRELATION_HEADER, VERSION_HEADER
from cheatcode_runtime.eventstore import StoredEvent

# One statement per event, so a batch of events is one executemany: the owner row is written
# by the CTE when the event names its user, and read back for later events that do not.
INSERT_EVENT = """
WITH owner AS (
    INSERT INTO aggregate_owners (kind, aggregate_id, user_id)
    SELECT $3, $4, $10 WHERE $10::text IS NOT NULL
    ON CONFLICT (kind, aggregate_id) DO NOTHING
)
INSERT INTO event_log (position, subject, kind, aggregate_id, type, version, occurred_at, actor, correlation_id,
                       user_id, body)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
        COALESCE($10::text, (SELECT user_id FROM aggregate_owners WHERE kind = $3 AND aggregate_id = $4)), $11)
ON CONFLICT (position) DO NOTHING
"""
USER_IS_THE_AGGREGATE = frozenset({"account"})
EVENT_COLUMNS = ("position", "subject", "kind", "aggregate_id", "type", "version", "occurred_at", "actor",
                 "correlation_id", "user_id", "body")  # fmt: skip
KIND, AGGREGATE, USER = 2, 3, 9  # their places in an event row
OWNERS_OF = """
SELECT kind, aggregate_id, user_id FROM aggregate_owners
WHERE (kind, aggregate_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
"""
OWNER_COLUMNS = ("kind", "aggregate_id", "user_id")


def every_event_type() -> frozenset[str]:
    return frozenset(model.type_name for model in build_registry() if issubclass(model, Event))


@cache
def names_its_user(model: type[Event]) -> bool:
    # Once per model: ``model_fields`` goes through pydantic's deprecation descriptor on every
    # access, and a getattr miss on a model would cost an exception.
    return "user_id" in model.model_fields


def owner_of(event: Event) -> str | None:
    if event.aggregate_kind in USER_IS_THE_AGGREGATE:
        return event.aggregate_id
    if not names_its_user(type(event)):
        return None
    user = event.user_id  # type: ignore[attr-defined]  # the field exists (checked above)
    return user if isinstance(user, str) and user else None


def body_text(stored: StoredEvent) -> str:
    """The body as it was appended, byte for byte: a rebuild writes the same text whatever the
    models have become since (a field added with a default would otherwise show in every
    re-encoded body, and the rebuild's comparison would refuse to swap). An event stored at
    an older version is shown as the upcast event its ``version`` column names. Stored as
    text, so NUL escapes in it are kept as they are (jsonb would refuse them)."""
    event = stored.event
    if stored.payload and stored.headers.get(VERSION_HEADER, "1") == str(event.version):
        return stored.payload.decode("utf-8", "replace")
    return type(event).__pydantic_serializer__.to_json(event).decode()  # the serializer itself: no wrapper


def event_row(stored: StoredEvent) -> tuple[Any, ...]:
    event = stored.event
    return (
        stored.position,
        stored.subject,
        event.aggregate_kind,
        event.aggregate_id,
        event.type_name,
        event.version,
        event.occurred_at,
        stored.headers.get(ACTOR_HEADER),
        stored.headers.get(CORRELATION_HEADER),
        owner_of(event),
        body_text(stored),
    )


class EventRowsInBulk(BulkInsert):
    """``INSERT_EVENT`` for many rows: the owners of the round's aggregates are read first (the
    table's, as before this round); a row naming no user takes that owner, else the first
    user an earlier row of the round named; the rows are copied, then the owners the round
    names and the table lacked (first row first, as ON CONFLICT keeps the older one). A
    position is new by the runner's checkpoint; were it not, the copy fails as a constraint
    violation and the runner applies the batch event by event."""

    async def write(self, conn: asyncpg.Connection, rows: Sequence[Row]) -> None:
        if not rows:
            return
        kinds, aggregates = zip(*{(row[KIND], row[AGGREGATE]) for row in rows}, strict=True)
        owners_of = await conn.fetch(OWNERS_OF, list(kinds), list(aggregates))
        known = {(record[0], record[1]): record[2] for record in owners_of}
        named: dict[tuple[str, str], str] = {}  # the round's first named user of each aggregate
        copied: list[Row] = []
        for row in rows:
            key = (row[KIND], row[AGGREGATE])
            user = row[USER]
            if user is None:
                user = known.get(key) or named.get(key)
                copied.append((*row[:USER], user, *row[USER + 1 :]))
            else:
                named.setdefault(key, user)
                copied.append(row)
        await conn.copy_records_to_table("event_log", records=copied, columns=list(EVENT_COLUMNS))
        owners = [(*key, user) for key, user in named.items() if key not in known]
        if owners:
            await conn.copy_records_to_table("aggregate_owners", records=owners, columns=list(OWNER_COLUMNS))


class EventLogProjection(Projection):
    name = "event_log"
    handles = every_event_type()
    bulk = {INSERT_EVENT: EventRowsInBulk()}

    def statements(self, stored: StoredEvent) -> list[Statement]:
        return [(INSERT_EVENT, event_row(stored))]

    def statement_key(self, sql: str, args: tuple[Any, ...]) -> Hashable:
        # The row is new (its position); what it shares with others is the aggregate's owner row.
        return ("aggregate_owners", args[2], args[3])
