"""Building a service's faststream broker and app from its settings, without connecting."""

from __future__ import annotations

from faststream import FastStream
from faststream.middlewares import ExceptionMiddleware
from faststream.nats import NatsBroker
from faststream.security import SASLPlaintext
from faststream.specification import AsyncAPI
from pydantic import ValidationError

from cheatcode_contracts import CommandReply, ErrorCode
from cheatcode_runtime.service.settings import ServiceSettings


def invalid_request_replies() -> ExceptionMiddleware:
    """A request whose body does not parse as the subscriber's model is answered ``invalid``.

    Without this the requester would wait for its timeout and learn nothing.
    """
    middleware = ExceptionMiddleware()

    @middleware.add_handler(ValidationError, publish=True)
    async def invalid(error: ValidationError) -> CommandReply:
        fields = sorted({".".join(str(part) for part in item["loc"][1:]) or "body" for item in error.errors()})
        return CommandReply.failure(ErrorCode.INVALID, f"invalid request: {', '.join(fields)}")

    return middleware


def build_broker(settings: ServiceSettings, *, service: str) -> NatsBroker:
    """A broker that logs in as the service's own NATS user and reconnects forever."""
    nats = settings.nats
    security = None
    if nats.user is not None:
        password = nats.password.get_secret_value() if nats.password else ""
        security = SASLPlaintext(username=nats.user, password=password)
    return NatsBroker(
        nats.servers,
        name=f"{service}:{settings.instance_id}",
        security=security,
        connect_timeout=int(max(nats.connect_timeout, 1)),
        allow_reconnect=True,
        max_reconnect_attempts=-1,
        graceful_timeout=15.0,
        description=f"NATS bus as seen by the {service} service",
        middlewares=(invalid_request_replies(),),
    )


def build_app(broker: NatsBroker, *, title: str, version: str = "0.1.0", description: str = "") -> FastStream:
    spec = AsyncAPI(title=title, version=version, description=description or None)
    return FastStream(broker, specification=spec)
