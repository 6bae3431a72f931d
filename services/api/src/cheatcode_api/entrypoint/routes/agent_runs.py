"""Agent runs: start, stop, read, and the SSE stream of a run's output (reference §7, §8)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from pydantic import BaseModel, ConfigDict

from cheatcode_api.entrypoint.deps import ContainerDep, CurrentUser, Deps, StreamUser
from cheatcode_api.entrypoint.routes.ids import uuid_or_404
from cheatcode_api.entrypoint.routes.sandboxes import Deps as SandboxDepsDep
from cheatcode_api.entrypoint.schemas import run_details, run_list, run_queued, run_status, run_stopping
from cheatcode_api.handlers import agent_runs, billing_gate, initiate
from cheatcode_api.handlers.threads import NOT_FOUND as THREAD_NOT_FOUND
from cheatcode_api.streaming import SseResponse, parse_last_event_id
from cheatcode_contracts.runs import TERMINAL_STATUSES

router = APIRouter(tags=["agent runs"])


class AgentStartIn(BaseModel):
    """Every field optional, as the original (§7.1); unknown fields are ignored like it did."""

    model_config = ConfigDict(extra="ignore")

    model_name: str | None = None
    enable_thinking: bool | None = False
    reasoning_effort: str | None = "low"
    stream: bool | None = True
    enable_context_manager: bool | None = True
    app_type: str | None = None


@router.post("/thread/{thread_id}/agent/start")
async def start_agent(
    thread_id: str, user: CurrentUser, deps: Deps, container: ContainerDep, body: AgentStartIn | None = None
) -> dict[str, str]:
    body = body or AgentStartIn()
    await billing_gate.ensure_run_allowed(
        deps, container.model_catalog, user.user_id, model=body.model_name, thread_id=thread_id
    )
    run_id = await agent_runs.start_run(
        deps,
        user.user_id,
        uuid_or_404(thread_id, THREAD_NOT_FOUND),
        model_name=body.model_name,
        app_type=body.app_type,
        options=body.model_dump(exclude={"model_name", "app_type"}),
    )
    return run_queued(run_id)


@router.post("/agent-run/{agent_run_id}/stop")
async def stop_agent(agent_run_id: str, user: CurrentUser, deps: Deps, container: ContainerDep) -> dict[str, str]:
    run_id = uuid_or_404(agent_run_id, agent_runs.NOT_FOUND)
    await agent_runs.stop_run(deps, container.run_reads, user.user_id, run_id)
    return run_stopping(run_id)


@router.get("/agent-run/{agent_run_id}")
async def get_agent_run(agent_run_id: str, user: CurrentUser, container: ContainerDep) -> dict[str, Any]:
    run_id = uuid_or_404(agent_run_id, agent_runs.NOT_FOUND)
    return run_details(await agent_runs.get_run(container.run_reads, user.user_id, run_id))


@router.get("/agent-run/{agent_run_id}/status")
async def get_agent_run_status(agent_run_id: str, user: CurrentUser, container: ContainerDep) -> dict[str, Any]:
    run_id = uuid_or_404(agent_run_id, agent_runs.NOT_FOUND)
    return run_status(await agent_runs.get_run(container.run_reads, user.user_id, run_id))


@router.get("/thread/{thread_id}/agent-runs")
async def list_agent_runs(thread_id: str, user: CurrentUser, deps: Deps, container: ContainerDep) -> dict[str, Any]:
    thread = uuid_or_404(thread_id, THREAD_NOT_FOUND)
    rows = await agent_runs.list_thread_runs(deps, container.run_reads, user.user_id, thread)
    return run_list(rows)


@router.get("/agent-run/{agent_run_id}/stream", response_class=Response)
async def stream_agent_run(
    agent_run_id: str,
    request: Request,
    user: StreamUser,
    container: ContainerDep,
    last_event_id: str | None = None,
) -> Response:
    """SSE: replay from ``Last-Event-ID`` (header or ``last_event_id``), follow live, close after the terminal frame."""
    run_id = uuid_or_404(agent_run_id, agent_runs.NOT_FOUND)
    run = await agent_runs.get_run(container.run_reads, user.user_id, run_id)
    hub = container.run_streams
    after = parse_last_event_id(request.headers.get("last-event-id"), last_event_id)
    if after and await hub.is_past_terminal(run_id, after):
        return Response(status_code=204)  # stops EventSource's reconnect loop for good
    client = await hub.open(run_id, after)
    if run.status in TERMINAL_STATUSES:
        # Ended runs always end with a terminal frame; if the output expired or a crashed worker
        # never wrote one, close with the read model's status instead of pinging forever.
        hub.finish_if_silent(client, run.status, run.error or "")
    return SseResponse(hub, client)


@router.post("/agent/initiate")
async def initiate_agent(
    user: CurrentUser,
    deps: Deps,
    container: ContainerDep,
    sandboxes: SandboxDepsDep,
    prompt: Annotated[str, Form()],
    files: Annotated[list[UploadFile] | None, File(alias="files[]")] = None,
    more_files: Annotated[list[UploadFile] | None, File(alias="files")] = None,
    model_name: Annotated[str | None, Form()] = None,
    app_type: Annotated[str, Form()] = "web",
    enable_thinking: Annotated[bool, Form()] = False,
    reasoning_effort: Annotated[str, Form()] = "low",
    stream: Annotated[bool, Form()] = True,
    enable_context_manager: Annotated[bool, Form()] = True,
) -> dict[str, str]:
    """Multipart (reference §7.2); also returns ``project_id``. Uploads may be any file type."""
    uploads = []
    for upload in [*(files or []), *(more_files or [])]:
        data = await upload.read(initiate.MAX_FILE_BYTES + 1)
        uploads.append(initiate.Upload(upload.filename or "upload", data))
    options = {
        "enable_thinking": enable_thinking,
        "reasoning_effort": reasoning_effort,
        "stream": stream,
        "enable_context_manager": enable_context_manager,
    }
    await billing_gate.ensure_run_allowed(deps, container.model_catalog, user.user_id, model=model_name or None)
    return await initiate.initiate(
        deps,
        sandboxes,
        user.user_id,
        prompt=prompt,
        uploads=uploads,
        model_name=model_name,
        app_type=app_type,
        options=options,
    )
