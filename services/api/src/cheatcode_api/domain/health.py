"""Health report: component statuses and the overall verdict (the reference's deep-health shape)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    HEALTHY = "healthy"
    WARNING = "warning"
    CRITICAL = "critical"


@dataclass(frozen=True)
class ComponentHealth:
    component: str
    status: Status
    message: str
    timestamp: float
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "component": self.component,
            "status": self.status.value,
            "message": self.message,
            "timestamp": self.timestamp,
            "details": self.details,
        }


def overall_status(components: Sequence[ComponentHealth]) -> Status:
    statuses = {component.status for component in components}
    if Status.CRITICAL in statuses:
        return Status.CRITICAL
    if Status.WARNING in statuses:
        return Status.WARNING
    return Status.HEALTHY


def report(instance_id: str, timestamp: float, components: Sequence[ComponentHealth]) -> dict[str, Any]:
    return {
        "instance_id": instance_id,
        "timestamp": timestamp,
        "overall_status": overall_status(components).value,
        "components": {component.component: component.as_dict() for component in components},
        "critical_issues": [f"{c.component}: {c.message}" for c in components if c.status is Status.CRITICAL],
        "warnings": [f"{c.component}: {c.message}" for c in components if c.status is Status.WARNING],
    }


def lag_status(lag: int, *, warning_above: int) -> Status:
    """A read model ahead of the log (negative lag) means the log was reset: its rows are stale."""
    if lag < 0:
        return Status.CRITICAL
    return Status.WARNING if lag > warning_above else Status.HEALTHY
