"""``cheatcode provision``: create or update the JetStream streams (idempotent)."""

from __future__ import annotations

import argparse
import asyncio

NAME = "provision"
HELP = "Create or update the JetStream streams the contracts define (needs the provisioner's credentials)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--home", default=None, help="stack data dir when CHEATCODE_NATS_URL is not set")


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_provision(args.home))


async def _provision(home: str | None) -> int:
    from cheatcode_contracts.streams import ALL_STREAMS
    from cheatcode_infra.connect_stack import connect_as_provisioner
    from cheatcode_runtime.nats import ensure_streams

    client = await connect_as_provisioner(home)
    try:
        await ensure_streams(client.jetstream(), ALL_STREAMS)
        for spec in ALL_STREAMS:
            print(f"stream {spec.name}: {', '.join(spec.subjects)}")
    finally:
        await client.drain()
    return 0
