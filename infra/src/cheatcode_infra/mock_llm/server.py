"""Serving the mock model with uvicorn: the body of ``cheatcode mock-llm``."""

from __future__ import annotations

import argparse
import os

DEFAULT_PORT = 8090


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=os.environ.get("CHEATCODE_MOCK_LLM_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("CHEATCODE_MOCK_LLM_PORT", DEFAULT_PORT)))


def serve(host: str, port: int) -> int:
    import uvicorn

    from cheatcode_infra.mock_llm.app import create_app

    uvicorn.run(create_app(), host=host, port=port, log_level="warning")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cheatcode mock-llm", description="Deterministic OpenAI-compatible model")
    add_arguments(parser)
    args = parser.parse_args(argv)
    return serve(args.host, args.port)
