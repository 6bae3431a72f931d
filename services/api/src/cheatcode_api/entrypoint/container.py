"""What routes and handlers get: every dependency typed by its port, nothing concrete.

``bootstrap.build_container`` fills it with the real adapters; a unit test fills it with
in-memory stand-ins (``adapters/memory``, held to the real adapters by conformance
suites; ``tests/support/api_in_memory.py`` builds one) and drives the same app. To add a
dependency: a port in ``ports/``, a field here, its adapter built in ``bootstrap.build_infrastructure``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field

from cheatcode_api.config import Settings
from cheatcode_api.handlers import HandlerDeps
from cheatcode_api.handlers.composio import ComposioDeps
from cheatcode_api.handlers.deployments import DeploymentDeps
from cheatcode_api.handlers.sandboxes import SandboxDeps
from cheatcode_api.ports.agent_runs import RunReads
from cheatcode_api.ports.audit import AuditLog, LogReader
from cheatcode_api.ports.auth import TokenVerifier
from cheatcode_api.ports.billing import BillingReads
from cheatcode_api.ports.commands import CommandBus
from cheatcode_api.ports.composio import ComposioReads
from cheatcode_api.ports.deployments import DeploymentReads
from cheatcode_api.ports.feature_flags import FeatureFlags
from cheatcode_api.ports.health import HealthProbe
from cheatcode_api.ports.idempotency import IdempotencyStore
from cheatcode_api.ports.model_catalog import ModelCatalog
from cheatcode_api.ports.rate_limits import RateLimiter
from cheatcode_api.ports.read_models import CheckpointWaiter, ReadModels
from cheatcode_api.ports.rebuild import ReadModelRebuilder
from cheatcode_api.ports.run_streams import RunStreams
from cheatcode_api.ports.sandboxes import SandboxReads


class Background(ABC):
    """The process's background work (projection runner, listeners) and its resources."""

    @abstractmethod
    def start(self) -> None:
        """Start the background tasks (the app's lifespan calls it)."""

    @abstractmethod
    async def stop(self) -> None:
        """Stop the background tasks, leaving connections open."""

    @abstractmethod
    async def close(self) -> None:
        """Stop everything and release every connection, within a bounded time."""


class NoBackground(Background):
    """For a container of in-memory stand-ins: nothing runs behind the requests."""

    def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def close(self) -> None:
        return None


@dataclass
class Container:
    """Built once per process. Routers reach it through ``entrypoint.deps.ContainerDep``."""

    settings: Settings
    verifier: TokenVerifier
    commands: CommandBus
    waiter: CheckpointWaiter  # read-your-writes
    read_models: ReadModels  # projects, threads, messages
    run_reads: RunReads  # agent_runs
    sandbox_reads: SandboxReads  # sandboxes (+ project owners)
    model_catalog: ModelCatalog
    run_streams: RunStreams  # agent-run output → SSE
    health_probes: Sequence[HealthProbe] = ()
    billing_reads: BillingReads | None = None  # None: billing read routes answer 503
    rate_limiter: RateLimiter | None = None  # None: no rate limits
    idempotency: IdempotencyStore | None = None  # None: Idempotency-Key is ignored
    audit: AuditLog | None = None  # None: the admin audit routes answer 503
    log_reader: LogReader | None = None
    rebuilder: ReadModelRebuilder | None = None  # None: POST /admin/read-models/rebuild answers 503
    deployment_reads: DeploymentReads | None = None  # None: deployment routes answer 503
    composio_reads: ComposioReads | None = None  # None: Composio routes answer 503
    feature_flags: FeatureFlags | None = None  # None: the feature-flag routes are not mounted
    background: Background = field(default_factory=NoBackground)
    _deployment_deps: DeploymentDeps | None = field(default=None, init=False, repr=False)

    @property
    def handler_deps(self) -> HandlerDeps:
        return HandlerDeps(commands=self.commands, waiter=self.waiter, read_models=self.read_models)

    @property
    def sandbox_deps(self) -> SandboxDeps:
        return SandboxDeps(commands=self.commands, rows=self.sandbox_reads, waiter=self.waiter)

    @property
    def composio_deps(self) -> ComposioDeps | None:
        if self.composio_reads is None:
            return None
        return ComposioDeps(commands=self.commands, rows=self.composio_reads, waiter=self.waiter)

    @property
    def deployment_deps(self) -> DeploymentDeps | None:
        if self._deployment_deps is None and self.deployment_reads is not None:
            rows = self.deployment_reads
            self._deployment_deps = DeploymentDeps(commands=self.commands, rows=rows, waiter=self.waiter)
        return self._deployment_deps

    def start_background(self) -> None:
        self.background.start()

    async def stop_background(self) -> None:
        await self.background.stop()

    async def close(self) -> None:
        await self.background.close()
