"""FastAPI dependencies every router uses: the container, the caller, admin access.

- ``CurrentUser``    — ``Authorization: Bearer`` only (every normal route).
- ``StreamUser``     — ``?token=`` (takes precedence) or the header: for SSE routes,
                       because a browser's EventSource cannot send headers.
- ``AdminAccess``    — ``X-API-Key`` or ``X-Admin-Api-Key`` compared in constant time.
- ``ContainerDep``   — the process's :class:`Container` (every dependency, typed by its port).
- ``Deps``           — :class:`HandlerDeps` for the use cases in ``handlers``.
"""

from __future__ import annotations

import hmac
import inspect
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from cheatcode_api.entrypoint.container import Container
from cheatcode_api.handlers import HandlerDeps
from cheatcode_api.handlers.errors import AdminKeyRequiredError, ForbiddenError, NotConfiguredError, UnauthorizedError
from cheatcode_api.ports.auth import AuthenticatedUser, InvalidTokenError
from cheatcode_runtime.observability import context

BEARER = {"WWW-Authenticate": "Bearer"}
NO_CREDENTIALS = "No valid authentication credentials found"
NO_STREAM_CREDENTIALS = "Authentication required - provide token via query parameter or Authorization header"

_bearer = HTTPBearer(auto_error=False)
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False)
_admin_api_key = APIKeyHeader(name="X-Admin-Api-Key", auto_error=False)


# Dependencies are ``async def`` on purpose: FastAPI runs plain ``def`` ones in a thread pool.
async def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


async def get_handler_deps(container: ContainerDep) -> HandlerDeps:
    return container.handler_deps


Deps = Annotated[HandlerDeps, Depends(get_handler_deps)]


def unauthorized(detail: str) -> UnauthorizedError:
    return UnauthorizedError(detail)


# ``entrypoint.edge.EdgeRoute`` runs these before FastAPI reads the body (auth first: a caller
# without a token learns nothing about what its body would have been); the result is kept on
# ``request.state`` so that the dependency FastAPI then resolves does not verify twice.
async def _verify(request: Request, container: Container, token: str) -> AuthenticatedUser:
    known: AuthenticatedUser | None = getattr(request.state, "user", None)
    if known is not None:
        return known
    try:
        user = await container.verifier.verify(token)
    except InvalidTokenError as error:
        raise unauthorized(f"Invalid token: {error}") from None
    request.state.user = user
    # Commands and events of this request name their user (audit) and log lines too; the
    # request middleware's context scope undoes these when the request ends.
    context.user_id.set(user.user_id)
    context.actor.set(f"user:{user.user_id}")
    return user


async def current_user(
    request: Request,
    container: ContainerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AuthenticatedUser:
    if credentials is None or not credentials.credentials.strip():
        raise unauthorized(NO_CREDENTIALS)
    return await _verify(request, container, credentials.credentials.strip())


async def current_stream_user(
    request: Request,
    container: ContainerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    token: Annotated[str | None, Query(description="JWT for EventSource clients")] = None,
) -> AuthenticatedUser:
    raw = token if token else (credentials.credentials if credentials else None)
    if raw is None or not raw.strip():
        raise unauthorized(NO_STREAM_CREDENTIALS)
    return await _verify(request, container, raw.strip())


async def require_admin(
    container: ContainerDep,
    api_key: Annotated[str | None, Depends(_api_key)],
    admin_api_key: Annotated[str | None, Depends(_admin_api_key)],
) -> None:
    expected = container.settings.admin_api_key
    if expected is None or not expected.get_secret_value():
        raise NotConfiguredError("Admin API key not configured on server")
    given = api_key or admin_api_key
    if not given:
        raise AdminKeyRequiredError("Admin API key required")
    if not hmac.compare_digest(given.encode(), expected.get_secret_value().encode()):
        raise ForbiddenError("Invalid admin API key")
    context.actor.set("admin")


async def authenticate_first(request: Request, check: object) -> None:
    """Run the route's authentication dependency ``check`` straight from the request."""
    override = getattr(request.app, "dependency_overrides", {}).get(get_container)
    if override is not None:  # a test app that supplies its own container
        found = override()
        container = await found if inspect.isawaitable(found) else found
    elif hasattr(request.app.state, "container"):
        container = await get_container(request)
    else:
        return  # no container on this app: FastAPI's own dependency resolution will answer
    if check is current_user:
        await current_user(request, container, await _bearer(request))
    elif check is current_stream_user:
        token = request.query_params.get("token")
        await current_stream_user(request, container, await _bearer(request), token)
    elif check is require_admin:
        await require_admin(container, await _api_key(request), await _admin_api_key(request))


AUTHENTICATION = (current_user, current_stream_user, require_admin)


CurrentUser = Annotated[AuthenticatedUser, Depends(current_user)]
StreamUser = Annotated[AuthenticatedUser, Depends(current_stream_user)]
AdminAccess = Annotated[None, Depends(require_admin)]
