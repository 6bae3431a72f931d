"""``/api/sandboxes/*`` and ``/api/project/{project_id}/sandbox/ensure-active`` (reference §9.2).

Every route needs a bearer token (401) and the caller must own the sandbox's project; any other
sandbox, including one that does not exist, is 404 ``Sandbox not found``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from cheatcode_api.domain.rows import SandboxRow
from cheatcode_api.entrypoint import schemas
from cheatcode_api.entrypoint.deps import ContainerDep, CurrentUser
from cheatcode_api.entrypoint.routes import dev_server_stream
from cheatcode_api.entrypoint.routes.ids import uuid_or_404
from cheatcode_api.handlers import sandboxes as use
from cheatcode_api.handlers.errors import NotFoundError
from cheatcode_api.ports.commands import CommandBusUnavailableError, CommandRejectedError
from cheatcode_contracts import ErrorCode, sandbox as sb

router = APIRouter(tags=["sandboxes"])


async def sandbox_deps(container: ContainerDep) -> use.SandboxDeps:
    return container.sandbox_deps


Deps = Annotated[use.SandboxDeps, Depends(sandbox_deps)]


async def owned(sandbox_id: str, user: CurrentUser, deps: Deps) -> SandboxRow:
    return await use.owned_sandbox(deps, user.user_id, uuid_or_404(sandbox_id, use.SANDBOX_NOT_FOUND))


Owned = Annotated[SandboxRow, Depends(owned)]


class ExecuteIn(BaseModel):
    command: str = Field(min_length=1, max_length=100_000)
    timeout: int = Field(default=60, ge=1, le=sb.MAX_TIMEOUT_SECONDS)
    blocking: bool = True
    session_name: str | None = Field(default=None, min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.-]+$")
    cwd: str | None = Field(default=None, max_length=4096)


@router.post("/project/{project_id}/sandbox/ensure-active")
async def ensure_active(project_id: str, user: CurrentUser, deps: Deps) -> dict[str, Any]:
    info = await use.ensure_active(deps, user.user_id, uuid_or_404(project_id, use.PROJECT_NOT_FOUND))
    return schemas.sandbox_active(info)


@router.post("/sandboxes/{sandbox_id}/files")
async def upload_file(
    row: Owned, deps: Deps, path: Annotated[str, Form()], file: Annotated[UploadFile, File()]
) -> dict[str, Any]:
    async def chunks() -> AsyncIterator[bytes]:
        while chunk := await file.read(sb.MAX_CHUNK_BYTES):
            yield chunk

    return schemas.file_created(await use.upload(deps, row, path, chunks()))


@router.get("/sandboxes/{sandbox_id}/files")
async def list_files(row: Owned, deps: Deps, path: Annotated[str, Query(min_length=1)]) -> dict[str, Any]:
    listing = await deps.commands.ask(sb.ListFiles(sandbox_id=row.sandbox_id, path=path), sb.FileListing)
    return schemas.file_listing(listing)


@router.get("/sandboxes/{sandbox_id}/files/tree")
async def file_tree(row: Owned, deps: Deps, path: str | None = None) -> dict[str, Any]:
    result = await deps.commands.ask(sb.FileTree(sandbox_id=row.sandbox_id, path=path or None), sb.FileTreeResult)
    return result.model_dump(by_alias=True)


@router.get("/sandboxes/{sandbox_id}/files/content")
async def file_content(row: Owned, deps: Deps, path: Annotated[str, Query(min_length=1)]) -> Response:
    try:
        data = await use.read_all(deps, row, path)
    except CommandRejectedError as error:
        if error.code is ErrorCode.NOT_FOUND:
            raise NotFoundError(f"Failed to download file: {error.detail}") from None
        raise
    name = path.rstrip("/").rsplit("/", 1)[-1] or "file"
    disposition = f"attachment; filename*=UTF-8''{quote(name)}"
    return Response(data, media_type="application/octet-stream", headers={"Content-Disposition": disposition})


@router.get("/sandboxes/{sandbox_id}/download-archive")
async def download_archive(row: Owned, deps: Deps) -> Response:
    data = await use.archive(deps, row)
    disposition = f'attachment; filename="{use.archive_name(row.project_name)}"'
    return Response(data, media_type="application/zip", headers={"Content-Disposition": disposition})


@router.delete("/sandboxes/{sandbox_id}/files")
async def delete_file(row: Owned, deps: Deps, path: Annotated[str, Query(min_length=1)]) -> dict[str, Any]:
    result = await deps.commands.ask(sb.DeleteFile(sandbox_id=row.sandbox_id, path=path), sb.FileDeletedResult)
    return schemas.file_deleted(result.path)


@router.delete("/sandboxes/{sandbox_id}")
async def delete_sandbox(row: Owned, deps: Deps) -> dict[str, Any]:
    reply = await deps.commands.send(sb.DeleteSandbox(sandbox_id=row.sandbox_id))
    await deps.waiter.wait_for(use.PROJECTION, reply.position)
    return schemas.sandbox_deleted(row.sandbox_id)


@router.post("/sandboxes/{sandbox_id}/execute")
async def execute(row: Owned, deps: Deps, body: ExecuteIn) -> dict[str, Any]:
    return schemas.executed(await use.execute(deps, row, body.model_dump(exclude_none=True)))


@router.get("/sandboxes/{sandbox_id}/sessions/{session_name}/status")
async def session_status(row: Owned, deps: Deps, session_name: str) -> dict[str, Any]:
    return schemas.session_status(await use.session_status(deps, row, session_name))


@router.get("/sandboxes/{sandbox_id}/preview-url")
async def preview_url(row: Owned, deps: Deps, request: Request) -> dict[str, Any]:
    port = use.preview_port(row)
    try:
        listening = await use.port_open(deps, row, port)
    except (CommandRejectedError, CommandBusUnavailableError):
        return schemas.preview(None, "error")
    if not listening:
        return schemas.preview(None, "dev_server_not_running")
    return schemas.preview(use.preview_url(str(request.base_url), row, port), "available")


@router.get("/sandboxes/{sandbox_id}/expo-url")
async def expo_url(row: Owned, deps: Deps, request: Request) -> dict[str, Any]:
    if row.app_type != "mobile":
        return schemas.expo_unavailable("not_mobile_project", "Expo URLs exist only for mobile projects")
    if not await use.port_open(deps, row, use.preview_port(row)):
        message = "Expo URL not yet available. The dev server may still be starting."
        return schemas.expo_unavailable("not_ready", message)
    http_url = use.preview_url(str(request.base_url), row, use.preview_port(row))
    expo = "exp://" + http_url.split("://", 1)[1].rstrip("/")
    return schemas.expo_available(expo, http_url)


@router.get("/sandboxes/{sandbox_id}/dev-server/stream")
async def dev_server(
    row: Owned, deps: Deps, request: Request, session_name: str = "dev_server_web", app_type: str = "web"
) -> StreamingResponse:
    events = dev_server_stream.events(deps, row, session_name, app_type, str(request.base_url))
    return StreamingResponse(events, media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
