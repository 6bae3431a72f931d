"""The NATS servers of a local stack: one, or a cluster of N on loopback.

One server keeps the historical layout (``nats/nats-server.conf``, ``nats/jetstream``) and
the child name ``nats``. A cluster of N gets children ``nats-1`` … ``nats-N``, each with its
own config (``nats/nats-<i>.conf``), JetStream store (``nats/jetstream-<i>``) and route
port; streams are then provisioned with N replicas. Routes are unauthenticated: they
listen on loopback only, like everything of ``cheatcode up``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from cheatcode_infra import nats_auth
from cheatcode_infra.free_ports import free_port
from cheatcode_infra.home import StackHome
from cheatcode_infra.nats_server import NatsServer
from cheatcode_infra.secret_files import write_private

CLUSTER_NAME = "cheatcode"


@dataclass(frozen=True)
class NatsNode:
    name: str  # the supervised child's name (and its log file's)
    server: NatsServer


def child_name(index: int, size: int) -> str:
    return "nats" if size == 1 else f"nats-{index + 1}"


def configure(home: StackHome, size: int, passwords: Mapping[str, str]) -> list[NatsNode]:
    """Write each node's config (mode 0600: it holds passwords); ports are chosen free now."""
    if size < 1:
        raise ValueError("a NATS cluster needs at least one server")
    if size == 1:
        write_private(home.nats_config, nats_auth.render_config(home.jetstream, dict(passwords)).encode())
        return [NatsNode("nats", NatsServer(store_dir=home.jetstream, config_file=home.nats_config))]
    route_ports = [free_port() for _ in range(size)]
    nodes = []
    for index in range(size):
        name = child_name(index, size)
        store_dir = home.nats / f"jetstream-{index + 1}"
        config_file = home.nats / f"nats-{index + 1}.conf"
        text = nats_auth.render_config(store_dir, dict(passwords)) + _cluster_block(name, index, route_ports)
        write_private(config_file, text.encode())
        nodes.append(NatsNode(name, NatsServer(store_dir=store_dir, config_file=config_file)))
    return nodes


def _cluster_block(name: str, index: int, route_ports: list[int]) -> str:
    routes = [f"nats-route://127.0.0.1:{port}" for i, port in enumerate(route_ports) if i != index]
    return "\n".join(
        [
            f"server_name: {json.dumps(name)}",
            "cluster {",
            f"  name: {json.dumps(CLUSTER_NAME)}",
            f"  listen: 127.0.0.1:{route_ports[index]}",
            f"  routes: {json.dumps(routes)}",
            "}",
            "",
        ]
    )


def client_urls(nodes: list[NatsNode]) -> list[str]:
    return [node.server.url for node in nodes]
