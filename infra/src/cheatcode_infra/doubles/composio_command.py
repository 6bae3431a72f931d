"""``cheatcode composio-double`` and ``cheatcode mcp-double``: serve the local stand-ins.

cheatcode mcp-double --port 8765            # MCP endpoint http://127.0.0.1:8765/mcp
cheatcode composio-double --port 8766 --mcp-url github=http://127.0.0.1:8765/mcp
COMPOSIO_BASE_URL=http://127.0.0.1:8766 COMPOSIO_API_KEY=composio-double-key make up
"""

from __future__ import annotations

import argparse

NAME = "composio-double"
HELP = "Serve a local double of Composio's REST API v3 (toolkits, auth configs, connected accounts, MCP servers)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from cheatcode_infra.doubles.composio import DEFAULT_API_KEY

    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--api-key", default=DEFAULT_API_KEY, help="the x-api-key it accepts")
    parser.add_argument(
        "--mcp-url", action="append", default=[], metavar="TOOLKIT=URL", help="MCP URL of a toolkit's servers"
    )


def run(args: argparse.Namespace) -> int:
    from cheatcode_infra.doubles.composio import ComposioDouble
    from cheatcode_infra.doubles.serving import serve_forever

    mcp_urls = dict(item.split("=", 1) for item in args.mcp_url)
    double = ComposioDouble(api_key=args.api_key, base_url=f"http://{args.host}:{args.port}", mcp_urls=mcp_urls)
    return serve_forever(double.app(), args.host, args.port)
