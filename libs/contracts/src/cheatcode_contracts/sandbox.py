"""Sandboxes: one isolated workspace per project, its lifecycle events and its NATS commands.

Events (stream EVENTS, subject ``cc.evt.sandbox.<sandbox_id>``): SandboxCreated, SandboxStarted,
SandboxStopped, SandboxDeleted, SandboxFailed. A project's sandbox id is derived from its project
id (:func:`sandbox_id_for`), so two concurrent ``EnsureSandbox`` calls race on one subject and the
event store's optimistic concurrency keeps exactly one sandbox per project.

Commands are NATS request/reply. Every request body is the command's JSON (headers ``Cc-Type``,
``Cc-Version``); every answer is a :class:`~cheatcode_contracts.base.CommandReply` whose ``result``
is the typed reply model of :data:`REPLIES` (decode it with :func:`parse_reply`). Subjects:

* ``cc.cmd.sandbox.<type_name>`` (e.g. ``cc.cmd.sandbox.sandbox.execute``): answered by any
  sandbox replica (queue group ``sandbox``). The replica that takes a per-sandbox request forwards it
  to the replica hosting the sandbox; if that host no longer answers, the sandbox is marked stopped
  and restarted on the replica that took the request (its workspace lives on shared storage).
* ``cc.cmd.sandbox.host.<instance_id>.<type_name>`` (:func:`host_subject`): answered only by that
  replica. ``SandboxInfo.host_instance_id`` names it; callers may use it to skip the forward hop.
* ``cc.cmd.sandbox.host.<instance_id>.ping``: liveness of one replica (a host that does not answer
  within a second is considered gone).

A blocking ``ExecuteCommand`` asks for heartbeats (``Command.heartbeat_seconds``): sent with the
header ``Cc-Heartbeat: 2``, the replica working on it publishes an empty ``Cc-Progress: working``
message to the reply subject every 2 s until the reply, so a caller notices a dead replica in
seconds rather than after the command's timeout (``cheatcode_runtime.nats.heartbeats``).

Byte payloads travel base64-encoded in JSON. NATS caps a message at 1 MiB by default, so one
request or reply carries at most :data:`MAX_CHUNK_BYTES` (512 KiB) of raw bytes: large files are
written with ``WriteFile(append=True)`` chunks and read with ``ReadFile(offset=, length=)``; archives
are built on the host (``CreateArchive``) and fetched with ``ReadArchive`` chunks from that host.

Paths are either absolute inside the sandbox (``/workspace/...``) or relative to the app directory
(``/workspace/cheatcode-app`` for web, ``/workspace/cheatcode-mobile`` for mobile). Anything that
resolves outside ``/workspace`` (``..``, other absolute paths, symlinks pointing out) is refused with
``ErrorCode.INVALID``; a missing file gives ``ErrorCode.NOT_FOUND``.
"""

from __future__ import annotations

import base64
import uuid
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, Field

from cheatcode_contracts.base import Command, CommandReply, Event
from cheatcode_contracts.projects import AppType, as_app_type

# Re-exported: callers take commands and their replies from this one module.
from cheatcode_contracts.sandbox_replies import (
    AbandonedCleanup as AbandonedCleanup,
    ArchiveInfo as ArchiveInfo,
    ExecuteResult as ExecuteResult,
    FileChunk as FileChunk,
    FileDeletedResult as FileDeletedResult,
    FileEntry as FileEntry,
    FileListing as FileListing,
    FileTreeResult as FileTreeResult,
    FileWritten as FileWritten,
    KillSessionResult as KillSessionResult,
    PreviewTarget as PreviewTarget,
    SandboxDeletedResult as SandboxDeletedResult,
    SandboxInfo as SandboxInfo,
    SandboxStatus as SandboxStatus,
    SessionCommandInfo as SessionCommandInfo,
    SessionList as SessionList,
    SessionStatus as SessionStatus,
)
from cheatcode_contracts.subjects import COMMAND_PREFIX, _token

SANDBOX = "sandbox"
SERVICE = "sandbox"
QUEUE_GROUP = "sandbox"
WORKSPACE_ROOT = "/workspace"
MAX_CHUNK_BYTES = 512 * 1024
MAX_OUTPUT_BYTES = 256 * 1024
MAX_TIMEOUT_SECONDS = 3600
SANDBOX_REPLY_SECONDS = 30.0  # a sandbox may start (or move host) before it answers
HEARTBEAT_SECONDS = 2.0  # a long command's host says "still working" this often

WriteMode = Literal["write", "create", "rewrite"]

_NAMESPACE = uuid.UUID("6f1c1e0a-5d2b-4c55-9a53-3c1f4b0d9e11")


def sandbox_id_for(project_id: str) -> str:
    """The one sandbox id a project can have: stable, so creation races resolve on one subject."""
    return str(uuid.uuid5(_NAMESPACE, project_id))


APP_DIRS: dict[AppType, str] = {
    "web": f"{WORKSPACE_ROOT}/cheatcode-app",
    "mobile": f"{WORKSPACE_ROOT}/cheatcode-mobile",
}


