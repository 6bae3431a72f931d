"""``cheatcode polar-double``: serve the local Polar (checkouts and signed webhooks)."""

from __future__ import annotations

import argparse
import os

NAME = "polar-double"
HELP = "Serve a local Polar: POST /v1/checkouts/, a checkout page, signed subscription webhooks."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--webhook-url", default=os.environ.get("CHEATCODE_POLAR_DOUBLE_WEBHOOK_URL"))


def run(args: argparse.Namespace) -> int:
    from cheatcode_infra.doubles.polar import PolarDouble
    from cheatcode_infra.doubles.serving import serve_forever

    # Secrets come from the environment, never the command line (which `ps` shows).
    double = PolarDouble(
        access_token=os.environ["POLAR_ACCESS_TOKEN"],
        public_url=f"http://{args.host}:{args.port}",
        webhook_url=args.webhook_url,
        webhook_secret=os.environ.get("POLAR_WEBHOOK_SECRET"),
    )
    return serve_forever(double.app(), args.host, args.port)
