"""Our maintenance scheduler: each task's command goes out once per period across replicas."""

from __future__ import annotations

from cheatcode_contracts import Command, CommandReply, sandbox
from cheatcode_contracts.billing import ResetQuotas
from cheatcode_contracts.catalog import COMMAND_OWNERS, subject_for
from cheatcode_contracts.maintenance import MAINTENANCE_TASKS, inngest_configured
from cheatcode_infra.nats_auth import GRANTS
from cheatcode_integrations.adapters.memory_leases import MemoryLeases
from cheatcode_integrations.handlers.maintenance import MaintenanceScheduler


async def test_one_command_per_period_across_replicas() -> None:
    hourly = tuple(task for task in MAINTENANCE_TASKS if task.fn_id == "reset-monthly-quotas")
    sent: list[Command] = []

    async def send(command: Command) -> CommandReply:
        sent.append(command)
        return CommandReply.success(0)

    now = [7200.0]
    leases = MemoryLeases(ttl=10_000)
    one = MaintenanceScheduler(hourly, send, leases, "a", clock=lambda: now[0])
    two = MaintenanceScheduler(hourly, send, leases, "b", clock=lambda: now[0])
    assert await one.tick() == ["reset-monthly-quotas-2"]
    assert await two.tick() == [] and await one.tick() == []
    now[0] += 3600
    assert await two.tick() == ["reset-monthly-quotas-3"]
    assert [type(c) for c in sent] == [ResetQuotas, ResetQuotas]


def test_every_task_has_an_owner_and_integrations_may_send_it() -> None:
    grant = GRANTS["integrations"].publish
    for task in MAINTENANCE_TASKS:
        command = task.command()
        assert type(command) in COMMAND_OWNERS
        assert subject_for(command) in grant


def test_issue_11_tasks_reconcile_runs_reset_quotas_and_clean_sandboxes() -> None:
    assert [task.fn_id for task in MAINTENANCE_TASKS] == [
        "reset-monthly-quotas",
        "reconcile-stale-agent-runs",
        "clean-abandoned-sandboxes",
    ]
    clean = MAINTENANCE_TASKS[-1].command()
    assert isinstance(clean, sandbox.CleanAbandonedSandboxes) and not clean.this_host_only
    # Answered by whichever sandbox replica takes it (the queue group), which then asks the other hosts.
    assert subject_for(clean).startswith(sandbox.shared_commands_filter().removesuffix(">"))


def test_inngest_configured_by_its_environment() -> None:
    assert not inngest_configured({})
    assert not inngest_configured({"INNGEST_DEV": "0"})
    assert inngest_configured({"INNGEST_DEV": "1"})
    assert inngest_configured({"INNGEST_SIGNING_KEY": "signkey-prod-1"})
