"""What a replica does with one requested run: claim it, drive it, end it.

The policy carries the run's ``Loaded`` state through its life: loaded once when claimed,
advanced by its own appends and by the run's events it follows while driving (a stop, an
ending written by someone else). Only a conflict on the final append makes it load again,
through ``Repository.update``. No transport here: the worker (``handlers/run_worker.py``)
feeds it the requested runs of a durable consumer and keeps their messages alive.

A run whose worker stopped sending heartbeats is redelivered to another replica after the
consumer's ``ack_wait``; that replica finds it started and ends it ``failed`` (``stopped``
if a stop was asked): no run stays ``running`` forever.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from cheatcode_agent.domain import run as runs
from cheatcode_agent.domain.run import Run
from cheatcode_agent.handlers.agent_loop import AgentLoop, LoopDeps, Outcome, RunAborted
from cheatcode_agent.handlers.frame_writer import FrameWriter, ensure_terminal_frame, writer_for
from cheatcode_agent.ports.llm import LlmError
from cheatcode_agent.ports.run_output import RunOutput, RunOutputUnavailableError
from cheatcode_agent.ports.sandbox import SandboxError
from cheatcode_contracts import Event
from cheatcode_runtime.eventstore import ConcurrencyError, EventStoreUnavailableError, Loaded
from cheatcode_runtime.observability.metrics import RUNS
from cheatcode_runtime.tasks import cancel_until_done

logger = logging.getLogger("cheatcode.agent.worker")

SHUTDOWN = "Agent service shut down during the run"
TIMED_OUT = "Agent run timed out after maximum duration"


class RunTakenError(Exception):
    """The run changed while we claimed it (stopped, or taken by another replica): look again."""


@dataclass
class RunLife:
    """One claimed run as this replica knows it: its state and the position of its last event."""

    loaded: Loaded[Run]

    @property
    def run(self) -> Run:
        return self.loaded.state

    def saw(self, event: Event, position: int) -> None:
        self.loaded = Loaded(self.run.apply(event), position)


class RunPolicy:
    def __init__(self, deps: LoopDeps, output: RunOutput, worker_id: str) -> None:
        self._deps = deps
        self._output = output
        self._worker_id = worker_id
        self._runs = deps.aggregates.runs

    async def claim(self, run_id: str) -> RunLife | None:
        """Start ``run_id`` on this replica; None when there is nothing to run (it ended, it
        never existed, or its worker fell silent and it was ended here). Raises
        :class:`RunTakenError` when it changed meanwhile."""
        loaded = await self._runs.load(run_id)
        run = loaded.state
        if not run.exists:
            return None
        if run.is_terminal:
            await ensure_terminal_frame(self._output, run)
            return None
        if run.is_started:
            await self._take_over(RunLife(loaded))
            return None
        try:
            loaded = await self._runs.append(run_id, loaded, runs.start(run, self._worker_id), key=f"{run_id}:start")
        except ConcurrencyError:
            raise RunTakenError(run_id) from None
        return RunLife(loaded)

    async def execute(self, life: RunLife) -> None:
        """Drive the run to its end and record it. On cancellation (shutdown) the run is
        ended ``failed``, shielded so that a second cancellation cannot cut that in half."""
        try:
            writer = await writer_for(self._output, life.run.run_id)
            outcome = await self._drive(life, writer)
            if outcome is not None:
                await self.finish(life, outcome, writer)
        except asyncio.CancelledError:
            await asyncio.shield(self._end_on_shutdown(life))
            raise

    async def _drive(self, life: RunLife, writer: FrameWriter) -> Outcome | None:
        """Run the loop until it ends, a stop arrives, or time runs out. None: someone else ended it."""
        await writer.status("running", "Agent run started")
        loop = asyncio.create_task(AgentLoop(life.run, self._deps, writer).execute(), name=f"loop-{life.run.run_id}")
        watch = asyncio.create_task(self._watch(life), name=f"watch-{life.run.run_id}")
        loop_ended = False
        try:
            pending = {loop, watch}
            ends = asyncio.get_running_loop().time() + self._deps.limits.max_duration
            while loop in pending:
                left = ends - asyncio.get_running_loop().time()
                done, pending = await asyncio.wait(pending, timeout=max(left, 0), return_when=asyncio.FIRST_COMPLETED)
                loop_ended = loop in done
                if not done:
                    return Outcome("completed", TIMED_OUT)
                if watch in done and not _watch_failed(watch, life.run.run_id):
                    break  # a stop, or someone else's ending
        finally:
            await cancel_until_done(watch)
            await cancel_until_done(loop)
        if loop_ended:
            return _outcome_of(loop)
        if life.run.stop_requested:
            return Outcome("stopped", life.run.stop_reason or "Stopped by user")
        return None  # ended by someone else (a takeover after a long stall), who wrote its frame

    async def _watch(self, life: RunLife) -> None:
        """Returns once the run is asked to stop or was ended by someone else."""
        stream = self._deps.store.follow(self._runs.subject(life.run.run_id), after=life.loaded.position)
        try:
            async for stored in stream:
                life.saw(stored.event, stored.position)
                if life.run.stop_requested or life.run.is_terminal:
                    return
        finally:
            await stream.aclose()  # type: ignore[attr-defined]

    async def finish(self, life: RunLife, outcome: Outcome, writer: FrameWriter | None) -> None:
        """Terminal event first (the record), then the terminal frame (what clients see).

        The idempotency key names this worker: a racing writer's terminal event must never be
        taken for a retry of ours (the store would report it as our own append).
        """
        run_id, key = life.run.run_id, f"{life.run.run_id}:end:{self._worker_id}"
        decided: list[Event] = []

        def decide(run: Run) -> list[Event]:
            event = runs.finish(run, outcome.status, outcome.message)
            decided[:] = [event] if event is not None else []
            return list(decided)

        try:
            loaded = await self._runs.append(run_id, life.loaded, decide(life.run), key=key)
        except ConcurrencyError:  # something happened since we last looked: decide afresh
            loaded = await self._runs.update(run_id, decide, key=key)
        life.loaded = loaded
        ended = loaded.state
        if decided:
            RUNS.labels(ended.status or "failed").inc()
        if decided and writer is not None and await writer.status(ended.status or "failed", outcome.message):
            return
        if ended.is_terminal:
            await ensure_terminal_frame(self._output, ended)

    async def _take_over(self, life: RunLife) -> None:
        """The run's worker stopped sending heartbeats: end the run ``failed`` (``stopped`` if
        the user had asked to stop it: that wish is met either way)."""
        run = life.run
        if run.stop_requested:
            await self.finish(life, Outcome("stopped", run.stop_reason or "Stopped by user"), None)
            return
        detail = f"Agent worker {run.worker_id} stopped responding; the run was abandoned"
        logger.warning("run %s: %s", run.run_id, detail)
        await self.finish(life, Outcome("failed", detail), None)

    async def _end_on_shutdown(self, life: RunLife) -> None:
        try:
            await self.finish(life, Outcome("failed", SHUTDOWN), None)
        except Exception:
            logger.warning("run %s: could not end it at shutdown; another replica will", life.run.run_id, exc_info=True)


def _watch_failed(watch: asyncio.Task[None], run_id: str) -> bool:
    """A watch that crashed (NATS away past the store's deadline) leaves the run to its loop."""
    if watch.cancelled() or watch.exception() is None:
        return False
    logger.warning("run %s: cannot follow its events any more: %s", run_id, watch.exception())
    return True


def _outcome_of(task: asyncio.Task[Outcome]) -> Outcome:
    error = task.exception()
    if error is None:
        return task.result()
    if isinstance(error, LlmError | RunAborted | SandboxError):
        return Outcome("failed", str(error))
    if isinstance(error, EventStoreUnavailableError | RunOutputUnavailableError):
        logger.warning("a run failed: NATS stayed unreachable: %s", error)
        return Outcome("failed", f"NATS was unreachable for too long: {error}")
    logger.error("run loop crashed", exc_info=error)
    return Outcome("failed", f"Internal error: {type(error).__name__}: {error}")
