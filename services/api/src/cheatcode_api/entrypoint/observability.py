"""The API's metrics and traces: request latency by route, SSE figures, projection lag, and
the W3C trace context of each request (continued from ``traceparent``, handed on to NATS).

Served on its own port (``CHEATCODE_METRICS_PORT``), never under ``/api``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence

from prometheus_client import REGISTRY
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cheatcode_contracts import new_id
from cheatcode_runtime.observability import context
from cheatcode_runtime.observability.metrics import HTTP_LATENCY, PROJECTION_LAG
from cheatcode_runtime.observability.tracing import continued, inject

log = logging.getLogger(__name__)
REQUEST_ID = b"x-request-id"


class RequestObservability:
    """Pure ASGI: one span per request, its latency by route template, and a correlation id
    (the client's ``X-Request-Id`` or a new one) that every command and event of the request carries."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
        correlation = headers.get("x-request-id") or new_id()
        status = 500
        started = time.perf_counter()

        # "anonymous" until a route authenticates the caller; the scope also undoes what the
        # route's dependencies set (user, actor) once the request is over.
        scoped = context.bound(correlation=correlation, acting="anonymous", user="-")
        with continued(f"{scope['method']} {scope['path']}", headers), scoped:
            outgoing = inject({})

            async def send_observed(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                    extra = [(REQUEST_ID, correlation.encode("latin-1"))]
                    extra += [(name.encode(), value.encode()) for name, value in outgoing.items()]
                    message["headers"] = [*message.get("headers", []), *extra]
                await send(message)

            try:
                await self._app(scope, receive, send_observed)
            finally:
                route = scope.get("route")
                template = getattr(route, "path", None) or "unmatched"
                HTTP_LATENCY.labels(template, scope["method"], str(status)).observe(time.perf_counter() - started)


class StreamHubCollector(Collector):
    """SSE figures read off the stream hub when Prometheus scrapes (nothing per frame)."""

    def __init__(self, clients: Callable[[], int], frames: Callable[[], int]) -> None:
        self._clients = clients
        self._frames = frames

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily("cheatcode_sse_streams_open", "Agent-run SSE streams open", value=self._clients())
        yield CounterMetricFamily(
            "cheatcode_sse_frames_delivered", "Run output frames handed to SSE clients", value=self._frames()
        )


def register_stream_metrics(clients: Callable[[], int], frames: Callable[[], int]) -> Collector:
    collector = StreamHubCollector(clients, frames)
    REGISTRY.register(collector)
    return collector


async def watch_projection_lag(
    stream_head: Callable[[], Awaitable[int]],
    checkpoint: Callable[[str], Awaitable[int]],
    names: Sequence[str],
    *,
    interval: float = 2.0,
) -> None:
    """Keep ``cheatcode_projection_lag_events`` = stream head - the slowest read model's checkpoint."""
    while True:
        try:
            head = await stream_head()
            slowest = min([await checkpoint(name) for name in names], default=0)
            PROJECTION_LAG.set(max(head - slowest, 0))
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a metric must never take the API down
            log.debug("projection lag not measured: %r", error)
        await asyncio.sleep(interval)
