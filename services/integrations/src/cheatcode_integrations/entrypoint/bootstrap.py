"""Composition root: builds the integrations service from its settings. Nothing runs at import time."""

from __future__ import annotations

from collections.abc import Sequence

from cheatcode_integrations import SERVICE
from cheatcode_integrations.config import Settings
from cheatcode_integrations.entrypoint.app import Deps, Registration
from cheatcode_runtime.service import ServiceHost, build_service

# Every subscriber group of the service; a new use case appends its registration here.
REGISTRATIONS: tuple[Registration, ...] = ()


def build(settings: Settings, registrations: Sequence[Registration] = REGISTRATIONS) -> ServiceHost:
    host = build_service(
        SERVICE, settings, description="Composio profiles and MCP, Vercel deployments, email, feature flags."
    )
    deps = Deps(settings=settings)
    for register in registrations:
        register(host, deps)
    return host
