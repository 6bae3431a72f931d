"""Answering ``FoldAggregate``: any aggregate this service owns, as it was at a stream sequence.

Each service registers its repositories by aggregate kind; the state is the repository's
fold (the same the handlers decide on), turned into JSON.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Mapping
from typing import Any

from faststream.nats import NatsBroker
from pydantic_core import to_jsonable_python

from cheatcode_contracts import CommandReply
from cheatcode_contracts.audit import FoldAggregate, FoldedAggregate
from cheatcode_contracts.subjects import command_subject
from cheatcode_runtime.errors import NotFound
from cheatcode_runtime.eventstore import Repository
from cheatcode_runtime.service.commands import register_command


def state_json(state: Any) -> dict[str, Any]:
    """The state's public fields and properties as JSON (private ``_fields`` are how it is
    stored, not what it is: a thread's shared message log, say)."""
    if dataclasses.is_dataclass(state) and not isinstance(state, type):
        raw = {f.name: getattr(state, f.name) for f in dataclasses.fields(state) if not f.name.startswith("_")}
    else:
        raw = {name: value for name, value in vars(state).items() if not name.startswith("_")}
    for name, _ in inspect.getmembers(type(state), lambda m: isinstance(m, property)):
        if not name.startswith("_"):
            raw[name] = getattr(state, name)
    jsonable = to_jsonable_python(raw, fallback=repr)
    return jsonable if isinstance(jsonable, dict) else {"value": jsonable}


async def fold(command: FoldAggregate, repositories: Mapping[str, Repository[Any]]) -> CommandReply:
    repository = repositories.get(command.kind)
    if repository is None:
        raise NotFound(f"this service does not fold {command.kind} aggregates")
    loaded = await repository.load(command.aggregate_id, at=command.at_seq)
    folded = FoldedAggregate(
        kind=command.kind,
        aggregate_id=command.aggregate_id,
        at_seq=command.at_seq,
        position=loaded.position,
        exists=loaded.position > 0,
        state=state_json(loaded.state),
    )
    return CommandReply(ok=True, position=loaded.position, result=folded.model_dump(mode="json"))


def register_fold(broker: NatsBroker, *, service: str, repositories: Mapping[str, Repository[Any]]) -> None:
    """Answer ``FoldAggregate`` for the aggregate kinds in ``repositories`` on ``cc.cmd.<service>.aggregate.fold``."""

    async def handle(command: FoldAggregate) -> CommandReply:
        return await fold(command, repositories)

    register_command(
        broker,
        FoldAggregate,
        handle,
        service=service,
        subject=command_subject(service, FoldAggregate.type_name),
    )
