"""Ports and domain code load no drivers: importing them must not import nats or faststream."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

DRIVERS = ("nats", "faststream")


def loaded_drivers(module: str) -> list[str]:
    probe = (
        f"import json, sys, {module}\n"
        f"print(json.dumps(sorted({{name.split('.')[0] for name in sys.modules}} & {set(DRIVERS)!r})))"
    )
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout
    return list(json.loads(out))


@pytest.mark.parametrize(
    "module",
    [
        "cheatcode_runtime.errors",
        "cheatcode_runtime.eventstore",
        "cheatcode_runtime.eventstore.port",
        "cheatcode_runtime.eventstore.repository",
        "cheatcode_agent.domain.run",
        "cheatcode_agent.domain.threads",
        "cheatcode_agent.domain.projects",
        "cheatcode_agent.domain.conversation",
    ],
)
def test_importing_a_port_or_domain_module_loads_no_driver(module: str) -> None:
    assert loaded_drivers(module) == []


def test_the_jetstream_driver_is_still_reachable_from_the_package() -> None:
    from cheatcode_runtime.eventstore import JetStreamEventStore
    from cheatcode_runtime.eventstore.jetstream import JetStreamEventStore as Direct

    assert JetStreamEventStore is Direct


def test_domain_errors_keep_their_old_import_path() -> None:
    from cheatcode_runtime import errors, service

    assert service.DomainError is errors.DomainError and service.NotFound is errors.NotFound
