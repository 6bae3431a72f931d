"""``cheatcode vercel-double``: serve the local Vercel API double (point ``VERCEL_API_URL`` at it)."""

from __future__ import annotations

import argparse

NAME = "vercel-double"
HELP = "Serve a local double of the Vercel REST API (projects, deployments, readyState) for development."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", default=None, help="accept only this bearer token (default: any)")
    parser.add_argument("--build-seconds", type=float, default=3.0)
    parser.add_argument("--outcome", default="READY", choices=("READY", "ERROR", "CANCELED"))


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from cheatcode_infra.vercel_double.app import VercelDouble, create_app

    double = VercelDouble(token=args.token, build_seconds=args.build_seconds, outcome=args.outcome)
    uvicorn.run(create_app(double), host=args.host, port=args.port, log_level="warning")
    return 0
