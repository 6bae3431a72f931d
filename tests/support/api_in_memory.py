"""The API's container over in-memory stand-ins, for unit tests of handlers and routes.

``InMemoryApi.record(event)`` stores an event at the next position and projects it, as the
log and the runner do; the command bus answers the agent's project/thread/message commands
with a small stand-in of the agent service that records the events the real one would.
Every stand-in here is held to its real adapter by a conformance suite (tests/support/*_conformance.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cheatcode_api.adapters.memory.checkpoints import InMemoryCheckpointWaiter
from cheatcode_api.adapters.memory.command_bus import InMemoryCommandBus
from cheatcode_api.adapters.memory.read_models import InMemoryReadModels, InMemoryRunReads, InMemorySandboxReads
from cheatcode_api.adapters.memory.stand_ins import BuiltInModelCatalog, NoRunStreams, TokenTableVerifier
from cheatcode_api.config import Settings
from cheatcode_api.entrypoint.container import Container
from cheatcode_contracts import Command, CommandReply, ErrorCode, Event
from cheatcode_contracts.projects import CreateProject, ProjectCreated
from cheatcode_contracts.subjects import aggregate_subject
from cheatcode_contracts.threads import AddMessage, CreateThread, MessageAdded, ThreadCreated
from cheatcode_runtime.eventstore import StoredEvent

PROJECTIONS = ("projects", "threads", "messages", "sandboxes", "agent_runs")
TOKENS = {"alice-token": "alice", "bob-token": "bob"}


def bearer(user: str = "alice") -> dict[str, str]:
    return {"Authorization": f"Bearer {user}-token"}


@dataclass
class InMemoryApi:
    read_models: InMemoryReadModels = field(default_factory=InMemoryReadModels)
    waiter: InMemoryCheckpointWaiter = field(default_factory=lambda: InMemoryCheckpointWaiter(default_timeout=0.2))
    runs: InMemoryRunReads = field(default_factory=InMemoryRunReads)
    bus: InMemoryCommandBus = field(default_factory=InMemoryCommandBus)
    log: list[StoredEvent] = field(default_factory=list)
    projecting: bool = True  # False: events are stored but no projection applies them (lag)

    def __post_init__(self) -> None:
        self.sandboxes = InMemorySandboxReads(self.read_models)
        self.bus.responders.update(
            {CreateProject: self._create_project, CreateThread: self._create_thread, AddMessage: self._add_message}
        )
        self.container = Container(
            settings=Settings(jwks_url=None, cors_origins=["http://localhost:3000"]),
            verifier=TokenTableVerifier(TOKENS),
            commands=self.bus,
            waiter=self.waiter,
            read_models=self.read_models,
            run_reads=self.runs,
            sandbox_reads=self.sandboxes,
            model_catalog=BuiltInModelCatalog(),
            run_streams=NoRunStreams(),
        )

    def record(self, event: Event) -> int:
        stored = StoredEvent(aggregate_subject(event.aggregate_kind, event.aggregate_id), len(self.log) + 1, event)
        self.log.append(stored)
        if self.projecting:
            self.read_models.apply(stored)
            self.waiter.observe(PROJECTIONS, stored.position)
        return stored.position

    # The agent service's side, reduced to what the API relies on.
    async def _create_project(self, command: Command) -> CommandReply:
        assert isinstance(command, CreateProject)
        fields = command.model_dump(include={"project_id", "user_id", "name", "description", "app_type", "model_name"})
        position = self.record(ProjectCreated(**fields))
        return CommandReply.success(position, project_id=command.project_id)

    async def _create_thread(self, command: Command) -> CommandReply:
        assert isinstance(command, CreateThread)
        project = self.read_models.projects.get(command.project_id)
        if project is None or project.user_id != command.user_id:
            return CommandReply.failure(ErrorCode.NOT_FOUND, f"project {command.project_id} not found")
        event = ThreadCreated(thread_id=command.thread_id, project_id=command.project_id, user_id=command.user_id)
        return CommandReply.success(self.record(event), thread_id=command.thread_id)

    async def _add_message(self, command: Command) -> CommandReply:
        assert isinstance(command, AddMessage)
        thread = self.read_models.threads.get(command.thread_id)
        if thread is None or thread.user_id != command.user_id:
            return CommandReply.failure(ErrorCode.NOT_FOUND, f"thread {command.thread_id} not found")
        fields = command.model_dump(
            include={"thread_id", "message_id", "type", "is_llm_message", "content", "metadata", "agent_run_id"}
        )
        return CommandReply.success(self.record(MessageAdded(**fields)), message_id=command.message_id)
