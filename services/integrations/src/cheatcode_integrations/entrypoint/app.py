"""The integrations service's subscribers, one registration function per feature.

Every function here has the :data:`Registration` shape and is listed in
``bootstrap.REGISTRATIONS``; a feature adds its deps field to :class:`Deps`, its function
here and one line there. The ping responder comes with every service host.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from nats.aio.client import Client

from cheatcode_contracts import CommandReply
from cheatcode_integrations import SERVICE
from cheatcode_integrations.config import Settings
from cheatcode_integrations.handlers.composio_commands import HANDLERS as COMPOSIO_HANDLERS, Handler
from cheatcode_integrations.handlers.composio_deps import ComposioDeps
from cheatcode_integrations.handlers.deployment_deps import DeploymentDeps
from cheatcode_integrations.handlers.email_outbox import EmailDeps
from cheatcode_integrations.handlers.maintenance import MaintenanceScheduler
from cheatcode_runtime.eventstore import EventStore
from cheatcode_runtime.service import Late, ServiceHost, register_command


@dataclass(frozen=True)
class Deps:
    """What handlers need. ``Late`` values are set once NATS is connected."""

    settings: Settings
    nats: Late[Client]
    event_store: Late[EventStore]
    # One field per feature, built in bootstrap.py:
    composio: ComposioDeps
    deployments: Late[DeploymentDeps]
    email: Late[EmailDeps]
    maintenance: Late[MaintenanceScheduler] | None  # None: Inngest drives the maintenance tasks


Registration = Callable[[ServiceHost, Deps], None]


def register_composio(host: ServiceHost, deps: Deps) -> None:
    """Composio catalog, credential profiles, connections and the agent's MCP servers."""
    for command, handle in COMPOSIO_HANDLERS.items():
        register_command(host.broker, command, _bind(handle, deps.composio), service=SERVICE, max_workers=32)


def _bind(handle: Handler, composio: ComposioDeps) -> Callable[[Any], Awaitable[CommandReply]]:
    return lambda command: handle(command, composio)
