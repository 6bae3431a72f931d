"""``cheatcode mcp-double``: serve the MCP double (Streamable HTTP at ``/mcp``)."""

from __future__ import annotations

import argparse

NAME = "mcp-double"
HELP = "Serve a small MCP server (tools lookup_order, add_numbers) over Streamable HTTP at /mcp."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)


def run(args: argparse.Namespace) -> int:
    from cheatcode_infra.doubles.mcp_server import build_app
    from cheatcode_infra.doubles.serving import serve_forever

    return serve_forever(build_app(), args.host, args.port)
