"""``event_log`` read model: every event of every kind, for the admin audit queries.

Events that carry no ``user_id`` (a message added by the agent, say) are attributed to the
owner of their aggregate, learnt from the first event of that aggregate that names a user
(project, thread, run and sandbox events do; an account's id is its user's).
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from functools import cache
from typing import Any

from cheatcode_api.adapters.postgres.projection import Projection, Statement
from cheatcode_contracts import Event, build_registry
from cheatcode_contracts.envelope import ACTOR_HEADER, CORRELATION_HEADER
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
        COALESCE($10::text, (SELECT user_id FROM aggregate_owners WHERE kind = $3 AND aggregate_id = $4)), $11::jsonb)
ON CONFLICT (position) DO NOTHING
"""
USER_IS_THE_AGGREGATE = frozenset({"account"})


def every_event_type() -> frozenset[str]:
    return frozenset(model.type_name for model in build_registry() if issubclass(model, Event))


@cache
def names_its_user(model: type[Event]) -> bool:
    # Cached: ``model_fields`` goes through pydantic's deprecation descriptor (~10 µs a call,
    # a third of a rebuild's planning), and a getattr miss on a model costs an exception.
    return "user_id" in model.model_fields


def owner_of(event: Event) -> str | None:
    if event.aggregate_kind in USER_IS_THE_AGGREGATE:
        return event.aggregate_id
    if not names_its_user(type(event)):
        return None
    user = event.user_id  # type: ignore[attr-defined]  # the field exists (checked above)
    return user if isinstance(user, str) and user else None


def body_json(event: Event) -> str:
    """The decoded body as JSON text PostgreSQL accepts: jsonb refuses NUL characters, which a
    tool's output may contain, so they are shown as U+FFFD (the audit copy only)."""
    text = event.model_dump_json()  # pydantic-core's encoder: a fifth of json.dumps(model_dump())'s time
    if "\\u0000" in text:
        text = json.dumps(_without_nul(event.model_dump(mode="json")), ensure_ascii=False)
    return text


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    return value


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
        body_json(event),
    )


class EventLogProjection(Projection):
    name = "event_log"
    handles = every_event_type()

    def statements(self, stored: StoredEvent) -> list[Statement]:
        return [(INSERT_EVENT, event_row(stored))]

    def statement_key(self, sql: str, args: tuple[Any, ...]) -> Hashable:
        # The row is new (its position); what it shares with others is the aggregate's owner row.
        return ("aggregate_owners", args[2], args[3])
