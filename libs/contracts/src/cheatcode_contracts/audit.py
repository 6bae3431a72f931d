"""Folding any aggregate as it was at a stream sequence, answered by the service that owns it.

The API's admin route ``GET /api/admin/aggregates/{kind}/{id}?at_seq=`` sends
:class:`FoldAggregate`; it goes to ``cc.cmd.<owner>.aggregate.fold`` of the service that owns
the aggregate kind (only that service knows how to fold it), which answers :class:`FoldedAggregate`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cheatcode_contracts.base import Command
from cheatcode_contracts.billing import ACCOUNT
from cheatcode_contracts.composio import PROFILES
from cheatcode_contracts.deployments import DEPLOYMENT
from cheatcode_contracts.email import EMAIL
from cheatcode_contracts.projects import PROJECT
from cheatcode_contracts.runs import RUN
from cheatcode_contracts.sandbox import SANDBOX
from cheatcode_contracts.threads import THREAD

# Which service folds each aggregate kind.
AGGREGATE_OWNERS: dict[str, str] = {
    PROJECT: "agent",
    THREAD: "agent",
    RUN: "agent",
    SANDBOX: "sandbox",
    ACCOUNT: "billing",
    PROFILES: "integrations",
    DEPLOYMENT: "integrations",
    EMAIL: "integrations",
}


class FoldAggregate(Command):
    type_name: ClassVar[str] = "aggregate.fold"

    kind: str
    aggregate_id: str = Field(min_length=1, max_length=200, pattern=r"^[^.*> \t\r\n]+$")
    at_seq: int | None = Field(default=None, ge=1)

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, kind: str) -> str:
        if kind not in AGGREGATE_OWNERS:
            raise ValueError(f"unknown aggregate kind {kind!r}; known: {', '.join(sorted(AGGREGATE_OWNERS))}")
        return kind

    def owner(self) -> str | None:
        return AGGREGATE_OWNERS[self.kind]


class FoldedAggregate(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: str
    aggregate_id: str
    at_seq: int | None
    position: int  # stream sequence of the last event folded (0: none)
    exists: bool
    state: dict[str, Any]


COMMANDS: tuple[type[Command], ...] = (FoldAggregate,)
