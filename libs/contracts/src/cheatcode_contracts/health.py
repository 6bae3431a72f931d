"""Liveness ping that every service answers over NATS."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from cheatcode_contracts.base import Query


class Ping(Query):
    type_name: ClassVar[str] = "health.ping"


class Pong(BaseModel):
    model_config = ConfigDict(frozen=True)

    service: str
    instance_id: str
    status: str = "ok"
    uptime_seconds: float = 0.0
