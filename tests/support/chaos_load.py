"""Load on a running stack, and what it saw: users writing projects, agent runs followed over SSE.

Shared by the cluster e2e test (``tests/e2e/test_nats_cluster.py``) and the chaos benchmark
(``benchmarks/bench_chaos.py``). Everything here is an outside client of the stack: HTTP to
the API, and, for the final check against the log, the ``reader`` NATS user.

What is checked, and how:
- *acknowledged* writes: a ``POST /api/projects`` that answered 200 names a project whose
  ``project.created`` event must be in EVENTS exactly once (lost: none; duplicated: more);
- SSE: a follower reads a run's stream to its terminal frame, reconnecting with
  ``Last-Event-ID`` whenever the connection drops; the frames' per-run ``sequence`` must then
  run 1, 2, 3, ... with no number missing (gap) or repeated (duplicate);
- runs: terminal (``completed``/``failed``/``stopped``) within a deadline;
- 5xx: every answer >= 500 with its time, to be compared with the kill windows.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import nats

from cheatcode_contracts.envelope import TYPE_HEADER
from cheatcode_contracts.runs import TERMINAL_STATUSES
from cheatcode_contracts.subjects import aggregate_kind_filter
from cheatcode_runtime.nats.log_reader import events_query, read_log

TokenFor = Callable[[str], str]
PROJECT_CREATED = "project.created"


@dataclass
class Answers:
    """Every HTTP answer's status and time (``time.monotonic()``), for 5xx-outside-kill-windows."""

    statuses: list[tuple[float, int]] = field(default_factory=list)
    transport_errors: list[tuple[float, str]] = field(default_factory=list)

    def record(self, status: int) -> None:
        self.statuses.append((time.monotonic(), status))

    def server_errors(self) -> list[tuple[float, int]]:
        return [(at, status) for at, status in self.statuses if status >= 500]


@dataclass
class Writer:
    """Creates projects back to back, each as a new user (``<user>_<n>``: the API allows one user
    10 projects a minute); remembers which were acknowledged."""

    user: str
    acknowledged: list[str] = field(default_factory=list)
    acknowledged_at: list[float] = field(default_factory=list)  # when each acknowledged request was sent
    latencies: list[tuple[float, float]] = field(default_factory=list)  # (started at, seconds)

    async def run(self, client: httpx.AsyncClient, token_for: TokenFor, answers: Answers, stop: asyncio.Event) -> None:
        written = 0
        while not stop.is_set():
            headers = {"Authorization": f"Bearer {token_for(f'{self.user}_{written}')}"}
            began = time.monotonic()
            try:
                response = await client.post(
                    "/api/projects", json={"name": f"chaos {uuid.uuid4().hex[:8]}"}, headers=headers, timeout=30
                )
            except httpx.HTTPError as error:  # the API process itself is down: retried after a pause
                answers.transport_errors.append((began, repr(error)))
                await asyncio.sleep(0.2)
                continue
            answers.record(response.status_code)
            self.latencies.append((began, time.monotonic() - began))
            if response.status_code == 200:
                self.acknowledged.append(str(response.json()["id"]))
                self.acknowledged_at.append(began)
                written += 1
            else:
                await asyncio.sleep(0.2)


@dataclass
class RunFollower:
    """Starts one agent run and follows its SSE stream to the terminal frame, resuming after drops."""

    user: str
    prompt: str
    run_id: str | None = None
    frames: list[dict[str, Any]] = field(default_factory=list)
    reconnects: int = 0
    status: str | None = None
    started_at: float = 0.0
    terminal_after: float | None = None  # seconds from start to the terminal frame

    async def start(self, client: httpx.AsyncClient, token_for: TokenFor, answers: Answers) -> None:
        headers = {"Authorization": f"Bearer {token_for(self.user)}"}
        while self.run_id is None:
            try:
                response = await client.post(
                    "/api/agent/initiate", data={"prompt": self.prompt}, headers=headers, timeout=60
                )
            except httpx.HTTPError:
                await asyncio.sleep(0.5)
                continue
            answers.record(response.status_code)
            if response.status_code == 200:
                self.run_id = str(response.json()["agent_run_id"])
            else:
                await asyncio.sleep(0.5)
        self.started_at = time.monotonic()

    async def follow(self, client: httpx.AsyncClient, token_for: TokenFor, answers: Answers, within: float) -> None:
        assert self.run_id is not None
        deadline = self.started_at + within
        last_id: int | None = None
        while time.monotonic() < deadline and self.status is None:
            headers = {"Last-Event-ID": str(last_id)} if last_id is not None else {}
            params = {"token": token_for(self.user)}
            try:
                async with client.stream(
                    "GET", f"/api/agent-run/{self.run_id}/stream", params=params, headers=headers, timeout=30
                ) as response:
                    answers.record(response.status_code)
                    if response.status_code == 204:  # at or past the terminal frame already
                        return
                    if response.status_code != 200:
                        raise httpx.HTTPStatusError("stream refused", request=response.request, response=response)
                    async for event_id, frame in _sse_frames(response):
                        last_id = event_id
                        self.frames.append(frame)
                        if frame.get("type") == "status" and frame.get("status") in TERMINAL_STATUSES:
                            self.status = str(frame["status"])
                            self.terminal_after = time.monotonic() - self.started_at
                            return
            except httpx.HTTPError:
                pass
            self.reconnects += 1
            await asyncio.sleep(0.3)

    def gaps_and_duplicates(self) -> tuple[int, int]:
        sequences = [int(frame["sequence"]) for frame in self.frames if "sequence" in frame]
        counts = Counter(sequences)
        duplicates = sum(n - 1 for n in counts.values())
        gaps = (max(sequences) - len(counts)) if sequences else 0  # numbers 1..max never seen
        return gaps, duplicates


async def _sse_frames(response: httpx.Response) -> Any:
    """``(id, data)`` of each SSE event that has an id (keep-alive comments are skipped)."""
    event_id: int | None = None
    data: list[str] = []
    async for line in response.aiter_lines():
        if line == "":
            if event_id is not None and data:
                yield event_id, json.loads("\n".join(data))
            event_id, data = None, []
        elif line.startswith("id:"):
            event_id = int(line[3:].strip())
        elif line.startswith("data:"):
            data.append(line[5:].lstrip())


async def until(condition: Callable[[], bool], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not within {within:.0f}s: {what}")
        await asyncio.sleep(0.05)


@dataclass(frozen=True)
class LogCheck:
    acknowledged: int
    lost: int  # acknowledged projects without a project.created event in EVENTS
    duplicated: int  # project.created events beyond the first, per acknowledged project


async def check_projects_in_log(nats_urls: list[str], reader_password: str, acknowledged: list[str]) -> LogCheck:
    """Reads every project event back as the ``reader`` user and counts lost and duplicated creations."""
    client = await nats.connect(servers=nats_urls, user="reader", password=reader_password, connect_timeout=5)
    created: Counter[str] = Counter()
    try:
        query = events_query(aggregate_kind_filter("project"))
        async for msg in read_log(client.jetstream(), query):
            if (msg.headers or {}).get(TYPE_HEADER) == PROJECT_CREATED:
                created[msg.subject.rsplit(".", 1)[-1]] += 1
    finally:
        await client.close()
    lost = sum(1 for project_id in acknowledged if created[project_id] == 0)
    duplicated = sum(created[project_id] - 1 for project_id in set(acknowledged) if created[project_id] > 1)
    return LogCheck(acknowledged=len(acknowledged), lost=lost, duplicated=duplicated)
