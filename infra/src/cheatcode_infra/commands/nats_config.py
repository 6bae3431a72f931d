"""``cheatcode nats-config``: the per-service NATS users and permissions, for a cluster's config."""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "nats-config"
HELP = (
    "Print the nats-server authorization block (one user per service, least privilege); "
    "passwords are read from, or created in, --secrets-dir."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--secrets-dir", required=True, help="directory of nats-<user>.password files (mode 0700)")


def run(args: argparse.Namespace) -> int:
    from cheatcode_infra.nats_auth import load_passwords, render_authorization

    print(render_authorization(load_passwords(Path(args.secrets_dir))), end="")
    return 0