def app_dir(app_type: object) -> str:
    """The default working directory inside the sandbox (the original's "default workspace")."""
    return APP_DIRS[as_app_type(app_type)]


def instance_token(instance_id: str) -> str:
    """An instance id made safe for one subject token (host names may contain dots)."""
    return _token(instance_id.replace(".", "_").replace(" ", "_"))


def host_subject(instance_id: str, type_name: str) -> str:
    """Subject answered only by the replica ``instance_id``."""
    return f"{COMMAND_PREFIX}.{SERVICE}.host.{instance_token(instance_id)}.{type_name}"


def host_ping_subject(instance_id: str) -> str:
    return host_subject(instance_id, "ping")


def shared_commands_filter() -> str:
    """What every replica subscribes to in the queue group."""
    return f"{COMMAND_PREFIX}.{SERVICE}.{SANDBOX}.>"


def host_commands_filter(instance_id: str) -> str:
    return f"{COMMAND_PREFIX}.{SERVICE}.host.{instance_token(instance_id)}.>"


def _without_nul(text: str) -> str:
    # The kernel takes argv, paths and environment as C strings: a NUL would cut them short.
    if "\x00" in text:
        raise ValueError("must not contain a NUL byte")
    return text


NoNulText = Annotated[str, AfterValidator(_without_nul)]


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


# --- events -------------------------------------------------------------------------------------


class _SandboxEvent(Event):
    aggregate_kind: ClassVar[str] = SANDBOX
    aggregate_field: ClassVar[str] = "sandbox_id"

    sandbox_id: str
    project_id: str
    user_id: str


class SandboxCreated(_SandboxEvent):
    """A workspace was allocated. ``preview_token`` is the secret part of its preview URLs."""

    type_name: ClassVar[str] = "sandbox.created"

    app_type: AppType = "web"
    preview_token: str


class SandboxStarted(_SandboxEvent):
    type_name: ClassVar[str] = "sandbox.started"

    host_instance_id: str


class SandboxStopped(_SandboxEvent):
    """``reason``: ``requested``, ``host_shutdown``, ``host_lost`` (found dead by another replica) or
    ``idle`` (unused past the idle threshold, :class:`CleanAbandonedSandboxes`)."""

    type_name: ClassVar[str] = "sandbox.stopped"

    host_instance_id: str
    reason: str = "requested"


class SandboxDeleted(_SandboxEvent):
    type_name: ClassVar[str] = "sandbox.deleted"


class SandboxFailed(_SandboxEvent):
    type_name: ClassVar[str] = "sandbox.failed"

    host_instance_id: str
    reason: str


# --- commands -----------------------------------------------------------------------------------


class EnsureSandbox(Command):
    """Create the project's sandbox if missing and start it if not running (idempotent)."""

    type_name: ClassVar[str] = "sandbox.ensure"

    project_id: str
    user_id: str
    app_type: AppType = "web"

    def reply_timeout(self, default: float) -> float:
        return max(default, SANDBOX_REPLY_SECONDS)


class SandboxRequest(Command):
    """A request about one existing sandbox; routed to the replica hosting it."""

    sandbox_id: str

    def reply_timeout(self, default: float) -> float:
        # Workspace I/O (archives, large trees) may take longer than a read-model command.
        return max(default, SANDBOX_REPLY_SECONDS)


class DeleteSandbox(SandboxRequest):
    type_name: ClassVar[str] = "sandbox.delete"


class ExecuteCommand(SandboxRequest):
    """Run ``command`` with ``bash -c`` (PATH starts with the app's node_modules/.bin).

    Blocking: wait up to ``timeout`` s. Else: start it in a named session and return at once.
    """

    type_name: ClassVar[str] = "sandbox.execute"

    command: NoNulText = Field(min_length=1, max_length=100_000)
    cwd: NoNulText | None = None
    timeout: int = Field(default=60, ge=1, le=MAX_TIMEOUT_SECONDS)
    blocking: bool = True
    session_name: str | None = Field(default=None, min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.-]+$")

    def reply_timeout(self, default: float) -> float:
        if self.blocking:  # the command may use its whole timeout before the reply is sent
            return max(default, self.timeout + SANDBOX_REPLY_SECONDS)
        return super().reply_timeout(default)

    def heartbeat_seconds(self) -> float | None:
        # A blocking command may run for its whole timeout: its host's death must show in seconds.
        return HEARTBEAT_SECONDS if self.blocking else None


class GetSessionStatus(SandboxRequest):
    type_name: ClassVar[str] = "sandbox.session_status"

    session_name: str = Field(min_length=1, max_length=128)


class ListSessions(SandboxRequest):
    """Every session of the sandbox on its host, with its commands (the agent's ``list_commands``)."""

    type_name: ClassVar[str] = "sandbox.list_sessions"


class KillSession(SandboxRequest):
    """Terminate every running command of a session (the agent's ``terminate_command``)."""

    type_name: ClassVar[str] = "sandbox.kill_session"

    session_name: str = Field(min_length=1, max_length=128)


