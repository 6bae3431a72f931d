"""``/api/inngest``: the Inngest SDK's serve handler (app ``cheatcode-backend``) with the maintenance
functions of :data:`cheatcode_contracts.maintenance.MAINTENANCE_TASKS` as thin triggers.

Each function only sends its command to the owning service (the same command the integrations
scheduler sends when no Inngest is configured). ``INNGEST_DEV=1`` runs the SDK in dev-server mode
(no signatures; sync to ``INNGEST_BASE_URL``); otherwise requests must carry a signature made with
``INNGEST_SIGNING_KEY``. The agent-run, Polar and deployment functions of the original are durable
JetStream consumers here, so they are not Inngest functions.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import inngest
import inngest.fast_api
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from cheatcode_api.entrypoint.container import Container
from cheatcode_contracts.maintenance import INNGEST_APP_ID, MAINTENANCE_TASKS, MaintenanceTask

log = logging.getLogger(__name__)


def maintenance_functions(client: inngest.Inngest, container: Container) -> list[inngest.Function[Any]]:
    functions: list[inngest.Function[Any]] = []
    for task in MAINTENANCE_TASKS:
        functions.append(_function(client, container, task))
    return functions


def _function(client: inngest.Inngest, container: Container, task: MaintenanceTask) -> inngest.Function[Any]:
    @client.create_function(
        fn_id=task.fn_id, name=task.description, retries=2, trigger=inngest.TriggerCron(cron=task.cron)
    )
    async def trigger(ctx: inngest.Context) -> dict[str, Any]:
        reply = await container.commands.send(task.command())
        return {"ok": reply.ok, "position": reply.position, "result": reply.result}

    return trigger


SERVE_PATH = "/api/inngest"
NOT_CONFIGURED = "Inngest is not configured: set INNGEST_SIGNING_KEY (production) or INNGEST_DEV=1 (local)"


def install_inngest(app: FastAPI, container: Container) -> None:
    client = inngest.Inngest(app_id=INNGEST_APP_ID, logger=log)
    if client.is_production and not (client.signing_key or os.environ.get("INNGEST_SIGNING_KEY")):
        # The SDK refuses to serve unsigned in production; nothing here depends on Inngest, so the
        # path answers 503 saying what to set, and our own scheduler runs the maintenance tasks.
        log.info("INNGEST_SIGNING_KEY is not set and INNGEST_DEV is not 1: %s answers 503", SERVE_PATH)

        async def inngest_not_configured() -> JSONResponse:
            return JSONResponse({"detail": NOT_CONFIGURED}, status_code=503)

        for method in ("GET", "POST", "PUT"):  # the SDK's three verbs, each with its own operation id
            app.add_api_route(
                SERVE_PATH,
                inngest_not_configured,
                methods=[method],
                tags=["inngest"],
                operation_id=f"inngest_not_configured_{method.lower()}",
            )

        return
    inngest.fast_api.serve(app, client, maintenance_functions(client, container), serve_path=SERVE_PATH)
