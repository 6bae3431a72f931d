"""How a contract travels: JSON body plus headers naming its type and version.

Kept free of any NATS client so that every service (and every test) can use it.
"""

from __future__ import annotations

from collections.abc import Mapping

from cheatcode_contracts.base import Contract, Event
from cheatcode_contracts.registry import ContractRegistry

TYPE_HEADER = "Cc-Type"
VERSION_HEADER = "Cc-Version"
MSG_ID_HEADER = "Nats-Msg-Id"
EXPECTED_LAST_SUBJECT_SEQ_HEADER = "Nats-Expected-Last-Subject-Sequence"
# Who caused a message ("user:<id>" or "service:<name>") and which request it belongs to;
# set on commands by the sender and copied onto every event their handler appends.
ACTOR_HEADER = "Cc-Actor"
CORRELATION_HEADER = "Cc-Correlation-Id"
TRACEPARENT_HEADER = "traceparent"


class MalformedMessageError(ValueError):
    pass


def contract_headers(contract: Contract) -> dict[str, str]:
    return {TYPE_HEADER: contract.type_name, VERSION_HEADER: str(contract.version)}


def encode(contract: Contract) -> bytes:
    return contract.model_dump_json().encode()


def decode(registry: ContractRegistry, headers: Mapping[str, str] | None, data: bytes) -> Contract:
    if not headers or TYPE_HEADER not in headers:
        raise MalformedMessageError("message has no type header")
    try:
        version = int(headers.get(VERSION_HEADER, "1"))
    except ValueError:
        raise MalformedMessageError("version header is not an integer") from None
    return registry.decode(headers[TYPE_HEADER], version, data)


def decode_event(registry: ContractRegistry, headers: Mapping[str, str] | None, data: bytes) -> Event:
    contract = decode(registry, headers, data)
    if not isinstance(contract, Event):
        raise MalformedMessageError(f"{contract.type_name} is not an event")
    return contract
