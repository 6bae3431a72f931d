"""``agent_runs`` read model from the run lifecycle events.

A terminal status is final: a late RunStopRequested (or a second terminal event from a
racing worker) never moves a finished run back. Every value comes from the event, so a
rebuild from the log gives the same rows.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from cheatcode_api.adapters.postgres.projection import Projection, Statement
from cheatcode_contracts.runs import (
    RunCompleted,
    RunFailed,
    RunRequested,
    RunStarted,
    RunStopped,
    RunStopRequested,
    status_after,
)
from cheatcode_runtime.eventstore import StoredEvent

INSERT_REQUESTED = """
INSERT INTO agent_runs (run_id, thread_id, project_id, user_id, status, model_name, started_at, metadata,
                        created_at, updated_at)
VALUES ($1, $2, $3, $4, 'running', $5, $6, $7, $6, $6)
ON CONFLICT (run_id) DO NOTHING
"""
_NOT_FINAL = "status NOT IN ('completed', 'failed', 'stopped')"
SET_STARTED = f"UPDATE agent_runs SET worker_id = $2, updated_at = $3 WHERE run_id = $1 AND {_NOT_FINAL}"
SET_STOPPING = f"UPDATE agent_runs SET status = 'stopping', updated_at = $2 WHERE run_id = $1 AND {_NOT_FINAL}"
SET_FINAL = f"""
UPDATE agent_runs SET status = $2, error = $3, completed_at = $4, updated_at = $4 WHERE run_id = $1 AND {_NOT_FINAL}
"""


class AgentRunsProjection(Projection):
    name = "agent_runs"
    handles = frozenset(
        {
            RunRequested.type_name,
            RunStarted.type_name,
            RunStopRequested.type_name,
            RunCompleted.type_name,
            RunFailed.type_name,
            RunStopped.type_name,
        }
    )

    def statements(self, stored: StoredEvent) -> list[Statement]:
        event = stored.event
        at = event.occurred_at
        if isinstance(event, RunRequested):
            metadata = {
                **event.metadata,
                "app_type": event.app_type,
                "triggering_message_id": event.triggering_message_id,
            }
            args = (event.run_id, event.thread_id, event.project_id, event.user_id, event.model_name, at, metadata)
            return [(INSERT_REQUESTED, args)]
        if isinstance(event, RunStarted):
            return [(SET_STARTED, (event.run_id, event.worker_id, at))]
        if isinstance(event, RunStopRequested):
            return [(SET_STOPPING, (event.run_id, at))]
        if isinstance(event, RunCompleted | RunFailed | RunStopped):
            error = (
                event.error if isinstance(event, RunFailed) else event.reason if isinstance(event, RunStopped) else None
            )
            return [(SET_FINAL, (event.run_id, status_after(event), error, at))]
        return []

    def statement_key(self, sql: str, args: tuple[Any, ...]) -> Hashable:
        return ("agent_runs", args[0])
