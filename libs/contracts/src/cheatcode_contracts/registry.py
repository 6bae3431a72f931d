"""Type name → model lookup, with upcasting of stored payloads written by older versions."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, cast

from cheatcode_contracts.base import Contract

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class UnknownContractError(LookupError):
    pass


class ContractRegistry:
    """Knows every contract by ``type_name``; turns stored bytes back into models.

    An upcaster registered for ``(type_name, v)`` turns a payload of version ``v`` into
    version ``v + 1``; they chain until the payload reaches the model's current version.
    """

    def __init__(self, contracts: Iterable[type[Contract]] = ()) -> None:
        self._models: dict[str, type[Contract]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}
        for model in contracts:
            self.register(model)

    def register(self, model: type[Contract]) -> None:
        if not model.type_name:
            raise ValueError(f"{model.__name__} has no type_name")
        existing = self._models.get(model.type_name)
        if existing is not None and existing is not model:
            raise ValueError(f"type name {model.type_name!r} is used twice")
        self._models[model.type_name] = model

    def add_upcaster(self, type_name: str, from_version: int, upcaster: Upcaster) -> None:
        self._upcasters[(type_name, from_version)] = upcaster

    def model_for(self, type_name: str) -> type[Contract]:
        try:
            return self._models[type_name]
        except KeyError:
            raise UnknownContractError(type_name) from None

    def __contains__(self, type_name: object) -> bool:
        return type_name in self._models

    def __iter__(self) -> Any:
        return iter(self._models.values())

    def upcast(self, type_name: str, version: int, payload: dict[str, Any]) -> dict[str, Any]:
        target = self.model_for(type_name).version
        while version < target:
            step = self._upcasters.get((type_name, version))
            if step is None:
                raise UnknownContractError(f"no upcaster for {type_name} v{version}")
            payload = step(payload)
            version += 1
        return payload

    def decode(self, type_name: str, version: int, data: bytes | dict[str, Any]) -> Contract:
        model = self.model_for(type_name)
        if version == model.version:
            # The model's validator itself: ``model_validate_json``'s wrapper is a quarter of a
            # decode (every event a rebuild or a consumer reads); the result is the same.
            validator = model.__pydantic_validator__
            contract = validator.validate_json(data) if isinstance(data, bytes) else validator.validate_python(data)
            return cast(Contract, contract)
        payload = json.loads(data) if isinstance(data, bytes) else dict(data)
        return model.model_validate(self.upcast(type_name, version, payload))
