"""FoldAggregate: a repository's aggregate as it was at a sequence, as JSON."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pytest

from cheatcode_contracts import Event
from cheatcode_contracts.audit import FoldAggregate, FoldedAggregate
from cheatcode_contracts.projects import ProjectCreated
from cheatcode_runtime.errors import NotFound
from cheatcode_runtime.eventstore import InMemoryEventStore, Repository
from cheatcode_runtime.service.fold import fold


@dataclass(frozen=True)
class Named:
    project_id: str
    name: str | None = None
    renamed: int = 0

    def apply(self, event: Event) -> Named:
        if isinstance(event, ProjectCreated):
            return replace(self, name=event.name, renamed=self.renamed + 1)
        return self


async def test_folds_up_to_the_sequence_asked_for() -> None:
    store = InMemoryEventStore()
    repositories: dict[str, Repository[Any]] = {"project": Repository(store, "project", Named)}
    repo = repositories["project"]
    first = await repo.append(
        "p1", await repo.load("p1"), [ProjectCreated(project_id="p1", user_id="u", name="a")], key="1"
    )
    await repo.append("p1", first, [ProjectCreated(project_id="p1", user_id="u", name="b")], key="2")
    then = FoldedAggregate.model_validate(
        (await fold(FoldAggregate(kind="project", aggregate_id="p1", at_seq=first.position), repositories)).result
    )
    now = FoldedAggregate.model_validate(
        (await fold(FoldAggregate(kind="project", aggregate_id="p1"), repositories)).result
    )
    assert (then.state["name"], then.state["renamed"], then.position) == ("a", 1, first.position)
    assert (now.state["name"], now.state["renamed"], now.exists) == ("b", 2, True)


async def test_a_kind_this_service_does_not_own_is_not_found() -> None:
    with pytest.raises(NotFound):
        await fold(FoldAggregate(kind="thread", aggregate_id="t"), {})
