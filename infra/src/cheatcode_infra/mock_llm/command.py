"""``cheatcode mock-llm``: serve the deterministic OpenAI-compatible mock model."""

from __future__ import annotations

import argparse

from cheatcode_infra.mock_llm.server import add_arguments as _add_arguments

NAME = "mock-llm"
HELP = "Serve a deterministic OpenAI-compatible model (POST /v1/chat/completions, GET /v1/models)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    _add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from cheatcode_infra.mock_llm.server import serve

    return serve(args.host, args.port)
