"""Audit and replay use cases: a page of events, a run's frames, a run's timeline.

The timeline is read from the log alone (no read model): the run's lifecycle events, its
usage records, the thread messages it wrote, the billing charges for its LLM calls, and its
output frames, merged by the time JetStream stored each of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cheatcode_api.ports.audit import AuditedEvent, AuditLog, EventQuery, LogReader, LogRecord
from cheatcode_contracts.runs import run_subject, usage_subject
from cheatcode_contracts.subjects import aggregate_subject

NOT_FOUND = "Agent run not found"
FRAME_CATEGORIES = {"tool_call": "tool_call", "tool_result": "tool_result", "status": "status"}


class RunNotFoundError(Exception):
    pass


@dataclass(frozen=True)
class AuditDeps:
    audit: AuditLog
    log: LogReader


async def events_page(deps: AuditDeps, query: EventQuery) -> dict[str, Any]:
    events = await deps.audit.events(query)
    next_after = events[-1].position if len(events) == query.limit and events else None
    return {"events": [audited(event) for event in events], "count": len(events), "next_after": next_after}


def audited(event: AuditedEvent) -> dict[str, Any]:
    return {
        "sequence": event.position,
        "subject": event.subject,
        "type": event.type,
        "version": event.version,
        "time": event.occurred_at.isoformat(),
        "actor": event.actor,
        "correlation_id": event.correlation_id,
        "user_id": event.user_id,
        "body": event.body,
    }


async def run_frames(deps: AuditDeps, run_id: str, after: int) -> dict[str, Any]:
    frames = await deps.log.frames(run_id, after)
    return {"run_id": run_id, "frames": [{"id": f.sequence, "data": f.body} for f in frames], "count": len(frames)}


async def run_timeline(deps: AuditDeps, run_id: str) -> dict[str, Any]:
    lifecycle = await deps.log.events(run_subject(run_id))
    if not lifecycle:
        raise RunNotFoundError(NOT_FOUND)
    requested = lifecycle[0].body
    thread_id, user_id = requested.get("thread_id"), requested.get("user_id")
    usage = await deps.log.events(usage_subject(run_id))
    messages = await deps.log.events(aggregate_subject("thread", thread_id)) if thread_id else []
    account = await deps.log.events(aggregate_subject("account", user_id)) if user_id else []
    frames = await deps.log.frames(run_id)
    items = [
        *(_item(record, "lifecycle") for record in lifecycle),
        *(_item(record, "usage") for record in usage),
        *(_item(record, "message") for record in messages if record.body.get("agent_run_id") == run_id),
        *(_item(record, "charge") for record in account if record.body.get("run_id") == run_id),
        *(_item(record, FRAME_CATEGORIES.get(str(record.body.get("type")), "frame")) for record in frames),
    ]
    items.sort(key=lambda item: (item["time"] or "", item["stream"], item["sequence"]))
    return {"run_id": run_id, "thread_id": thread_id, "user_id": user_id, "items": items, "count": len(items)}


def _item(record: LogRecord, category: str) -> dict[str, Any]:
    return {
        "time": _iso(record.time),
        "stream": record.stream,
        "sequence": record.sequence,
        "category": category,
        "type": record.type or record.body.get("type"),
        "data": record.body,
    }


def _iso(time: datetime | None) -> str | None:
    return time.isoformat() if time else None
