"""The ``cheatcode`` command. Each subcommand is one module listed in ``COMMANDS``.

A subcommand module defines ``NAME`` (str), ``HELP`` (str), ``add_arguments(parser)``
and ``run(args) -> int``, and imports anything heavy inside ``run`` so that every
command starts fast. Adding a subcommand is one line in ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

COMMANDS: tuple[str, ...] = (
    "cheatcode_infra.commands.up",
    "cheatcode_infra.commands.dev_token",
    "cheatcode_infra.commands.events",
    "cheatcode_infra.commands.provision",
    "cheatcode_infra.commands.nats_config",
    "cheatcode_infra.commands.probe",
    "cheatcode_infra.mock_llm.command",
    "cheatcode_infra.commands.flags",
    "cheatcode_infra.vercel_double.command",
    "cheatcode_infra.mail_sink",
    "cheatcode_infra.doubles.composio_command",
    "cheatcode_infra.doubles.mcp_command",
    "cheatcode_infra.doubles.polar_command",
    "cheatcode_infra.doubles.openrouter_command",
)


def load_commands() -> dict[str, ModuleType]:
    commands: dict[str, ModuleType] = {}
    for path in COMMANDS:
        try:
            module = importlib.import_module(path)
        except ModuleNotFoundError as error:
            if error.name is None or not path.startswith(error.name):
                raise
            continue  # listed but not in this checkout yet
        commands[module.NAME] = module
    return commands


def command_names() -> tuple[str, ...]:
    return tuple(load_commands())


def build_parser(commands: dict[str, ModuleType]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cheatcode", description="Cheatcode local runtime and tools.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module in commands.items():
        module.add_arguments(subparsers.add_parser(name, help=module.HELP, description=module.HELP))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    commands = load_commands()
    args = build_parser(commands).parse_args(argv)
    result: int = commands[args.command].run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
