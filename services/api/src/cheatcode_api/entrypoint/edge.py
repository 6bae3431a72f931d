"""The edge every route's request passes before FastAPI parses it.

1. **Authentication first.** A route that depends on ``CurrentUser``, ``StreamUser`` or
   ``AdminAccess`` authenticates before its body is read, so a caller without a valid token
   gets 401 whatever it sent (a malformed body no longer answers 422 before that).
2. **Only storable text.** PostgreSQL refuses U+0000 in ``text``/``jsonb`` and a lone UTF-16
   surrogate (``"\\ud800"`` is valid JSON) cannot be encoded as UTF-8 for NATS or the database.
   Both are refused with 422 and a detail naming where they were, in the path, the query and
   JSON bodies, before anything is sent; a body that is not UTF-8 is refused the same way.
   Form bodies (multipart, urlencoded) are parsed here once (FastAPI reuses the parsed form)
   and their field values and file names checked the same way; the parser decodes invalid
   UTF-8 with replacement characters, so there only a NUL can arrive.

``create_app`` passes every router through :func:`at_the_edge` before including it, so a new
router needs nothing special: a plain ``APIRouter()`` gets these checks too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

from fastapi import APIRouter, Request, Response, routing
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from cheatcode_api.domain.text import unstorable_reason
from cheatcode_api.entrypoint.deps import AUTHENTICATION, authenticate_first
from cheatcode_api.handlers.errors import ApiError

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
F = TypeVar("F", bound=Callable[..., Any])
RELAYED = "__cheatcode_relayed__"


def relayed(endpoint: F) -> F:
    """Mark a route whose body is relayed untouched to someone else's server (the preview
    proxy): its text is theirs, so the storable-text check does not apply (auth still does)."""
    setattr(endpoint, RELAYED, True)
    return endpoint


class UnstorableTextError(ApiError):
    status = 422


class EdgeRoute(APIRoute):
    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()
        route = self._as_included()
        check = next((call for call in _calls(route.dependant) if call in AUTHENTICATION), None)
        takes_body = route.body_field is not None
        checks_text = not getattr(self.endpoint, RELAYED, False)

        async def at_the_edge(request: Request) -> Response:
            if check is not None:
                await authenticate_first(request, check)
            if checks_text:
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
    content_type = request.headers.get("content-type")
    if body and _is_form(content_type):
        await _refuse_in_form(request)
    # A declared JSON body is checked even where the route parses it itself (``Request.json()``).
    elif (content_type is not None and _is_json(content_type)) or (content_type is None and body):
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


async def _refuse_in_form(request: Request) -> None:
    form = await request.form(**_form_limits(request))  # cached on the request: parsed once
    try:
        for key, value in form.multi_items():
            _refuse(key, "a form field name")
            if isinstance(value, str):
                _refuse(value, f"form field {key!r}")
            else:
                _refuse(value.filename or "", f"the file name of form field {key!r}")
    except UnstorableTextError:
        await form.close()
        raise


def _form_limits(request: Request) -> Any:
    """The limits FastAPI would parse this route's form with (a router may set its own)."""
    resolve = getattr(routing, "_resolve_form_limits", None)
    scope_key = getattr(routing, "_FASTAPI_SCOPE_KEY", None)
    if resolve is None or scope_key is None:
        return {}
    return resolve(request.scope.get(scope_key, {}), None)


def _is_form(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media in ("multipart/form-data", "application/x-www-form-urlencoded")


def _refuse(value: object, where: str) -> None:
    reason = unstorable_reason(value)
    if reason is not None:
        raise UnstorableTextError(f"{where} {reason}")


def _is_json(content_type: str | None) -> bool:
    if content_type is None:
        return True  # FastAPI parses a body without a content type as JSON too
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")
