"""The edge every route's request passes before FastAPI parses it.

1. **Authentication first.** A route that depends on ``CurrentUser``, ``StreamUser`` or
   ``AdminAccess`` authenticates before its body is read, so a caller without a valid token
   gets 401 whatever it sent (a malformed body no longer answers 422 before that).
2. **Only storable text.** PostgreSQL refuses U+0000 in ``text``/``jsonb`` and a lone UTF-16
   surrogate (``"\\ud800"`` is valid JSON) cannot be encoded as UTF-8 for NATS or the database.
   Both are refused with 422 and a detail naming where they were, in the path, the query and
   JSON bodies, before anything is sent; a body that is not UTF-8 is refused the same way.
   Form fields (multipart, urlencoded) are not checked here: the form parser decodes invalid
   UTF-8 with replacement characters (so no surrogate can arise), and a NUL in them reaches
   only stores that strip it (the projections, ``domain.text.strip_nul``) or refuse it.

``create_app`` passes every router through :func:`at_the_edge` before including it, so a new
router needs nothing special: a plain ``APIRouter()`` gets these checks too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

from fastapi import APIRouter, Request, Response, routing
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from cheatcode_api.domain.text import unstorable_reason
from cheatcode_api.entrypoint.deps import AUTHENTICATION, authenticate_first
from cheatcode_api.handlers.errors import ApiError

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class UnstorableTextError(ApiError):
    status = 422


class EdgeRoute(APIRoute):
    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()
        route = self._as_included()
        check = next((call for call in _calls(route.dependant) if call in AUTHENTICATION), None)
        takes_body = route.body_field is not None

        async def at_the_edge(request: Request) -> Response:
            if check is not None:
                await authenticate_first(request, check)
            await refuse_unstorable_text(request, body=takes_body)
            return await handler(request)

        return at_the_edge

    def _as_included(self) -> Any:
        """The route as included in the app (with its router's prefix and dependencies): FastAPI
        builds an included route's handler with that context set, as ``APIRoute`` reads it."""
        context_var = getattr(routing, "_effective_route_context_var", None)
        context = context_var.get() if context_var is not None else None
        if context is not None and getattr(context, "original_route", None) is self:
            return context
        return self


def at_the_edge(router: APIRouter) -> APIRouter:
    """Make every HTTP route of ``router`` an :class:`EdgeRoute` (before it is included).

    ``EdgeRoute`` adds behaviour only, no state, so switching the class of a built route is
    safe: ``include_router`` then builds the included handler through ``EdgeRoute``.
    """
    for route in router.routes:
        if type(route) is APIRoute:
            route.__class__ = EdgeRoute
    return router


def _calls(dependant: Dependant) -> Iterator[object]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


async def refuse_unstorable_text(request: Request, *, body: bool) -> None:
    for name, value in request.path_params.items():
        _refuse(value, f"path parameter {name!r}")
    for key, value in request.query_params.multi_items():
        _refuse(key, "a query parameter name")
        _refuse(value, f"query parameter {key!r}")
    if body and _is_json(request.headers.get("content-type")):
        raw = await request.body()
        if not raw:
            return
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise UnstorableTextError("the request body is not valid UTF-8") from None
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):
            return  # FastAPI answers malformed (or absurdly nested) JSON itself, with a 4xx
        _refuse(value, "the request body")
        request._json = value  # starlette's cache: FastAPI reads this instead of parsing again


def _refuse(value: object, where: str) -> None:
    reason = unstorable_reason(value)
    if reason is not None:
        raise UnstorableTextError(f"{where} {reason}")


def _is_json(content_type: str | None) -> bool:
    if content_type is None:
        return True  # FastAPI parses a body without a content type as JSON too
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")
