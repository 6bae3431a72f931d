"""Composition root: builds the agent from its settings. Nothing here runs at import time."""

from __future__ import annotations

from collections.abc import Sequence

from nats.aio.client import Client

from cheatcode_agent import SERVICE
from cheatcode_agent.adapters.eventstore import jetstream_event_store
from cheatcode_agent.config import Settings
from cheatcode_agent.entrypoint.app import (
    AgentDeps,
    Registration,
    document_events,
    register_folds,
    register_projects,
    register_threads,
)
from cheatcode_agent.entrypoint.runs import register_runs_from_env
from cheatcode_runtime.service import Late, ServiceHost, build_service

# Every subscriber group of the agent; a new use case appends its registration here.
REGISTRATIONS: tuple[Registration, ...] = (
    register_projects,
    register_threads,
    register_folds,
    document_events,
    register_runs_from_env,
)


def build(settings: Settings, registrations: Sequence[Registration] = REGISTRATIONS) -> ServiceHost:
    """The agent's host with its subscribers registered; it connects when its app starts."""
    host = build_service(SERVICE, settings, description="Projects, threads, messages and agent runs.")
    deps = AgentDeps(settings=settings, event_store=Late("event store"))

    async def on_connect(client: Client) -> None:
        deps.event_store.set(jetstream_event_store(client, settings))

    host.on_connect(on_connect)
    for register in registrations:
        register(host, deps)
    return host
