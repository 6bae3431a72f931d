"""``/api/admin/*`` audit and replay routes (admin key as ``X-API-Key`` or ``X-Admin-Api-Key``).

* ``GET /admin/events`` — events by aggregate, kind, type, user, time range; paged by sequence.
* ``GET /admin/runs/{id}/frames?from=`` — the exact frames SSE clients of the run were sent.
* ``GET /admin/runs/{id}/timeline`` — the run's lifecycle, messages, usage, charges and frames.
* ``GET /admin/aggregates/{kind}/{id}?at_seq=`` — the aggregate folded up to a sequence.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query

from cheatcode_api.entrypoint.deps import AdminAccess, ContainerDep
from cheatcode_api.entrypoint.routes.ids import uuid_or_404
from cheatcode_api.handlers import audit
from cheatcode_api.ports.audit import MAX_PAGE, EventQuery
from cheatcode_contracts.audit import FoldAggregate, FoldedAggregate

router = APIRouter(prefix="/admin", tags=["admin"])


async def audit_deps(container: ContainerDep) -> audit.AuditDeps:
    if container.audit is None or container.log_reader is None:
        raise HTTPException(status_code=503, detail="The audit log is not available on this API process")
    return audit.AuditDeps(audit=container.audit, log=container.log_reader)


Deps = Annotated[audit.AuditDeps, Depends(audit_deps)]


@router.get("/events")
async def events(
    _: AdminAccess,
    deps: Deps,
    aggregate: Annotated[str | None, Query(description="kind:id, e.g. thread:<uuid>")] = None,
    kind: str | None = None,
    type: str | None = None,
    user: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after: Annotated[int, Query(ge=0, description="page after this stream sequence")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> dict[str, Any]:
    aggregate_id = None
    if aggregate is not None:
        kind, sep, aggregate_id = aggregate.partition(":")
        if not sep or not kind or not aggregate_id:
            raise HTTPException(status_code=422, detail="aggregate must be kind:id")
    query = EventQuery(kind, aggregate_id, type, user, since, until, after, limit)
    return await audit.events_page(deps, query)


@router.get("/runs/{run_id}/frames")
async def run_frames(
    _: AdminAccess, deps: Deps, run_id: str, from_: Annotated[int, Query(alias="from", ge=0)] = 0
) -> dict[str, Any]:
    return await audit.run_frames(deps, uuid_or_404(run_id, audit.NOT_FOUND), from_)  # ids name subjects


@router.get("/runs/{run_id}/timeline")
async def run_timeline(_: AdminAccess, deps: Deps, run_id: str) -> dict[str, Any]:
    try:
        return await audit.run_timeline(deps, uuid_or_404(run_id, audit.NOT_FOUND))
    except audit.RunNotFoundError as error:
        raise HTTPException(status_code=404, detail=str(error)) from None


@router.get("/aggregates/{kind}/{aggregate_id}")
async def aggregate_at(
    _: AdminAccess,
    container: ContainerDep,
    kind: str,
    aggregate_id: str,
    at_seq: Annotated[int | None, Query(ge=1)] = None,
) -> dict[str, Any]:
    command = FoldAggregate(kind=kind, aggregate_id=aggregate_id, at_seq=at_seq)
    folded: FoldedAggregate = await container.commands.ask(command, FoldedAggregate)
    return folded.model_dump(mode="json")
