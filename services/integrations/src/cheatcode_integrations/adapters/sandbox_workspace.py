"""The workspace port over the sandbox service's commands (ListFiles, ReadFile in 512 KiB chunks)."""

from __future__ import annotations

from cheatcode_contracts import ErrorCode
from cheatcode_contracts.sandbox import FileChunk, FileListing, ListFiles, ReadFile, b64decode
from cheatcode_integrations.ports.workspace import (
    Workspace,
    WorkspaceEntry,
    WorkspaceNotFoundError,
    WorkspaceUnavailableError,
)
from cheatcode_runtime.nats import CommandClient
from cheatcode_runtime.nats.command_client import CommandRejectedError, CommandUnavailableError


class SandboxWorkspace(Workspace):
    def __init__(self, commands: CommandClient) -> None:
        self._commands = commands

    async def list_dir(self, sandbox_id: str, path: str) -> list[WorkspaceEntry]:
        listing = await self._ask_listing(ListFiles(sandbox_id=sandbox_id, path=path))
        return [WorkspaceEntry(name=f.name, path=f.path, is_dir=f.is_dir, size=f.size) for f in listing.files]

    async def read_file(self, sandbox_id: str, path: str) -> bytes:
        parts: list[bytes] = []
        offset = 0
        while True:
            chunk = await self._ask_chunk(ReadFile(sandbox_id=sandbox_id, path=path, offset=offset))
            data = b64decode(chunk.content_b64)
            parts.append(data)
            offset += len(data)
            if chunk.eof or not data:
                return b"".join(parts)

    async def _ask_listing(self, command: ListFiles) -> FileListing:
        try:
            return await self._commands.ask(command, FileListing)
        except CommandRejectedError as error:
            raise _translate(error) from error
        except CommandUnavailableError as error:
            raise WorkspaceUnavailableError(str(error)) from error

    async def _ask_chunk(self, command: ReadFile) -> FileChunk:
        try:
            return await self._commands.ask(command, FileChunk)
        except CommandRejectedError as error:
            raise _translate(error) from error
        except CommandUnavailableError as error:
            raise WorkspaceUnavailableError(str(error)) from error


def _translate(error: CommandRejectedError) -> Exception:
    if error.code == ErrorCode.NOT_FOUND:
        return WorkspaceNotFoundError(error.detail)
    if error.code in (ErrorCode.UNAVAILABLE, ErrorCode.CONFLICT, ErrorCode.INTERNAL):
        return WorkspaceUnavailableError(error.detail)
    return WorkspaceNotFoundError(error.detail)
