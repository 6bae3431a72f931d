"""``cheatcode dev-token``: print a token the running dev stack accepts."""

from __future__ import annotations

import argparse
import sys

NAME = "dev-token"
HELP = "Print a JWT signed by the local dev issuer (the stack started by `cheatcode up` accepts it)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", required=True, help="user id (the token's sub claim)")
    parser.add_argument("--email", default=None, help="email claim")
    parser.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds (default 3600)")
    parser.add_argument("--home", default=None, help="stack data dir (default $CHEATCODE_HOME or ./.cheatcode)")


def run(args: argparse.Namespace) -> int:
    from cheatcode_infra.dev_issuer import DevIssuer, DevIssuerMissingError
    from cheatcode_infra.home import StackHome, resolve_home

    if args.ttl <= 0:
        print("cheatcode dev-token: --ttl must be positive", file=sys.stderr)
        return 2
    home = StackHome(resolve_home(args.home))
    try:
        issuer = DevIssuer.load(home.dev_issuer)
    except DevIssuerMissingError as error:
        print(
            f"cheatcode dev-token: {error}. Start the stack first (`make up`) from the same directory, "
            "or point --home / CHEATCODE_HOME at its data dir.",
            file=sys.stderr,
        )
        return 1
    print(issuer.mint(args.user, email=args.email, ttl_seconds=args.ttl))
    return 0
