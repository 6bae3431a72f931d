"""Scheduled maintenance: which command runs when, in one table (reference §15's cron functions).

Each task is a command its owning service answers (the handler belongs to that service). Two
triggers send it: the Inngest functions served at ``/api/inngest`` when Inngest is configured
(``INNGEST_DEV`` or ``INNGEST_SIGNING_KEY``), otherwise the integrations service's own scheduler.
Nothing depends on Inngest being present.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cheatcode_contracts.base import Command
from cheatcode_contracts.billing import ResetQuotas
from cheatcode_contracts.runs import ReconcileStaleRuns
from cheatcode_contracts.sandbox import CleanAbandonedSandboxes

INNGEST_APP_ID = "cheatcode-backend"


@dataclass(frozen=True)
class MaintenanceTask:
    fn_id: str  # the Inngest function id (registered as ``cheatcode-backend-<fn_id>``)
    cron: str  # the Inngest trigger
    interval_seconds: float  # the same cadence for our own scheduler
    command: Callable[[], Command]
    description: str


MAINTENANCE_TASKS: tuple[MaintenanceTask, ...] = (
    MaintenanceTask(
        fn_id="reset-monthly-quotas",
        cron="0 * * * *",
        interval_seconds=3600.0,
        command=lambda: ResetQuotas(),
        description="billing: start a new quota period for every account whose period ended",
    ),
    MaintenanceTask(
        fn_id="reconcile-stale-agent-runs",
        cron="*/10 * * * *",  # the original's cadence
        interval_seconds=600.0,
        command=lambda: ReconcileStaleRuns(),
        description="agent: end runs unfinished past the maximum duration plus slack (no live worker)",
    ),
    MaintenanceTask(
        fn_id="clean-abandoned-sandboxes",
        # §15 has no such function: the original left it to Daytona (stop after 15 idle minutes).
        # Every 5 minutes stops a sandbox 15-20 minutes after its last use.
        cron="*/5 * * * *",
        interval_seconds=300.0,
        command=lambda: CleanAbandonedSandboxes(),
        description="sandbox: stop sandboxes idle past the threshold on every host, delete unfetched archives",
    ),
)


def inngest_configured(environ: dict[str, str]) -> bool:
    """Whether an Inngest server drives the tasks (then our own scheduler stays idle)."""
    dev = environ.get("INNGEST_DEV", "").strip().lower()
    return dev not in ("", "0", "false", "no") or bool(environ.get("INNGEST_SIGNING_KEY"))
