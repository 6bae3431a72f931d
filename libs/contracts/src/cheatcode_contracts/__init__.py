"""Typed contracts shared by every Cheatcode service: the only code services share."""

from cheatcode_contracts.base import (
    Command,
    CommandReply,
    Contract,
    ErrorCode,
    ErrorInfo,
    Event,
    Query,
    new_id,
    repeatable_ids,
    utc_now,
)
from cheatcode_contracts.catalog import SERVICES, build_registry, subject_for
from cheatcode_contracts.registry import ContractRegistry, UnknownContractError

__all__ = [
    "SERVICES",
    "Command",
    "CommandReply",
    "Contract",
    "ContractRegistry",
    "ErrorCode",
    "ErrorInfo",
    "Event",
    "Query",
    "UnknownContractError",
    "build_registry",
    "new_id",
    "repeatable_ids",
    "subject_for",
    "utc_now",
]
