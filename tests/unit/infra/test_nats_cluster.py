"""The local NATS layout: one server as before, or N clustered nodes with their own stores and routes."""

from __future__ import annotations

import re
from pathlib import Path

from cheatcode_infra import nats_cluster
from cheatcode_infra.home import StackHome

PASSWORDS = {"provisioner": "p", "reader": "r", "api": "a"}


def test_one_server_keeps_the_historical_layout(tmp_path: Path) -> None:
    home = StackHome(tmp_path)
    [node] = nats_cluster.configure(home, 1, PASSWORDS)
    assert node.name == "nats"
    assert node.server.config_file == home.nats_config and node.server.store_dir == home.jetstream
    text = home.nats_config.read_text()
    assert "cluster" not in text and "server_name" not in text
    assert nats_cluster.client_urls([node]) == [node.server.url]


def test_a_cluster_of_three_routes_each_node_to_the_two_others(tmp_path: Path) -> None:
    home = StackHome(tmp_path)
    nodes = nats_cluster.configure(home, 3, PASSWORDS)
    assert [node.name for node in nodes] == ["nats-1", "nats-2", "nats-3"]
    assert len({node.server.store_dir for node in nodes}) == 3
    assert len({node.server.port for node in nodes}) == 3
    listens = {}
    for node in nodes:
        assert node.server.config_file is not None
        text = node.server.config_file.read_text()
        assert f'server_name: "{node.name}"' in text
        assert 'name: "cheatcode"' in text and 'user: "reader"' in text
        listens[node.name] = re.search(r"listen: 127\.0\.0\.1:(\d+)", text).group(1)  # type: ignore[union-attr]
        routes = set(re.findall(r"nats-route://127\.0\.0\.1:(\d+)", text))
        assert len(routes) == 2 and listens[node.name] not in routes
        assert (node.server.config_file.stat().st_mode & 0o777) == 0o600  # it holds passwords
    assert len(set(listens.values())) == 3
