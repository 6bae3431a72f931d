"""``cheatcode up``: run the whole stack in the foreground until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import os
import sys

NAME = "up"
HELP = "Run NATS, PostgreSQL, the dev JWT issuer and every service on this machine (Ctrl-C stops all)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--home", default=None, help="data dir (default $CHEATCODE_HOME or ./.cheatcode)")
    parser.add_argument("--api-port", type=int, default=None, help="API port (default $CHEATCODE_API_PORT or 8000)")
    parser.add_argument("--stop-timeout", type=float, default=10.0, help="seconds between SIGTERM and SIGKILL")
    parser.add_argument(
        "--nats-cluster",
        type=int,
        default=None,
        metavar="N",
        help="run N nats-servers clustered on loopback, every stream at N replicas "
        "(default $CHEATCODE_NATS_CLUSTER or 1)",
    )


def run(args: argparse.Namespace) -> int:
    import asyncio
    import logging

    from cheatcode_infra.home import StackHome, resolve_home
    from cheatcode_infra.preflight import PreflightError
    from cheatcode_infra.processes import die_with_parent
    from cheatcode_infra.supervisor import Supervisor, UpConfig, setup_logging

    if os.environ.get("MAKELEVEL"):
        # Under `make up`, make is our parent and does not pass SIGTERM on: stop with it.
        die_with_parent()
    home = StackHome(resolve_home(args.home))
    api_port = args.api_port if args.api_port is not None else int(os.environ.get("CHEATCODE_API_PORT") or 8000)
    nats_cluster = args.nats_cluster
    if nats_cluster is None:
        nats_cluster = int(os.environ.get("CHEATCODE_NATS_CLUSTER") or 1)
    if nats_cluster < 1:
        print("cheatcode up: --nats-cluster must be at least 1", file=sys.stderr)
        return 2
    environ = dict(os.environ)
    environ.pop("CHEATCODE_API_PORT", None)  # resolved above; the supervisor hands the API its own value
    setup_logging(home)
    config = UpConfig(
        home=home,
        api_port=api_port,
        api_host=os.environ.get("CHEATCODE_API_HOST") or "127.0.0.1",
        stop_timeout=args.stop_timeout,
        nats_cluster=nats_cluster,
        environ=environ,
    )
    try:
        asyncio.run(Supervisor(config).run())
    except PreflightError as error:
        logging.getLogger("cheatcode.up").error("%s", error)
        return 1
    except Exception:
        logging.getLogger("cheatcode.up").exception("the stack failed; everything started was stopped")
        return 1
    return 0
