"""Connecting operator tools to NATS: the environment's credentials, else the local stack's.

Each tool logs in as its own user (``cheatcode provision`` as ``provisioner``, ``cheatcode
events`` as ``reader``). A right the server refuses is reported asynchronously; the tools
collect those reports and fail on them instead of stopping silently.
"""

from __future__ import annotations

import json
import os

import nats
from nats.aio.client import Client
from pydantic import SecretStr

from cheatcode_infra.home import StackHome, resolve_home
from cheatcode_infra.nats_auth import PROVISIONER, READER
from cheatcode_runtime.nats import NatsSettings


class StackNotRunningError(RuntimeError):
    pass


def stack_settings(home_dir: str | None, user: str) -> NatsSettings:
    """``CHEATCODE_NATS_URL`` (+ user/password) when set, as in Kubernetes; else the running ``make up``'s ``user``."""
    if os.environ.get("CHEATCODE_NATS_URL"):
        return NatsSettings()
    home = StackHome(resolve_home(home_dir))
    if not home.state_file.exists():
        raise StackNotRunningError(f"no running stack at {home.root} (start it with `make up`)")
    state = json.loads(home.state_file.read_text())
    password = (home.secrets / f"nats-{user}.password").read_text().strip()
    return NatsSettings(url=state["nats_url"], user=user, password=SecretStr(password))


def provisioner_settings(home_dir: str | None) -> NatsSettings:
    return stack_settings(home_dir, PROVISIONER)


class ServerErrors:
    """What the server reported on this connection (``-ERR 'Permissions Violation ...'``)."""

    def __init__(self) -> None:
        self.reported: list[str] = []

    async def on_error(self, error: Exception) -> None:
        self.reported.append(str(error))


async def connect_tool(settings: NatsSettings, *, name: str, errors: ServerErrors | None = None) -> Client:
    """A short-lived tool's connection: no endless reconnecting, server errors collected."""
    kwargs = {"error_cb": errors.on_error} if errors is not None else {}
    return await nats.connect(
        servers=settings.servers,
        name=name,
        user=settings.user,
        password=settings.password.get_secret_value() if settings.password else None,
        connect_timeout=settings.connect_timeout,  # type: ignore[arg-type]  # nats-py's hint is too narrow
        max_reconnect_attempts=3,
        **kwargs,  # type: ignore[arg-type]
    )


async def connect_as_reader(home_dir: str | None, errors: ServerErrors) -> Client:
    return await connect_tool(stack_settings(home_dir, READER), name="cheatcode-events", errors=errors)
