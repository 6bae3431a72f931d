"""Connecting operator tools to NATS: the environment's credentials, else the local stack's."""

from __future__ import annotations

import json
import os

from nats.aio.client import Client
from pydantic import SecretStr

from cheatcode_infra.home import StackHome, resolve_home
from cheatcode_infra.nats_auth import PROVISIONER
from cheatcode_runtime.nats import NatsSettings, connect


class StackNotRunningError(RuntimeError):
    pass


def provisioner_settings(home_dir: str | None) -> NatsSettings:
    """``CHEATCODE_NATS_URL`` (+ user/password) when set, as in Kubernetes; else the running ``make up``."""
    if os.environ.get("CHEATCODE_NATS_URL"):
        return NatsSettings()
    home = StackHome(resolve_home(home_dir))
    if not home.state_file.exists():
        raise StackNotRunningError(f"no running stack at {home.root} (start it with `make up`)")
    state = json.loads(home.state_file.read_text())
    password = (home.secrets / f"nats-{PROVISIONER}.password").read_text().strip()
    return NatsSettings(url=state["nats_url"], user=PROVISIONER, password=SecretStr(password))


async def connect_as_provisioner(home_dir: str | None) -> Client:
    return await connect(provisioner_settings(home_dir), name="cheatcode-cli")
