"""Composition root: builds the billing service from its settings. Nothing runs at import time."""

from __future__ import annotations

from collections.abc import Sequence

from cheatcode_billing import SERVICE
from cheatcode_billing.config import Settings
from cheatcode_billing.entrypoint.app import Deps, Registration
from cheatcode_runtime.service import ServiceHost, build_service

# Every subscriber group of the service; a new use case appends its registration here.
REGISTRATIONS: tuple[Registration, ...] = ()


def build(settings: Settings, registrations: Sequence[Registration] = REGISTRATIONS) -> ServiceHost:
    host = build_service(
        SERVICE, settings, description="Plans, quotas, usage metering, BYOK keys, Polar checkout and webhooks."
    )
    deps = Deps(settings=settings)
    for register in registrations:
        register(host, deps)
    return host
