"""The agent's aggregates, each behind the runtime's generic ``Repository``.

Handlers load, decide and append only through these; none calls another handler to change
an aggregate it does not own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cheatcode_agent.domain.projects import Project
from cheatcode_agent.domain.run import Run
from cheatcode_agent.domain.threads import Thread
from cheatcode_contracts.projects import PROJECT
from cheatcode_contracts.runs import RUN
from cheatcode_contracts.threads import THREAD
from cheatcode_runtime.errors import NotFound
from cheatcode_runtime.eventstore import EventStore, Repository


@dataclass(frozen=True)
class Aggregates:
    projects: Repository[Project]
    threads: Repository[Thread]
    runs: Repository[Run]

    @classmethod
    def over(cls, store: EventStore | Callable[[], EventStore]) -> Aggregates:
        """Repositories on ``store`` (or on what the callable returns once NATS is connected)."""
        return cls(
            projects=Repository(store, PROJECT, Project),
            threads=Repository(store, THREAD, Thread),
            runs=Repository(store, RUN, Run.unknown),
        )

    async def visible_project(self, project_id: str, *, user_id: str) -> Project:
        """The project if ``user_id`` may see it; NotFound otherwise, so nothing leaks to others."""
        project = (await self.projects.load(project_id)).state
        if not project.is_visible_to(user_id):
            raise NotFound(f"project {project_id} not found")
        return project

    async def visible_thread(self, thread_id: str, *, user_id: str) -> Thread:
        thread = (await self.threads.load(thread_id)).state
        if not thread.is_visible_to(user_id):
            raise NotFound(f"thread {thread_id} not found")
        return thread
