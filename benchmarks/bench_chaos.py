"""Chaos benchmark: a mixed load of users and agent runs while each process kind is killed in turn.

Prints one row per killed process kind and a total, asserts nothing (``tests/e2e/
test_chaos_short.py`` runs ``--short`` and asserts on the JSON it writes). The stack is
``cheatcode up`` (its own home, free ports); the load is outside HTTP clients
(``tests/support/chaos_load.py``): writers creating projects back to back, and run loops
each starting an agent run (mock model) and following its SSE stream to the end, resuming
with ``Last-Event-ID`` after a drop.

Each phase: kill -9 one process (its pid from ``stack.json``), then measure how long until
the stack answers a write and a read again (for the agent: until a new run completes).
The kill window is from the kill until recovery plus a short grace; 5xx inside it are
expected (503 while a dependency is down), outside it they are failures.

Figures: writes acknowledged; events lost (acknowledged project without its
``project.created`` in EVENTS) and duplicated (more than one); the longest write; runs
started, ended other than completed, and not terminal within 60 s; SSE gaps and
duplicates (per-run frame ``sequence`` missing or repeated); seconds to recover; 5xx
answered inside / outside kill windows.

    .venv/bin/python benchmarks/bench_chaos.py                 # every kind, then one cluster node
    .venv/bin/python benchmarks/bench_chaos.py --short         # the CI version (~1-2 min)
    .venv/bin/python benchmarks/bench_chaos.py --json out.json # also write the figures as JSON
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.chaos_load import Answers, RunFollower, Writer, check_projects_in_log
from tests.support.stack import Stack

SINGLE_NODE_KINDS = ("api", "agent", "sandbox", "billing", "integrations", "nats", "postgres")
SHORT_KINDS = ("api", "postgres", "nats", "sandbox")
CLUSTER_KIND = "nats-cluster-node"
RUN_PROMPT = "[mock:long:60:25] chaos"  # ~1.5 s of streaming per run
RUN_DEADLINE = 60.0
KILL_GRACE = 2.0  # a 503 answered just after recovery still belongs to the kill


@dataclass
class Phase:
    kind: str
    process: str
    started: float
    killed_at: float = 0.0
    recovered_at: float | None = None
    ended: float = 0.0

    @property
    def recover_seconds(self) -> float | None:
        return None if self.recovered_at is None else self.recovered_at - self.killed_at

    def in_window(self, at: float) -> bool:
        end = (self.recovered_at or self.ended) + KILL_GRACE
        return self.killed_at <= at <= end


@dataclass
class Row:
    kind: str
    writes: int = 0
    lost: int = 0
    duplicated: int = 0
    max_write_seconds: float = 0.0  # the longest a write took (a stall while the killed part was down)
    runs: int = 0
    runs_failed: int = 0  # terminal, but not completed (e.g. its agent process was killed)
    runs_not_terminal: int = 0
    sse_gaps: int = 0
    sse_duplicates: int = 0
    recover_seconds: float | None = None
    errors_5xx_in_window: int = 0
    errors_5xx_outside: int = 0


@dataclass
class Load:
    stack: Stack
    answers: Answers = field(default_factory=Answers)
    writers: list[Writer] = field(default_factory=list)
    runs: list[RunFollower] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def run_loop(self, client: httpx.AsyncClient, user: str) -> None:
        """Run after run, each by a new user (per-user rate limits and plan quotas stay out of the figures)."""
        while not self.stop.is_set():
            follower = RunFollower(f"{user}_{len(self.runs)}", RUN_PROMPT)
            await follower.start(client, self.stack.token, self.answers)
            self.runs.append(follower)
            await follower.follow(client, self.stack.token, self.answers, RUN_DEADLINE)


async def _recovered(
    client: httpx.AsyncClient, stack: Stack, kind: str, process: str, old_pid: int, within: float = 60.0
) -> float | None:
    """When the stack answers again after ``process`` was killed: restarted, a write and a read
    succeed (for the agent: a new run completes; for the sandbox: the deep health check passes)."""
    deadline = time.monotonic() + within
    attempt = 0
    while time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        attempt += 1
        user = f"chaos_probe_{process}_{attempt}"
        headers = {"Authorization": f"Bearer {stack.token(user)}"}
        try:
            if stack.state()["children"].get(process) == old_pid:
                continue  # not restarted yet
            write = await client.post("/api/projects", json={"name": "probe"}, headers=headers, timeout=5)
            read = await client.get("/api/projects", headers=headers, timeout=5)
            if write.status_code != 200 or read.status_code != 200:
                continue
            if kind == "agent":
                probe = RunFollower(user, "[mock:echo] probe")
                await probe.start(client, stack.token, Answers())
                await probe.follow(client, stack.token, Answers(), 15)
                if probe.status != "completed":
                    continue
            if kind == "sandbox":
                deep = await client.get("/api/health/deep", timeout=10)
                if deep.status_code != 200:
                    continue
            return time.monotonic()
        except (httpx.HTTPError, OSError, ValueError, KeyError):
            continue
    return None


async def _leader_node(stack: Stack) -> str:
    import nats

    urls, password = stack.state()["nats_urls"], stack.nats_password("reader")
    client = await nats.connect(servers=urls, user="reader", password=password)
    try:
        info = await client.jetstream().stream_info("EVENTS")
        return str(info.cluster.leader) if info.cluster and info.cluster.leader else "nats-1"
    finally:
        await client.close()


async def _phases(stack: Stack, kinds: tuple[str, ...], *, writers: int, run_loops: int, settle: float) -> list[Row]:
    load = Load(stack)
    phases: list[Phase] = []
    async with httpx.AsyncClient(base_url=stack.base_url, limits=httpx.Limits(max_connections=100)) as client:
        load.writers = [Writer(f"chaos_writer_{n}") for n in range(writers)]
        tasks = [asyncio.create_task(w.run(client, stack.token, load.answers, load.stop)) for w in load.writers]
        tasks += [asyncio.create_task(load.run_loop(client, f"chaos_runner_{n}")) for n in range(run_loops)]
        try:
            await asyncio.sleep(settle)  # steady load before the first kill
            for kind in kinds:
                process = kind
                if kind == CLUSTER_KIND:
                    process = await _leader_node(stack)
                phase = Phase(kind, process, started=time.monotonic())
                pid = int(stack.state()["children"][process])
                phase.killed_at = time.monotonic()
                os.kill(pid, signal.SIGKILL)
                phase.recovered_at = await _recovered(client, stack, kind, process, pid)
                await asyncio.sleep(settle)  # the load runs on a healed stack before the next kill
                phase.ended = time.monotonic()
                phases.append(phase)
        finally:
            load.stop.set()
            await asyncio.gather(*tasks)
    return await _rows(stack, load, phases)


def _phase_at(phases: list[Phase], at: float) -> Phase | None:
    for phase in phases:
        if phase.started <= at < phase.ended:
            return phase
    return None


async def _rows(stack: Stack, load: Load, phases: list[Phase]) -> list[Row]:
    rows = {phase.kind: Row(phase.kind, recover_seconds=phase.recover_seconds) for phase in phases}
    baseline = Row("(no kill)")
    acked_by_phase: dict[str, list[str]] = {}
    for writer in load.writers:
        for began, project_id in zip(writer.acknowledged_at, writer.acknowledged, strict=True):
            phase = _phase_at(phases, began)
            acked_by_phase.setdefault(phase.kind if phase else baseline.kind, []).append(project_id)
        for began, seconds in writer.latencies:
            row = rows[p.kind] if (p := _phase_at(phases, began)) else baseline
            row.max_write_seconds = max(row.max_write_seconds, seconds)
    reader = stack.nats_password("reader")
    for kind, projects in acked_by_phase.items():
        check = await check_projects_in_log(stack.state()["nats_urls"], reader, projects)
        row = rows.get(kind, baseline)
        row.writes, row.lost, row.duplicated = check.acknowledged, check.lost, check.duplicated
    for run in load.runs:
        phase = _phase_at(phases, run.started_at)
        row = rows[phase.kind] if phase else baseline
        gaps, duplicates = run.gaps_and_duplicates()
        row.runs += 1
        row.runs_failed += run.status is not None and run.status != "completed"
        row.runs_not_terminal += run.status is None
        row.sse_gaps += gaps
        row.sse_duplicates += duplicates
    for at, _status in load.answers.server_errors():
        inside = next((phase for phase in phases if phase.in_window(at)), None)
        if inside is not None:
            rows[inside.kind].errors_5xx_in_window += 1
        else:
            (rows[p.kind] if (p := _phase_at(phases, at)) else baseline).errors_5xx_outside += 1
    return [baseline, *rows.values()]


def _print(rows: list[Row], title: str) -> None:
    headers = ("killed", "writes", "lost", "dup", "max write s", "runs", "failed", "not term.", "SSE gaps", "SSE dup")
    headers += ("recover s", "5xx in", "5xx out")
    lines = [
        (r.kind, r.writes, r.lost, r.duplicated, f"{r.max_write_seconds:.2f}", r.runs, r.runs_failed,
         r.runs_not_terminal, r.sse_gaps, r.sse_duplicates,
         "-" if r.recover_seconds is None and r.kind == "(no kill)" else
         ("never" if r.recover_seconds is None else f"{r.recover_seconds:.1f}"),
         r.errors_5xx_in_window, r.errors_5xx_outside)
        for r in rows
    ]  # fmt: skip
    widths = [max(len(str(h)), *(len(str(line[i])) for line in lines)) for i, h in enumerate(headers)]
    print(f"\n{title}")
    print("  ".join(str(h).rjust(w) for h, w in zip(headers, widths, strict=True)))
    for line in lines:
        print("  ".join(str(v).rjust(w) for v, w in zip(line, widths, strict=True)))


def _run_stack(up_args: tuple[str, ...], kinds: tuple[str, ...], short: bool, root: Path) -> list[Row]:
    stack = Stack(root / "home", up_args=up_args)
    try:
        stack.start(timeout=120)
        writers, run_loops, settle = (2, 2, 3.0) if short else (4, 3, 6.0)
        return asyncio.run(_phases(stack, kinds, writers=writers, run_loops=run_loops, settle=settle))
    finally:
        stack.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help=f"kill only {', '.join(SHORT_KINDS)}; lighter load")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    args = parser.parse_args()
    results: dict[str, list[Row]] = {}
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-chaos-") as tmp:
        kinds = SHORT_KINDS if args.short else SINGLE_NODE_KINDS
        results["single NATS server"] = _run_stack((), kinds, args.short, Path(tmp) / "single")
        if not args.short:
            results["3-node NATS cluster"] = _run_stack(
                ("--nats-cluster", "3"), (CLUSTER_KIND,), args.short, Path(tmp) / "cluster"
            )
    for title, rows in results.items():
        _print(rows, f"chaos, {title} ({'short' if args.short else 'full'}); every process kill -9")
    print(f"\n{time.monotonic() - began:.0f} s in all")
    if args.json is not None:
        figures = {title: [asdict(row) for row in rows] for title, rows in results.items()}
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
