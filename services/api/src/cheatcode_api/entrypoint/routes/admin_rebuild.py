"""``POST /api/admin/read-models/rebuild`` (admin key): rebuild every read model with proof.

Projects the whole log into a shadow schema while the live one keeps serving, compares both
row for row at one checkpoint, and swaps only when they are equal (``{"swap": false}``: compare
only). Answers with the report once done; ``python -m cheatcode_api rebuild-read-models`` runs
the same code.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

from cheatcode_api.entrypoint.deps import AdminAccess, ContainerDep
from cheatcode_api.ports.rebuild import RebuildInProgressError, RebuildReport

router = APIRouter(prefix="/admin", tags=["admin"])


class RebuildRequest(BaseModel):
    swap: bool = True  # False: build and compare, never swap


def report_json(report: RebuildReport) -> dict[str, Any]:
    body = dataclasses.asdict(report)
    body["events_per_second"] = round(report.events_per_second, 1)
    body["differences"] = [table.table for table in report.differences]
    return body


@router.post("/read-models/rebuild")
async def rebuild_read_models(
    _: AdminAccess, container: ContainerDep, request: RebuildRequest | None = None
) -> dict[str, Any]:
    if container.rebuilder is None:
        raise HTTPException(status_code=503, detail="Read-model rebuilds are not available on this API process")
    try:
        report = await container.rebuilder.rebuild(swap=(request or RebuildRequest()).swap)
    except RebuildInProgressError as error:
        raise HTTPException(status_code=409, detail=str(error)) from None
    return report_json(report)
