"""CleanAbandonedSandboxes: stop sandboxes nobody uses, delete archives nobody fetched.

Only a sandbox's host knows how recently it was used (:mod:`cheatcode_sandbox.domain.activity`),
so the replica that takes the command sweeps its own sandboxes and asks every other replica the
event log names as a host to sweep theirs, then sums the reports. A stop is the same stop as on
shutdown (``SandboxStopped(reason="idle")``): processes end, the workspace stays, and the next
command, ``EnsureSandbox`` or preview starts the sandbox again.

Activity is what the host itself sees: host-bound commands and previews always reach it, but a
file operation that another replica serves does not count (files need no running sandbox).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass

from cheatcode_contracts import CommandReply
from cheatcode_contracts.sandbox import AbandonedCleanup, CleanAbandonedSandboxes, reply_result
from cheatcode_sandbox.handlers.deps import SandboxDeps, runtime_errors
from cheatcode_sandbox.handlers.lifecycle import stop_here

logger = logging.getLogger("cheatcode.sandbox.maintenance")
IDLE = "idle"


@dataclass(frozen=True)
class Peers:
    """The other replicas hosting sandboxes, and how to have one of them sweep its own."""

    hosts: Callable[[], Collection[str]]  # replicas the event log says run a sandbox
    sweep: Callable[[str, CleanAbandonedSandboxes], Awaitable[AbandonedCleanup | None]]  # None: no answer


async def clean_abandoned(command: CleanAbandonedSandboxes, deps: SandboxDeps, peers: Peers) -> CommandReply:
    report = await sweep_here(deps, command.idle_seconds or deps.idle_seconds)
    if not command.this_host_only:
        others = sorted(set(peers.hosts()) - {deps.instance_id})
        local = command.model_copy(update={"this_host_only": True})
        answers = await asyncio.gather(*(peers.sweep(host, local) for host in others))
        report = combine(report, dict(zip(others, answers, strict=True)))
    if report.stopped or report.archives_removed:
        logger.info("stopped %d idle sandboxes, removed %d abandoned archives", report.stopped, report.archives_removed)
    return CommandReply.success(0, **reply_result(report))


async def sweep_here(deps: SandboxDeps, idle_seconds: float) -> AbandonedCleanup:
    stopped: list[str] = []
    for sandbox_id in deps.activity.idle(list(deps.hosted), idle_seconds):
        # Checked again: stopping the ones before it took time, and a use may have started.
        if sandbox_id in deps.hosted and deps.activity.is_idle(sandbox_id, idle_seconds):
            await stop_here(deps, sandbox_id, IDLE)
            stopped.append(sandbox_id)
    with runtime_errors():
        archives = await deps.runtime.remove_abandoned_archives()
    return AbandonedCleanup(
        stopped=len(stopped), sandbox_ids=stopped, archives_removed=archives, hosts=[deps.instance_id]
    )


def combine(mine: AbandonedCleanup, theirs: dict[str, AbandonedCleanup | None]) -> AbandonedCleanup:
    answered = [report for report in theirs.values() if report is not None]
    every = [mine, *answered]
    return AbandonedCleanup(
        stopped=sum(report.stopped for report in every),
        sandbox_ids=[sandbox_id for report in every for sandbox_id in report.sandbox_ids],
        archives_removed=sum(report.archives_removed for report in every),
        hosts=[host for report in every for host in report.hosts],
        hosts_unreachable=[host for host, report in theirs.items() if report is None],
    )
