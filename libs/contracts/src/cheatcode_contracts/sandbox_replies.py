"""Typed reply models of the sandbox commands: the ``result`` of their ``CommandReply``.

Which reply answers which command is :data:`cheatcode_contracts.sandbox.REPLIES`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from cheatcode_contracts.projects import AppType

SandboxStatus = Literal["creating", "running", "stopped", "deleted", "failed"]


class _Reply(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)


class SandboxInfo(_Reply):
    sandbox_id: str
    project_id: str
    status: SandboxStatus
    host_instance_id: str | None = None
    app_type: AppType = "web"
    preview_token: str = ""
    message: str = ""


class SandboxDeletedResult(_Reply):
    sandbox_id: str
    deleted: bool


class ExecuteResult(_Reply):
    """Blocking: output/exit_code. Non-blocking: session_name/command_id (the command keeps running)."""

    blocking: bool
    output: str = ""
    exit_code: int | None = None
    success: bool = False
    timed_out: bool = False
    truncated: bool = False
    session_name: str | None = None
    command_id: str | None = None


class SessionCommandInfo(_Reply):
    command_id: str
    command: str
    exit_code: int | None  # None while running
    running: bool
    logs: str  # the last MAX_OUTPUT_BYTES of combined stdout/stderr


class SessionStatus(_Reply):
    session_name: str
    commands: list[SessionCommandInfo]
    total_commands: int


class SessionList(_Reply):
    sessions: list[SessionStatus]


class KillSessionResult(_Reply):
    session_name: str
    killed: int


class FileWritten(_Reply):
    path: str
    size: int


class FileChunk(_Reply):
    path: str
    offset: int
    size: int  # total size of the file
    content_b64: str
    eof: bool


class FileEntry(_Reply):
    name: str
    path: str
    is_dir: bool
    size: int
    mod_time: str
    permissions: str


class FileListing(_Reply):
    files: list[FileEntry]


class FileDeletedResult(_Reply):
    path: str
    deleted: bool


class FileTreeResult(_Reply):
    tree: list[dict[str, Any]]
    total_files: int = Field(alias="totalFiles")
    base_path: str = Field(alias="basePath")


class ArchiveInfo(_Reply):
    archive_id: str
    size: int
    host_instance_id: str


class PreviewTarget(_Reply):
    """An HTTP origin (``http://host:port``) and the path prefix under which it serves the sandbox port."""

    origin: str
    path_prefix: str
    host_instance_id: str


class AbandonedCleanup(_Reply):
    """What one ``CleanAbandonedSandboxes`` did, summed over the replicas that swept."""

    stopped: int  # sandboxes stopped now for being idle
    sandbox_ids: list[str] = Field(default_factory=list)  # which
    archives_removed: int = 0  # archives nobody finished fetching within their hour
    hosts: list[str] = Field(default_factory=list)  # replicas that swept their own sandboxes
    hosts_unreachable: list[str] = Field(default_factory=list)  # replicas that did not answer
