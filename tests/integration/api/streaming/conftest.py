from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI, Request, Response
from nats.aio.client import Client

from cheatcode_api.streaming import RunStreamHub, SseResponse, StreamingSettings, connect_streaming, parse_last_event_id
from cheatcode_infra.nats_server import NatsServer
from cheatcode_runtime.nats import NatsSettings
from tests.integration.api.streaming.sse import serve


def streaming_app(hub: RunStreamHub) -> FastAPI:
    """The streaming core behind a bare route (auth and ownership are tested with the real app)."""

    app = FastAPI()

    @app.get("/runs/{run_id}/stream")
    async def stream(run_id: str, request: Request, last_event_id: str | None = None) -> Response:
        after = parse_last_event_id(request.headers.get("last-event-id"), last_event_id)
        if after and await hub.is_past_terminal(run_id, after):
            return Response(status_code=204)
        return SseResponse(hub, await hub.open(run_id, after))

    return app


@pytest.fixture(scope="module")
async def hub(nats_server: NatsServer, nats_client: Client) -> AsyncIterator[RunStreamHub]:
    """A hub on its own connection (streams are ensured by ``nats_client``), 4-frame window."""
    connection = await connect_streaming(NatsSettings(url=nats_server.url), name="streaming-tests")
    hub = RunStreamHub(connection, StreamingSettings(heartbeat_seconds=0.4, window_frames=4), owns_connection=True)
    await hub.start()
    yield hub
    await hub.close()


@pytest.fixture(scope="module")
async def base_url(hub: RunStreamHub) -> AsyncIterator[str]:
    async with serve(streaming_app(hub)) as url:
        yield url
