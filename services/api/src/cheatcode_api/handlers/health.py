"""Deep health: run every probe at once, each bounded by a timeout."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from cheatcode_api.domain.health import ComponentHealth, Status, report
from cheatcode_api.ports.health import HealthProbe


async def _bounded(probe: HealthProbe, seconds: float) -> ComponentHealth:
    try:
        return await asyncio.wait_for(probe.check(), seconds)
    except TimeoutError:
        return ComponentHealth(probe.name, Status.CRITICAL, f"no answer within {seconds:g}s", time.time())
    except Exception as error:  # a probe bug must not hide the other components
        return ComponentHealth(probe.name, Status.CRITICAL, f"probe failed: {error!r}", time.time())


async def deep_health(probes: Sequence[HealthProbe], instance_id: str, *, seconds: float = 3.0) -> dict[str, Any]:
    components = await asyncio.gather(*(_bounded(probe, seconds) for probe in probes))
    return report(instance_id, time.time(), components)
