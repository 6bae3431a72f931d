"""The agent's subscribers: each answers one command on ``subject_for(Command)``.

Every function here has the :data:`Registration` shape and is listed in
``bootstrap.REGISTRATIONS``; a new use case adds a function and a line there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cheatcode_agent import SERVICE
from cheatcode_agent.config import Settings
from cheatcode_agent.handlers.aggregates import Aggregates
from cheatcode_agent.handlers.projects import create_project
from cheatcode_agent.handlers.threads import add_message, create_thread
from cheatcode_agent.ports import EventStore
from cheatcode_contracts import Event
from cheatcode_contracts.projects import EVENTS as PROJECT_EVENTS, PROJECT, CreateProject
from cheatcode_contracts.runs import RUN
from cheatcode_contracts.subjects import EVENTS_PREFIX
from cheatcode_contracts.threads import EVENTS as THREAD_EVENTS, THREAD, AddMessage, CreateThread
from cheatcode_runtime.eventstore import Repository
from cheatcode_runtime.service import Late, ServiceHost, register_command
from cheatcode_runtime.service.fold import register_fold


@dataclass(frozen=True)
class AgentDeps:
    """What handlers need. ``Late`` values are set once NATS is connected."""

    settings: Settings
    event_store: Late[EventStore]

    @property
    def aggregates(self) -> Aggregates:
        return Aggregates.over(self.event_store.get)


Registration = Callable[[ServiceHost, AgentDeps], None]


def register_projects(host: ServiceHost, deps: AgentDeps) -> None:
    aggregates = deps.aggregates
    register_command(host.broker, CreateProject, lambda command: create_project(command, aggregates), service=SERVICE)


def register_threads(host: ServiceHost, deps: AgentDeps) -> None:
    aggregates = deps.aggregates
    register_command(host.broker, CreateThread, lambda command: create_thread(command, aggregates), service=SERVICE)
    register_command(host.broker, AddMessage, lambda command: add_message(command, aggregates), service=SERVICE)


def register_folds(host: ServiceHost, deps: AgentDeps) -> None:
    """``FoldAggregate`` for projects, threads and runs (the admin audit route)."""
    aggregates = deps.aggregates
    repositories: dict[str, Repository[Any]] = {
        PROJECT: aggregates.projects,
        THREAD: aggregates.threads,
        RUN: aggregates.runs,
    }
    register_fold(host.broker, service=SERVICE, repositories=repositories)


def document_events(host: ServiceHost, deps: AgentDeps) -> None:
    """Publishers for the AsyncAPI docs only: appends go through the event store, not these."""
    for event in (*PROJECT_EVENTS, *THREAD_EVENTS):
        document_event(host, event)


def document_event(host: ServiceHost, event: type[Event]) -> None:
    host.broker.publisher(
        f"{EVENTS_PREFIX}.{event.aggregate_kind}.{{{event.aggregate_field}}}",
        title=event.type_name,
        description=(event.__doc__ or "").strip() or None,
        schema=event,
    )
