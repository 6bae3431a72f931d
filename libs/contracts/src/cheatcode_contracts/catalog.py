"""Everything the services say to each other, in one registry."""

from __future__ import annotations

from cheatcode_contracts import audit, billing, composio, deployments, email, health, projects, runs, sandbox, threads
from cheatcode_contracts.base import Command, Contract
from cheatcode_contracts.registry import ContractRegistry
from cheatcode_contracts.subjects import command_subject

SERVICES: tuple[str, ...] = ("api", "agent", "sandbox", "billing", "integrations")


def all_contracts() -> tuple[type[Contract], ...]:
    return (
        *projects.EVENTS,
        *projects.COMMANDS,
        *threads.EVENTS,
        *threads.COMMANDS,
        *runs.EVENTS,
        *runs.COMMANDS,
        *sandbox.EVENTS,
        *sandbox.COMMANDS,
        *billing.EVENTS,
        *billing.COMMANDS,
        *deployments.EVENTS,
        *deployments.COMMANDS,
        *email.EVENTS,
        *email.COMMANDS,
        *composio.EVENTS,
        *composio.COMMANDS,
        *audit.COMMANDS,
        health.Ping,
    )


def build_registry() -> ContractRegistry:
    """A fresh registry of every contract and its upcasters."""
    return ContractRegistry(all_contracts())


# Which service owns (answers) each command.
COMMAND_OWNERS: dict[type[Command], str] = {
    **{command: "agent" for command in projects.COMMANDS},
    **{command: "agent" for command in threads.COMMANDS},
    **{command: "agent" for command in runs.COMMANDS},
    **{command: "sandbox" for command in sandbox.COMMANDS},
    **{command: "integrations" for command in composio.COMMANDS},
    **{command: "billing" for command in billing.COMMANDS},
    **{command: "integrations" for command in deployments.COMMANDS},
    **{command: "integrations" for command in email.COMMANDS},
}


def subject_for(command: type[Command] | Command) -> str:
    """The request subject on which the owning service answers ``command``."""
    model = command if isinstance(command, type) else type(command)
    owner = command.owner() if isinstance(command, Command) else None
    return command_subject(owner or COMMAND_OWNERS[model], model.type_name)
