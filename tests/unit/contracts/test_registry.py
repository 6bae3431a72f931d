from __future__ import annotations

from typing import ClassVar

import pytest

from cheatcode_contracts import Event, UnknownContractError, build_registry
from cheatcode_contracts.envelope import MalformedMessageError, contract_headers, decode_event, encode
from cheatcode_contracts.projects import ProjectCreated
from cheatcode_contracts.registry import ContractRegistry


class RenamedV2(Event):
    type_name: ClassVar[str] = "test.renamed"
    version: ClassVar[int] = 3
    aggregate_kind: ClassVar[str] = "test"
    aggregate_field: ClassVar[str] = "key"

    key: str
    title: str
    tags: list[str]


def test_round_trip_through_headers_and_bytes() -> None:
    event = ProjectCreated(project_id="p1", user_id="u1", name="App")
    decoded = decode_event(build_registry(), contract_headers(event), encode(event))
    assert decoded == event
    assert decoded.aggregate_id == "p1"


def test_old_versions_are_upcast_step_by_step() -> None:
    registry = ContractRegistry([RenamedV2])
    registry.add_upcaster("test.renamed", 1, lambda p: {"key": p["key"], "title": p.pop("name")})
    registry.add_upcaster("test.renamed", 2, lambda p: {**p, "tags": []})
    decoded = registry.decode("test.renamed", 1, b'{"key": "k", "name": "old"}')
    assert decoded == RenamedV2(key="k", title="old", tags=[], occurred_at=decoded.occurred_at)  # type: ignore[attr-defined]


def test_missing_upcaster_is_an_error() -> None:
    registry = ContractRegistry([RenamedV2])
    with pytest.raises(UnknownContractError):
        registry.decode("test.renamed", 2, b'{"key": "k", "title": "t"}')


def test_unknown_type_and_missing_headers_are_rejected() -> None:
    with pytest.raises(UnknownContractError):
        build_registry().decode("nope", 1, b"{}")
    with pytest.raises(MalformedMessageError):
        decode_event(build_registry(), {}, b"{}")


def test_type_names_are_unique_and_contracts_are_frozen() -> None:
    registry = build_registry()
    names = [model.type_name for model in registry]
    assert len(names) == len(set(names))
    event = ProjectCreated(project_id="p", user_id="u", name="n")
    with pytest.raises(ValueError):
        event.name = "other"  # type: ignore[misc]


def test_registering_two_models_under_one_name_fails() -> None:
    class Clash(Event):
        type_name: ClassVar[str] = "project.created"

    with pytest.raises(ValueError):
        ContractRegistry([ProjectCreated, Clash])
