"""A nats-server with the stack's own users and permissions (``cheatcode_infra.nats_auth``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from nats.aio.client import Client
from pydantic import SecretStr

from cheatcode_infra import nats_auth
from cheatcode_infra.nats_server import NatsServer
from cheatcode_runtime.nats import NatsSettings, connect

SecuredNats = tuple[NatsServer, dict[str, str]]  # the server and each user's password


def secured_nats_server(root: Path) -> Iterator[SecuredNats]:
    """Run as a fixture body: ``yield from secured_nats_server(tmp_path_factory.mktemp(...))``."""
    passwords = nats_auth.write_config(root / "nats.conf", root / "jetstream", root / "secrets")
    server = NatsServer(store_dir=root / "jetstream", config_file=root / "nats.conf")
    server.start()
    yield server, passwords
    server.stop()


async def connect_as(server: NatsServer, passwords: dict[str, str], user: str) -> Client:
    settings = NatsSettings(url=server.url, user=user, password=SecretStr(passwords[user]))
    return await connect(settings, name=f"test-{user}")
