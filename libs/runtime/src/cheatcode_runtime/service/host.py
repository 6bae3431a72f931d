"""One service process: settings, broker, app and ping, plus resources made once connected.

Subscribers are registered when the host is built (so the AsyncAPI docs can be generated
without a server); what needs a live connection (the JetStream event store, say) is
built in an ``on_connect`` callback and read by subscribers through a :class:`Late`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from faststream import FastStream
from faststream.nats import NatsBroker
from nats.aio.client import Client

from cheatcode_runtime.observability.metrics import serve_metrics
from cheatcode_runtime.service.broker import build_app, build_broker
from cheatcode_runtime.service.ping import register_ping
from cheatcode_runtime.service.settings import ServiceSettings

T = TypeVar("T")

logger = logging.getLogger("cheatcode.service")


class Late(Generic[T]):
    """A value that exists only once the service has connected."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._value: T | None = None

    def set(self, value: T) -> None:
        self._value = value

    def get_or_none(self) -> T | None:
        """For shutdown hooks: a stop signal may arrive before the service has connected."""
        return self._value

    def get(self) -> T:
        if self._value is None:
            raise RuntimeError(f"{self._name} is not ready: the service has not connected yet")
        return self._value


@dataclass(frozen=True)
class ServiceHost:
    name: str
    settings: ServiceSettings
    broker: NatsBroker
    app: FastStream

    def on_connect(self, callback: Callable[[Client], Awaitable[None]]) -> None:
        """Run ``callback`` with the live NATS client before any subscriber starts."""

        async def connect_then_call() -> None:
            await callback(await self.broker.connect())

        self.app.on_startup(connect_then_call)


def build_service(
    name: str, settings: ServiceSettings, *, version: str = "0.1.0", description: str = ""
) -> ServiceHost:
    """Broker, app and ping responder of service ``name``; nothing connects yet."""
    broker = build_broker(settings, service=name)
    app = build_app(broker, title=f"cheatcode-{name}", version=version, description=description)
    register_ping(broker, service=name, instance_id=settings.instance_id)

    async def announce() -> None:
        # Start-up waits for NATS as long as it takes; say what it is waiting for.
        nats = settings.nats
        logger.info("%s %s: connecting to %s as %s", name, settings.instance_id, nats.url, nats.user or "anonymous")
        if settings.metrics_port is not None:
            serve_metrics(settings.metrics_port, settings.metrics_host)

    app.on_startup(announce)
    return ServiceHost(name=name, settings=settings, broker=broker, app=app)
