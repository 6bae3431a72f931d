"""The FastAPI app factory. ``create_app(container)`` wires routes, errors and middleware.

The container is built (connected, migrated) before the app; the lifespan only starts the
background tasks (projection runner, checkpoint listener) and closes everything on exit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.telemetry import TelemetryConfig

from cheatcode_api.domain.rate_limits import RULES, with_overrides
from cheatcode_api.entrypoint.container import Container
from cheatcode_api.entrypoint.edge import at_the_edge
from cheatcode_api.entrypoint.errors import install_error_handlers
from cheatcode_api.entrypoint.idempotency import IdempotencyMiddleware
from cheatcode_api.entrypoint.inngest import install_inngest
from cheatcode_api.entrypoint.middleware import install_middleware
from cheatcode_api.entrypoint.observability import RequestObservability
from cheatcode_api.entrypoint.rate_limit import RateLimitMiddleware
from cheatcode_api.entrypoint.routes import all_routers, feature_flags
from cheatcode_api.ports.auth import AuthenticatedUser, InvalidTokenError, VerifierUnavailableError

API_PREFIX = "/api"


NATIVE_TELEMETRY_OFF: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}


def create_app(
    container: Container,
    *,
    extra_routers: Sequence[APIRouter] = (),
    close_container_on_shutdown: bool = True,
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        container.start_background()
        try:
            yield
        finally:
            if close_container_on_shutdown:
                await container.close()
            else:
                await container.stop_background()

    app = FastAPI(
        title="Cheatcode API",
        version="0.1.0",
        lifespan=lifespan,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        # RequestObservability owns the request span, its trace context and the latency metric;
        # FastAPI's native telemetry (on whenever a tracer provider is set) would add a second
        # request span and one per dependency: a fifth of an authenticated GET's time
        # (benchmarks/bench_observability.py).
        telemetry=NATIVE_TELEMETRY_OFF,
    )
    app.state.container = container
    for router in (*all_routers(), *extra_routers):
        app.include_router(at_the_edge(router), prefix=API_PREFIX)
    if container.feature_flags is not None:  # FEATURE_FLAGS_ENABLED=true (§15: 404 otherwise)
        app.include_router(at_the_edge(feature_flags.router), prefix=API_PREFIX)
    install_inngest(app, container)  # /api/inngest (§15)
    install_error_handlers(app)
    install_request_guards(app, container)
    install_middleware(app, cors_origins=container.settings.cors_origins, hsts=container.settings.hsts)
    app.add_middleware(RequestObservability)  # outermost: the access log line carries the trace id
    return app


def install_request_guards(app: FastAPI, container: Container) -> None:
    """Idempotency-Key replay inside rate limits, both inside the access log and CORS."""

    async def authenticate(token: str) -> str | None:
        try:
            user: AuthenticatedUser = await container.verifier.verify(token)
        except (InvalidTokenError, VerifierUnavailableError):
            return None  # the route itself answers 401 / 503
        return user.user_id

    settings = container.settings
    admin_key = settings.admin_api_key.get_secret_value() if settings.admin_api_key else None
    app.add_middleware(IdempotencyMiddleware, store=lambda: container.idempotency, authenticate=authenticate)
    app.add_middleware(
        RateLimitMiddleware,
        limiter=lambda: container.rate_limiter,
        admin_key=admin_key,
        rules=with_overrides(RULES, settings.rate_limits),
    )
