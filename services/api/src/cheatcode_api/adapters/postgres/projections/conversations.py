"""``threads`` and ``messages`` read models."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime
from typing import Any

from cheatcode_api.adapters.postgres.bulk import InsertNew
from cheatcode_api.adapters.postgres.projection import Projection, Statement
from cheatcode_api.domain.rows import message_values, thread_row, thread_touched_at, values
from cheatcode_contracts.threads import MessageAdded, ThreadCreated
from cheatcode_runtime.eventstore import StoredEvent

INSERT_THREAD = """
INSERT INTO threads (thread_id, project_id, user_id, is_public, metadata, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (thread_id) DO NOTHING
"""
TOUCH_THREAD = "UPDATE threads SET updated_at = GREATEST(updated_at, $2) WHERE thread_id = $1"
MESSAGE_COLUMNS = ("message_id", "thread_id", "position", "type", "is_llm_message", "content", "metadata",
                   "agent_run_id", "created_at", "updated_at")  # fmt: skip
NEW_MESSAGES = InsertNew("messages", MESSAGE_COLUMNS, key={"message_id": "text"})
INSERT_MESSAGE = NEW_MESSAGES.sql


def later_of(first: datetime | None, second: datetime | None) -> datetime | None:
    """max() as SQL's GREATEST sees it: NULL only when both are."""
    if first is None or second is None:
        return first if second is None else second
    return max(first, second)


class ThreadsProjection(Projection):
    name = "threads"
    handles = frozenset({ThreadCreated.type_name, MessageAdded.type_name})

    def statements(self, stored: StoredEvent) -> list[Statement]:
        event = stored.event
        if isinstance(event, ThreadCreated):
            return [(INSERT_THREAD, tuple(values(thread_row(event))))]
        if isinstance(event, MessageAdded):
            return [(TOUCH_THREAD, (event.thread_id, thread_touched_at(event)))]
        return []

    # GREATEST(GREATEST(u, a), b) = GREATEST(u, max(a, b)): one update per thread and batch.
    combine = {TOUCH_THREAD: lambda earlier, later: (earlier[0], later_of(earlier[1], later[1]))}

    def statement_key(self, sql: str, args: tuple[Any, ...]) -> Hashable:
        return ("threads", args[0])


class MessagesProjection(Projection):
    name = "messages"
    handles = frozenset({MessageAdded.type_name})

    bulk = {INSERT_MESSAGE: NEW_MESSAGES}

    def statements(self, stored: StoredEvent) -> list[Statement]:
        event = stored.event
        if isinstance(event, MessageAdded):
            # A NUL in any string of the event shows in its JSON payload as this escape (or the
            # payload is not kept): only then is there anything to strip.
            may_hold_nul = not stored.payload or b"\\u0000" in stored.payload
            return [(INSERT_MESSAGE, message_values(event, stored.position, may_hold_nul=may_hold_nul))]
        return []

    def statement_key(self, sql: str, args: tuple[Any, ...]) -> Hashable:
        return ("messages", args[0])
