"""``cheatcode probe SERVICE``: exit 0 if the service answers its ping over NATS (Kubernetes probes).

The services other than the API speak only NATS, so their readiness and liveness is "does it
answer ``cc.ping.<service>``" with the pod's own credentials (``CHEATCODE_NATS_*``). A sandbox
replica is probed on its own host subject (``--instance``, default ``CHEATCODE_INSTANCE_ID``):
that answer comes from this pod and no other.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

NAME = "probe"
HELP = "Exit 0 if SERVICE answers its NATS ping within --timeout seconds (for Kubernetes exec probes)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("service", help="agent, sandbox, billing or integrations")
    parser.add_argument("--timeout", type=float, default=2.0, help="seconds to wait for the answer")
    parser.add_argument(
        "--instance",
        default=None,
        help="sandbox only: the replica to ping (default: CHEATCODE_INSTANCE_ID, i.e. this pod)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        # The whole probe is bounded: a NATS that cannot be reached fails it, never stalls it.
        return asyncio.run(asyncio.wait_for(_probe(args.service, args.instance, args.timeout), 2 * args.timeout))
    except Exception as error:  # a probe reports, it never raises
        print(f"cheatcode probe {args.service}: {error}", file=sys.stderr)
        return 1


def subject_for(service: str, instance: str | None) -> str:
    from cheatcode_contracts.sandbox import SERVICE as SANDBOX, host_ping_subject
    from cheatcode_contracts.subjects import ping_subject

    if service == SANDBOX:
        chosen = instance or os.environ.get("CHEATCODE_INSTANCE_ID")
        if chosen:
            return host_ping_subject(chosen)
    return ping_subject(service)


async def _probe(service: str, instance: str | None, wait: float) -> int:
    import nats

    from cheatcode_contracts.health import Pong
    from cheatcode_runtime.nats import NatsSettings

    settings = NatsSettings()
    client = await nats.connect(
        servers=settings.servers,
        name=f"probe-{service}",
        user=settings.user,
        password=settings.password.get_secret_value() if settings.password else None,
        connect_timeout=wait,
        allow_reconnect=False,  # one try: the probe's own period is the retry
        max_reconnect_attempts=0,
    )
    try:
        msg = await client.request(subject_for(service, instance), b"", timeout=wait)
        pong = Pong.model_validate_json(msg.data)
    finally:
        await client.close()
    print(f"{pong.service} {pong.instance_id}: {pong.status}")
    return 0 if pong.status == "ok" else 1
