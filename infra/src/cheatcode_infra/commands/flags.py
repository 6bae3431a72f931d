"""``cheatcode flags``: set, list and unset feature flags in the ``feature_flags`` NATS KV bucket.

The bucket belongs to the integrations service's NATS user, so the tool logs in as that user
(the running ``make up``'s password file, or ``CHEATCODE_NATS_*`` as in Kubernetes). Every API
replica watches the bucket and sees a change within milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

NAME = "flags"
HELP = "Set, list or unset feature flags (GET /api/feature-flags, with FEATURE_FLAGS_ENABLED=true)."
OWNER = "integrations"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--home", default=None, help="stack data dir (default $CHEATCODE_HOME or ./.cheatcode)")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    set_ = actions.add_parser("set", help="turn a flag on or off")
    set_.add_argument("name")
    set_.add_argument("state", choices=("on", "off", "true", "false"))
    set_.add_argument("--description", default=None, help="what the flag does (kept when omitted)")
    actions.add_parser("list", help="print every flag as JSON lines")
    unset = actions.add_parser("unset", help="remove a flag")
    unset.add_argument("name")


def run(args: argparse.Namespace) -> int:
    from cheatcode_contracts.flags import valid_flag_name
    from cheatcode_infra.connect_stack import StackNotRunningError

    name = getattr(args, "name", None)
    if name is not None and not valid_flag_name(name):
        print(f"cheatcode flags: {name!r} is not a valid flag name (letters, digits, - _ . = /)", file=sys.stderr)
        return 2
    try:
        return asyncio.run(_run(args))
    except StackNotRunningError as error:
        print(f"cheatcode flags: {error}", file=sys.stderr)
        return 1


def _settings(home_dir: str | None) -> Any:
    import os

    from pydantic import SecretStr

    from cheatcode_infra.connect_stack import StackNotRunningError
    from cheatcode_infra.home import StackHome, resolve_home
    from cheatcode_runtime.nats import NatsSettings

    if os.environ.get("CHEATCODE_NATS_URL"):
        return NatsSettings()
    home = StackHome(resolve_home(home_dir))
    if not home.state_file.exists():
        raise StackNotRunningError(f"no running stack at {home.root} (start it with `make up`)")
    state = json.loads(home.state_file.read_text())
    password = (home.secrets / f"nats-{OWNER}.password").read_text().strip()
    return NatsSettings(url=state["nats_url"], user=OWNER, password=SecretStr(password))


async def _run(args: argparse.Namespace) -> int:
    from nats.js.errors import BucketNotFoundError, KeyNotFoundError, NotFoundError

    from cheatcode_contracts.flags import FLAGS_BUCKET, FlagValue
    from cheatcode_runtime.nats import connect

    client = await connect(_settings(args.home), name="cheatcode-flags")
    try:
        js = client.jetstream()
        try:
            kv = await js.key_value(FLAGS_BUCKET)
        except BucketNotFoundError:
            if args.action == "list":
                return 0
            kv = await js.create_key_value(bucket=FLAGS_BUCKET, history=5, description="feature flags")
        if args.action == "list":
            try:
                keys = await kv.keys()
            except NotFoundError:
                keys = []
            for key in sorted(keys):
                entry = await kv.get(key)
                value = FlagValue.model_validate_json(entry.value or b"{}")
                print(json.dumps({"name": key, **value.details(), "enabled": value.enabled}))
            return 0
        if args.action == "unset":
            await kv.delete(args.name)
            print(f"{args.name} unset")
            return 0
        description = args.description
        if description is None:
            try:
                previous = await kv.get(args.name)
                description = FlagValue.model_validate_json(previous.value or b"{}").description
            except (KeyNotFoundError, NotFoundError, ValueError):
                description = ""
        value = FlagValue(enabled=args.state in ("on", "true"), description=description)
        await kv.put(args.name, value.model_dump_json().encode())
        print(f"{args.name} {'on' if value.enabled else 'off'}")
        return 0
    finally:
        await client.drain()
