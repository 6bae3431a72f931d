"""The Sandbox aggregate: its state folded from its events, and the decisions about it (pure)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, replace

from cheatcode_contracts import Event
from cheatcode_contracts.projects import as_app_type
from cheatcode_contracts.sandbox import (
    EnsureSandbox,
    SandboxCreated,
    SandboxDeleted,
    SandboxFailed,
    SandboxInfo,
    SandboxStarted,
    SandboxStatus,
    SandboxStopped,
    sandbox_id_for,
)


@dataclass(frozen=True)
class Sandbox:
    sandbox_id: str
    project_id: str = ""
    user_id: str = ""
    app_type: str = "web"
    preview_token: str = ""
    status: SandboxStatus | None = None  # None: never created
    host: str | None = None

    @property
    def exists(self) -> bool:
        return self.status not in (None, "deleted")

    def apply(self, event: Event) -> Sandbox:
        if isinstance(event, SandboxCreated):
            return replace(
                self,
                project_id=event.project_id,
                user_id=event.user_id,
                app_type=event.app_type,
                preview_token=event.preview_token,
                status="creating",
                host=None,
            )
        if isinstance(event, SandboxStarted):
            return replace(self, status="running", host=event.host_instance_id)
        if isinstance(event, SandboxStopped):
            return replace(self, status="stopped", host=None)
        if isinstance(event, SandboxFailed):
            return replace(self, status="failed", host=None)
        if isinstance(event, SandboxDeleted):
            return replace(self, status="deleted", host=None)
        return self

    def info(self, message: str = "") -> SandboxInfo:
        assert self.status is not None
        return SandboxInfo(
            sandbox_id=self.sandbox_id,
            project_id=self.project_id,
            status=self.status,
            host_instance_id=self.host,
            app_type=as_app_type(self.app_type),
            preview_token=self.preview_token,
            message=message,
        )


def fold(sandbox_id: str, events: Iterable[Event]) -> Sandbox:
    state = Sandbox(sandbox_id=sandbox_id)
    for event in events:
        state = state.apply(event)
    return state


def owned_by(state: Sandbox, user_id: str) -> bool:
    return state.exists and state.user_id == user_id


def create(command: EnsureSandbox) -> SandboxCreated:
    return SandboxCreated(
        sandbox_id=sandbox_id_for(command.project_id),
        project_id=command.project_id,
        user_id=command.user_id,
        app_type=command.app_type,
        preview_token=secrets.token_urlsafe(24),
    )


def start_here(state: Sandbox, me: str, *, host_alive: bool) -> list[Event]:
    """Events that leave ``state`` running on ``me``: nothing if it already runs on a live host."""
    ids = {"sandbox_id": state.sandbox_id, "project_id": state.project_id, "user_id": state.user_id}
    if state.status == "running" and state.host is not None:
        if state.host == me or host_alive:
            return []
        return [
            SandboxStopped(**ids, host_instance_id=state.host, reason="host_lost"),
            SandboxStarted(**ids, host_instance_id=me),
        ]
    return [SandboxStarted(**ids, host_instance_id=me)]


def stopped(state: Sandbox, reason: str) -> SandboxStopped:
    return SandboxStopped(
        sandbox_id=state.sandbox_id,
        project_id=state.project_id,
        user_id=state.user_id,
        host_instance_id=state.host or "",
        reason=reason,
    )


def failed(state: Sandbox, me: str, reason: str) -> SandboxFailed:
    return SandboxFailed(
        sandbox_id=state.sandbox_id,
        project_id=state.project_id,
        user_id=state.user_id,
        host_instance_id=me,
        reason=reason,
    )


def deleted(state: Sandbox) -> SandboxDeleted:
    return SandboxDeleted(sandbox_id=state.sandbox_id, project_id=state.project_id, user_id=state.user_id)
