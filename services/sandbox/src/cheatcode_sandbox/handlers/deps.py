"""What the sandbox handlers need, built once by the composition root."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from cheatcode_contracts.sandbox import SANDBOX
from cheatcode_runtime.eventstore import EventStore, Repository
from cheatcode_runtime.service import Conflict, Invalid, Late, NotFound, Unavailable
from cheatcode_sandbox.domain.activity import Activity
from cheatcode_sandbox.domain.sandbox import Sandbox
from cheatcode_sandbox.domain.sessions import Sessions
from cheatcode_sandbox.ports.hosts import HostDirectory
from cheatcode_sandbox.ports.runtime import (
    Limits,
    PathExistsError,
    PathNotFoundError,
    PathRejectedError,
    QuotaExceededError,
    SandboxNotRunningError,
    SandboxRuntime,
    SandboxUnavailableError,
)


@dataclass
class SandboxDeps:
    instance_id: str
    runtime: SandboxRuntime
    event_store: Late[EventStore]
    hosts: Late[HostDirectory]
    command_limits: Limits
    session_limits: Limits
    preview_origin: Late[str] = field(default_factory=lambda: Late("preview gateway"))
    sessions: Sessions = field(default_factory=Sessions)
    activity: Activity = field(default_factory=Activity)
    idle_seconds: float = 900.0  # unused this long: stopped by CleanAbandonedSandboxes
    # Sandboxes this replica runs, with their state when they were started here.
    hosted: dict[str, Sandbox] = field(default_factory=dict)
    sandboxes: Repository[Sandbox] = field(init=False)

    def __post_init__(self) -> None:
        # The store is known once NATS connects; the repository asks the ``Late`` for it per call.
        self.sandboxes = Repository(self.event_store.get, SANDBOX, lambda sandbox_id: Sandbox(sandbox_id=sandbox_id))


@contextmanager
def runtime_errors() -> Iterator[None]:
    """The runtime's errors as the domain errors callers understand."""
    try:
        yield
    except PathRejectedError as error:
        raise Invalid(str(error)) from None
    except PathNotFoundError as error:
        raise NotFound(str(error)) from None
    except PathExistsError as error:
        raise Conflict(str(error)) from None
    except QuotaExceededError as error:
        raise Invalid(str(error)) from None
    except (SandboxUnavailableError, SandboxNotRunningError) as error:
        raise Unavailable(str(error)) from None
