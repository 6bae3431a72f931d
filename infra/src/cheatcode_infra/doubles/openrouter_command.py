"""``cheatcode openrouter-double``: serve OpenRouter's key check locally (``/api/v1/auth/key``).

cheatcode openrouter-double --port 8767
CHEATCODE_OPENROUTER_URL=http://127.0.0.1:8767/api/v1 ...   # what billing's BYOK key test calls
"""

from __future__ import annotations

import argparse

NAME = "openrouter-double"
HELP = "Serve a local double of OpenRouter's GET /api/v1/auth/key (the BYOK key test)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)


def run(args: argparse.Namespace) -> int:
    from cheatcode_infra.doubles.openrouter_keys import OpenRouterKeysDouble
    from cheatcode_infra.doubles.serving import serve_forever

    return serve_forever(OpenRouterKeysDouble().app(), args.host, args.port)