class WriteFile(SandboxRequest):
    """Write a file (parents created); ``append`` adds a further chunk to it.

    ``mode``: ``write`` creates or replaces; ``create`` fails with ``conflict`` if the file exists;
    ``rewrite`` fails with ``not_found`` if it does not. ``permissions`` is octal (``"644"``).
    """

    type_name: ClassVar[str] = "sandbox.write_file"

    path: str = Field(min_length=1, max_length=4096)
    content_b64: str = Field(max_length=(MAX_CHUNK_BYTES * 4) // 3 + 4)
    append: bool = False
    mode: WriteMode = "write"
    permissions: str | None = Field(default=None, pattern=r"^[0-7]{3,4}$")


class ReadFile(SandboxRequest):
    type_name: ClassVar[str] = "sandbox.read_file"

    path: str = Field(min_length=1, max_length=4096)
    offset: int = Field(default=0, ge=0)
    length: int = Field(default=MAX_CHUNK_BYTES, ge=1, le=MAX_CHUNK_BYTES)


class ListFiles(SandboxRequest):
    type_name: ClassVar[str] = "sandbox.list_files"

    path: str = Field(min_length=1, max_length=4096)


class DeleteFile(SandboxRequest):
    """Delete a file, or a directory with everything under it."""

    type_name: ClassVar[str] = "sandbox.delete_file"

    path: str = Field(min_length=1, max_length=4096)


class MoveFile(SandboxRequest):
    """Rename a regular file within the workspace, replacing a file at ``destination`` (atomic).

    An upload is written under a temporary name and moved into place when complete, so a
    rejected or interrupted upload never leaves a partial file where the caller asked for it.
    """

    type_name: ClassVar[str] = "sandbox.move_file"

    source: NoNulText = Field(min_length=1, max_length=4096)
    destination: NoNulText = Field(min_length=1, max_length=4096)


class FileTree(SandboxRequest):
    type_name: ClassVar[str] = "sandbox.file_tree"

    path: str | None = None


class CreateArchive(SandboxRequest):
    """Zip the workspace (without node_modules, .git, build output) on the host; fetch with ReadArchive."""

    type_name: ClassVar[str] = "sandbox.create_archive"


class ReadArchive(SandboxRequest):
    """One chunk of an archive; must go to ``ArchiveInfo.host_instance_id``. Last chunk deletes it."""

    type_name: ClassVar[str] = "sandbox.read_archive"

    archive_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    offset: int = Field(default=0, ge=0)
    length: int = Field(default=MAX_CHUNK_BYTES, ge=1, le=MAX_CHUNK_BYTES)


class GetPreviewTarget(SandboxRequest):
    """Where the API's preview proxy connects to reach ``port`` inside the sandbox."""

    type_name: ClassVar[str] = "sandbox.preview_target"

    port: int = Field(ge=1, le=65535)


class CleanAbandonedSandboxes(Command):
    """Scheduled maintenance (``clean-abandoned-sandboxes``): stop every sandbox unused for
    ``idle_seconds`` (default: the service's ``CHEATCODE_SANDBOX_IDLE_SECONDS``) and delete archives
    nobody finished fetching. The replica that takes it sweeps its own sandboxes and asks every other
    replica hosting one to sweep its own (``this_host_only``); the workspaces stay. Reply:
    :class:`AbandonedCleanup`."""

    type_name: ClassVar[str] = "sandbox.clean_abandoned"

    idle_seconds: float | None = Field(default=None, gt=0)
    this_host_only: bool = False

    def reply_timeout(self, default: float) -> float:
        return max(default, 60.0)  # stops sandboxes on every host


EVENTS: tuple[type[Event], ...] = (SandboxCreated, SandboxStarted, SandboxStopped, SandboxDeleted, SandboxFailed)

REPLIES: dict[type[Command], type[BaseModel]] = {
    EnsureSandbox: SandboxInfo,
    DeleteSandbox: SandboxDeletedResult,
    ExecuteCommand: ExecuteResult,
    GetSessionStatus: SessionStatus,
    ListSessions: SessionList,
    KillSession: KillSessionResult,
    WriteFile: FileWritten,
    ReadFile: FileChunk,
    ListFiles: FileListing,
    DeleteFile: FileDeletedResult,
    MoveFile: FileWritten,
    FileTree: FileTreeResult,
    CreateArchive: ArchiveInfo,
    ReadArchive: FileChunk,
    GetPreviewTarget: PreviewTarget,
    CleanAbandonedSandboxes: AbandonedCleanup,
}
COMMANDS: tuple[type[Command], ...] = tuple(REPLIES)


def reply_result(model: BaseModel) -> dict[str, Any]:
    """The ``CommandReply.result`` of a typed reply (JSON-ready, aliases used)."""
    return model.model_dump(mode="json", by_alias=True)


def parse_reply(command: type[Command] | Command, reply: CommandReply) -> Any:
    """The typed reply model of a successful ``reply`` to ``command``."""
    model = command if isinstance(command, type) else type(command)
    if not reply.ok:
        raise ValueError(f"{model.type_name} failed: {reply.error}")
    return REPLIES[model].model_validate(reply.result)
