"""``cheatcode provision``: create or update the JetStream streams and KV buckets (idempotent)."""

from __future__ import annotations

import argparse
import asyncio
import sys

NAME = "provision"
HELP = (
    "Create or update the JetStream streams and KV buckets the contracts declare (needs the provisioner's credentials)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--home", default=None, help="stack data dir when CHEATCODE_NATS_URL is not set")
    parser.add_argument(
        "--replicas",
        type=int,
        default=None,
        help="replicas of every stream and bucket (default: how many servers CHEATCODE_NATS_URL or the stack lists)",
    )


def run(args: argparse.Namespace) -> int:
    if args.replicas is not None and not 1 <= args.replicas <= 5:
        print("cheatcode provision: --replicas must be between 1 and 5 (JetStream's limit)", file=sys.stderr)
        return 2
    return asyncio.run(_provision(args.home, args.replicas))


async def _provision(home: str | None, replicas: int | None) -> int:
    from cheatcode_contracts.streams import ALL_KEY_VALUE_BUCKETS, ALL_STREAMS
    from cheatcode_infra.connect_stack import connect_tool, provisioner_settings
    from cheatcode_infra.provisioning import provision

    settings = provisioner_settings(home)
    replicas = replicas or len(settings.servers)
    client = await connect_tool(settings, name="cheatcode-provision")
    try:
        await provision(client, replicas=replicas)
        for spec in ALL_STREAMS:
            print(f"stream {spec.name}: {', '.join(spec.subjects)} ({replicas} replicas)")
        for bucket in ALL_KEY_VALUE_BUCKETS:
            print(f"kv bucket {bucket.bucket} ({replicas} replicas)")
    finally:
        await client.drain()
    return 0
