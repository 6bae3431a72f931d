"""The read models in memory: the same rows as the PostgreSQL projections, from the same events.

Rows come from the pure ``domain.rows`` builders the SQL projections use too, and each query
orders, pages and scopes like its SQL twin; ``tests/support/read_models_conformance.py``
holds both to the same answers. ``down = True`` makes every read raise the port's outage error.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from cheatcode_api.domain.rows import (
    MessageRow,
    ProjectOwner,
    ProjectRow,
    SandboxRow,
    ThreadRow,
    message_row,
    project_row,
    thread_row,
    thread_touched_at,
)
from cheatcode_api.domain.runs import RunRow
from cheatcode_api.ports.agent_runs import RunReads
from cheatcode_api.ports.read_models import ReadModels, ReadModelUnavailableError
from cheatcode_api.ports.sandboxes import SandboxReads
from cheatcode_contracts.projects import ProjectCreated
from cheatcode_contracts.threads import MessageAdded, ThreadCreated
from cheatcode_runtime.eventstore import StoredEvent


class InMemoryReadModels(ReadModels):
    def __init__(self) -> None:
        self.projects: dict[str, ProjectRow] = {}
        self.threads: dict[str, ThreadRow] = {}
        self.messages: dict[str, MessageRow] = {}
        self.down = False

    def apply(self, stored: StoredEvent) -> None:
        """What the projects, threads and messages projections do with one stored event."""
        event = stored.event
        if isinstance(event, ProjectCreated):
            self.projects.setdefault(event.project_id, project_row(event))
        elif isinstance(event, ThreadCreated):
            self.threads.setdefault(event.thread_id, thread_row(event))
        elif isinstance(event, MessageAdded):
            thread = self.threads.get(event.thread_id)
            if thread is not None:
                touched = max(thread.updated_at, thread_touched_at(event))
                self.threads[event.thread_id] = dataclasses.replace(thread, updated_at=touched)
            self.messages.setdefault(event.message_id, message_row(event, stored.position))

    def apply_all(self, events: Iterable[StoredEvent]) -> None:
        for stored in events:
            self.apply(stored)

    def _check(self) -> None:
        if self.down:
            raise ReadModelUnavailableError("in-memory read models marked down")

    async def list_projects(self, user_id: str, *, limit: int, offset: int) -> list[ProjectRow]:
        self._check()
        rows = [row for row in self.projects.values() if row.user_id == user_id]
        rows.sort(key=lambda row: row.project_id)
        rows.sort(key=lambda row: row.created_at, reverse=True)
        return rows[offset : offset + limit]

    async def get_project(self, user_id: str, project_id: str) -> ProjectRow | None:
        self._check()
        row = self.projects.get(project_id)
        return row if row is not None and (row.user_id == user_id or row.is_public) else None

    async def list_threads(self, user_id: str, *, project_id: str | None, limit: int, offset: int) -> list[ThreadRow]:
        self._check()
        rows = [
            row
            for row in self.threads.values()
            if row.user_id == user_id and (project_id is None or row.project_id == project_id)
        ]
        rows.sort(key=lambda row: row.thread_id)
        rows.sort(key=lambda row: row.updated_at, reverse=True)
        return rows[offset : offset + limit]

    async def get_thread(self, user_id: str, thread_id: str) -> ThreadRow | None:
        self._check()
        row = self.threads.get(thread_id)
        return row if row is not None and (row.user_id == user_id or row.is_public) else None

    async def list_messages(self, thread_id: str, *, limit: int, offset: int) -> list[MessageRow]:
        self._check()
        rows = sorted((row for row in self.messages.values() if row.thread_id == thread_id), key=lambda r: r.position)
        return rows[offset : offset + limit]

    async def get_message(self, message_id: str) -> MessageRow | None:
        self._check()
        return self.messages.get(message_id)


class InMemoryRunReads(RunReads):
    """Runs as a test puts them (``runs[run_id] = RunRow(...)``)."""

    def __init__(self) -> None:
        self.runs: dict[str, RunRow] = {}

    async def get_run(self, user_id: str, run_id: str) -> RunRow | None:
        row = self.runs.get(run_id)
        return row if row is not None and row.user_id == user_id else None

    async def list_thread_runs(self, user_id: str, thread_id: str) -> list[RunRow]:
        rows = [row for row in self.runs.values() if row.thread_id == thread_id and row.user_id == user_id]
        rows.sort(key=lambda row: row.run_id)
        rows.sort(key=lambda row: row.created_at, reverse=True)
        return rows[:1000]


class InMemorySandboxReads(SandboxReads):
    """Sandboxes as a test puts them; project owners come from the read models' projects."""

    def __init__(self, read_models: InMemoryReadModels) -> None:
        self.sandboxes: dict[str, SandboxRow] = {}
        self._read_models = read_models

    async def sandbox(self, sandbox_id: str) -> SandboxRow | None:
        row = self.sandboxes.get(sandbox_id)
        return row if row is not None and row.status != "deleted" else None

    async def project(self, project_id: str) -> ProjectOwner | None:
        row = self._read_models.projects.get(project_id)
        return None if row is None else ProjectOwner(row.project_id, row.user_id, row.app_type)
