"""``cheatcode mock-llm`` follows the CLI's subcommand protocol."""

from __future__ import annotations

import argparse

from cheatcode_infra.mock_llm import command


def test_subcommand_parses_host_and_port() -> None:
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    args = parser.parse_args(["--host", "0.0.0.0", "--port", "9123"])
    assert (command.NAME, args.host, args.port) == ("mock-llm", "0.0.0.0", 9123)
    assert callable(command.run) and command.HELP
