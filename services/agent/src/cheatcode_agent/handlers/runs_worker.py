"""Executing requested runs: every agent replica pulls from one durable JetStream consumer.

The consumer filters ``cc.evt.run.*``. A ``RunRequested`` message stays unacknowledged
while its run executes and the worker sends ``in_progress`` as a heartbeat; it is acked
once the run is terminal. If the worker dies, the heartbeat stops, JetStream redelivers
the message after ``ack_wait`` to another replica, which finds the run started by
someone else and marks it failed: no run stays ``running`` forever. Other run events are
acked at once.

Stop: the worker follows the run's own subject (an ordered consumer, so only stored events);
a ``RunStopRequested`` cancels the loop at once and the run ends ``stopped`` (terminal event,
then terminal frame).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext, api

from cheatcode_agent.domain import run as runs
from cheatcode_agent.handlers.runs_loop import AgentLoop, LoopDeps, Outcome, RunAborted
from cheatcode_agent.handlers.runs_output import FrameWriter, ensure_terminal_frame, writer_for
from cheatcode_agent.ports.llm import LlmError
from cheatcode_agent.ports.run_output import RunOutput
from cheatcode_agent.ports.sandbox import SandboxError
from cheatcode_contracts import ContractRegistry
from cheatcode_contracts.envelope import MalformedMessageError, decode_event
from cheatcode_contracts.runs import (
    RUN_EVENTS_FILTER,
    TERMINAL_STATUSES,
    RunRequested,
    RunStarted,
    RunStopRequested,
    run_subject,
    status_after,
)
from cheatcode_runtime.eventstore import ConcurrencyError

logger = logging.getLogger("cheatcode.agent.worker")


@dataclass(frozen=True)
class WorkerSettings:
    worker_id: str
    consumer: str = "agent-runs"
    stream: str = "EVENTS"
    ack_wait: float = 30.0  # a dead worker's run is failed by another replica after about this long
    max_concurrent_runs: int = 8
    fetch_timeout: float = 2.0


class RunWorker:
    def __init__(
        self, client: Client, deps: LoopDeps, output: RunOutput, registry: ContractRegistry, settings: WorkerSettings
    ) -> None:
        self._client = client
        self._deps = deps
        self._output = output
        self._registry = registry
        self._settings = settings
        self._slots = asyncio.Semaphore(settings.max_concurrent_runs)
        self._active: dict[str, asyncio.Task[None]] = {}
        self._fetcher: asyncio.Task[None] | None = None
        self._closing = False
        self._pull: JetStreamContext.PullSubscription | None = None

    @property
    def active_runs(self) -> tuple[str, ...]:
        return tuple(self._active)

    async def start(self) -> None:
        config = api.ConsumerConfig(
            ack_policy=api.AckPolicy.EXPLICIT,
            ack_wait=self._settings.ack_wait,
            deliver_policy=api.DeliverPolicy.ALL,
            max_ack_pending=100_000,  # one per running run, all replicas together
            filter_subject=RUN_EVENTS_FILTER,
            durable_name=self._settings.consumer,
        )
        js = self._client.jetstream()
        await js.add_consumer(self._settings.stream, config)  # creates it, or applies a changed ack_wait
        sub = await js.pull_subscribe_bind(durable=self._settings.consumer, stream=self._settings.stream)
        self._pull = sub
        self._fetcher = asyncio.create_task(self._fetch_forever(sub), name="run-fetcher")

    async def close(self) -> None:
        """Stop taking runs; runs still executing end ``failed`` (a restart cannot resume them)."""
        self._closing = True
        if self._fetcher is not None:
            await cancel_until_done(self._fetcher)
        if self._pull is not None:
            # A pull subscription has no callback: a message left in its queue (say the
            # server's answer to the cancelled fetch) would block the connection's drain.
            with contextlib.suppress(Exception):
                await self._pull.unsubscribe()
        await asyncio.gather(*(cancel_until_done(task) for task in list(self._active.values())))

    async def _fetch_forever(self, sub: JetStreamContext.PullSubscription) -> None:
        while not self._closing:
            await self._slots.acquire()
            try:
                msgs = await sub.fetch(1, timeout=self._settings.fetch_timeout)
            except TimeoutError:
                self._slots.release()
                continue
            except Exception:
                self._slots.release()
                logger.warning("fetching run events failed; retrying", exc_info=True)
                await asyncio.sleep(1.0)
                continue
            started = False
            for msg in msgs:
                try:
                    started = await self._dispatch(msg) or started
                except Exception:
                    logger.exception("handling a run event failed; it will be redelivered")
            if not started:
                self._slots.release()

    async def _dispatch(self, msg: Msg) -> bool:
        """Handle one run event; True when it started executing a run (which holds a slot)."""
        try:
            event = decode_event(self._registry, msg.headers, msg.data)
        except (MalformedMessageError, ValueError):
            await msg.term()
            return False
        if not isinstance(event, RunRequested):
            await msg.ack()
            return False
        if event.run_id in self._active:
            return False  # redelivered while we still run it: our heartbeat continues
        history = await self._deps.store.load(run_subject(event.run_id))
        run = runs.replay(s.event for s in history.events)
        if run is None:
            await msg.ack()
            return False
        if run.is_terminal:
            await ensure_terminal_frame(self._output, run)
            await msg.ack()
            return False
        if run.is_started:
            await self._take_over(run)
            await msg.ack()
            return False
        started = RunStarted(run_id=run.run_id, worker_id=self._settings.worker_id)
        try:
            await self._deps.store.append(
                history.subject, [started], expected_position=history.position, idempotency_key=f"{run.run_id}:start"
            )
        except ConcurrencyError:
            await msg.nak()  # stopped or taken meanwhile: look again at once
            return False
        runs.apply(run, started)
        task = asyncio.create_task(self._execute(run, msg), name=f"run-{run.run_id}")
        self._active[run.run_id] = task
        task.add_done_callback(lambda _: self._done(run.run_id))
        return True

    def _done(self, run_id: str) -> None:
        self._active.pop(run_id, None)
        self._slots.release()

    async def _take_over(self, run: runs.Run) -> None:
        """The run's worker stopped sending heartbeats: end the run ``failed`` (``stopped`` if
        the user had asked to stop it: that wish is met either way)."""
        if run.stop_requested:
            await self._finish(run.run_id, Outcome("stopped", run.stop_reason or "Stopped by user"), None)
            return
        detail = f"Agent worker {run.worker_id} stopped responding; the run was abandoned"
        logger.warning("run %s: %s", run.run_id, detail)
        await self._finish(run.run_id, Outcome("failed", detail), None)

    async def _execute(self, run: runs.Run, msg: Msg) -> None:
        stop, aborted = asyncio.Event(), asyncio.Event()
        reason: list[str] = []

        async def on_event(event_msg: Msg) -> None:
            try:
                event = decode_event(self._registry, event_msg.headers, event_msg.data)
            except (MalformedMessageError, ValueError):
                return
            if isinstance(event, RunStopRequested):
                reason.append(event.reason)
                stop.set()
            elif status_after(event) in TERMINAL_STATUSES:
                aborted.set()  # someone else ended it (a takeover after a long stall)

        history = await self._deps.store.load(run_subject(run.run_id))
        latest = runs.replay(s.event for s in history.events)
        if latest is not None and latest.stop_requested:
            reason.append(latest.stop_reason or "Stopped by user")
            stop.set()
        # Only *stored* events count: a core subscription would also see publishes the stream
        # rejected (a stop that lost an optimistic-concurrency race). An ordered consumer from
        # just after what we loaded misses nothing and sees nothing unrecorded.
        sub = await self._client.jetstream().subscribe(
            run_subject(run.run_id),
            stream=self._settings.stream,
            ordered_consumer=True,
            deliver_policy=api.DeliverPolicy.BY_START_SEQUENCE,
            config=api.ConsumerConfig(opt_start_seq=history.position + 1),
            cb=on_event,
        )
        heartbeat = asyncio.create_task(self._heartbeat(msg))
        try:
            writer = await writer_for(self._output, run.run_id)
            outcome = await self._drive(run, writer, stop, aborted, reason)
            if outcome is not None:
                await self._finish(run.run_id, outcome, writer)
            await msg.ack_sync()
        except asyncio.CancelledError:
            # shielded: a repeated cancellation must not cut the run's ending in half
            await asyncio.shield(self._end_on_shutdown(run.run_id, msg))
            raise
        finally:
            heartbeat.cancel()
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    async def _end_on_shutdown(self, run_id: str, msg: Msg) -> None:
        try:
            await self._finish(run_id, Outcome("failed", "Agent service shut down during the run"), None)
            await msg.ack_sync()
        except Exception:
            logger.warning("run %s: could not end it at shutdown; another replica will", run_id, exc_info=True)

    async def _drive(
        self, run: runs.Run, writer: FrameWriter, stop: asyncio.Event, aborted: asyncio.Event, reason: list[str]
    ) -> Outcome | None:
        """Run the loop until it ends, a stop arrives, or time runs out. None: someone else ended it."""
        await writer.status("running", "Agent run started")
        loop = asyncio.create_task(AgentLoop(run, self._deps, writer).execute())
        stopping = asyncio.create_task(stop.wait())
        aborting = asyncio.create_task(aborted.wait())
        try:
            done, _ = await asyncio.wait(
                {loop, stopping, aborting}, timeout=self._deps.limits.max_duration, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for task in (stopping, aborting):
                task.cancel()
            await cancel_until_done(loop)
        if loop in done and not loop.cancelled():
            return _outcome_of(loop)
        if stop.is_set():
            return Outcome("stopped", reason[0] if reason else "Stopped by user")
        if aborted.is_set():
            return None
        return Outcome("completed", "Agent run timed out after maximum duration")

    async def _finish(self, run_id: str, outcome: Outcome, writer: FrameWriter | None) -> None:
        """Terminal event first (the record), then the terminal frame (what clients see).

        The idempotency key names this worker: a racing writer's terminal event must never be
        taken for a retry of ours (the store would report it as our own append).
        """
        for _ in range(10):
            history = await self._deps.store.load(run_subject(run_id))
            run = runs.replay(s.event for s in history.events)
            if run is None:
                return
            event = runs.finish(run, outcome.status, outcome.message)
            if event is None:
                break  # already terminal: just make sure the stream says so
            try:
                await self._deps.store.append(
                    history.subject,
                    [event],
                    expected_position=history.position,
                    idempotency_key=f"{run_id}:end:{self._settings.worker_id}",
                )
            except ConcurrencyError:
                continue
            runs.apply(run, event)
            if writer is not None and await writer.status(run.status, outcome.message):
                return
            break
        final = runs.replay(s.event for s in (await self._deps.store.load(run_subject(run_id))).events)
        if final is not None and final.is_terminal:
            await ensure_terminal_frame(self._output, final)

    async def _heartbeat(self, msg: Msg) -> None:
        interval = max(self._settings.ack_wait / 3, 0.2)
        while True:
            await asyncio.sleep(interval)
            try:
                await msg.in_progress()
            except Exception:
                logger.warning("heartbeat for a run failed", exc_info=True)


async def cancel_until_done(task: asyncio.Task[Any], *, attempts: int = 40) -> None:
    """Cancel ``task`` and wait for it, cancelling again if it swallowed the cancellation.

    nats-py's ``flush()`` catches ``CancelledError``: a task cancelled while flushing goes
    on as if nothing happened, and a plain ``await task`` would wait for it forever.
    """
    for _ in range(attempts):
        if task.done():
            break
        task.cancel()
        await asyncio.wait({task}, timeout=0.25)
    if task.done() and not task.cancelled():
        task.exception()  # retrieved: a crash at shutdown was already logged where it happened


def _outcome_of(task: asyncio.Task[Outcome]) -> Outcome:
    error = task.exception()
    if error is None:
        return task.result()
    if isinstance(error, LlmError | RunAborted | SandboxError):
        return Outcome("failed", str(error))
    logger.error("run loop crashed", exc_info=error)
    return Outcome("failed", f"Internal error: {type(error).__name__}: {error}")
