"""The deployment worker: a durable-consumer handler for ``DeploymentRequested`` events.

Any number of replicas run it on one durable consumer, so each request is delivered to one of
them at a time. The rules, all decided on the project's subject:

* debounce: a request is put back (``nak`` with delay) until its ``not_before``; a newer request
  supersedes it meanwhile and the worker then drops it;
* one deployment per project at a time (the state's ``running``), one per user at a time (a
  lease shared by the replicas);
* every step is an event appended by the worker that holds the deployment (``running.worker``);
  another worker's takeover makes the old one's next append fail (it stops);
* a delivery of a request that is already running elsewhere means its worker stopped sending
  heartbeats (it died): this worker resumes it (``DeploymentResumed``, attempt + 1), following
  Vercel if the deployment was created, else starting over; after ``max_attempts`` it fails;
* retryable errors (Vercel 429/5xx/network, sandbox unavailable) record ``DeploymentRetrying``
  and put the request back after a backoff; others fail the deployment at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Literal

from cheatcode_contracts import Event
from cheatcode_contracts.deployments import (
    NO_FILES,
    DeploymentCreated,
    DeploymentFailed,
    DeploymentFilesCollected,
    DeploymentProgressed,
    DeploymentRequested,
    DeploymentResumed,
    DeploymentRetrying,
    DeploymentStarted,
    DeploymentSucceeded,
)
from cheatcode_contracts.sandbox import app_dir
from cheatcode_integrations.domain.deployment import Attempt, ProjectDeployments, vercel_project_name
from cheatcode_integrations.handlers.deployment_deps import DeploymentDeps
from cheatcode_integrations.handlers.workspace_collect import collect_files
from cheatcode_integrations.ports.vercel import VercelDeployment, VercelError
from cheatcode_integrations.ports.workspace import WorkspaceNotFoundError, WorkspaceUnavailableError
from cheatcode_runtime.consumer import Delivery

logger = logging.getLogger("cheatcode.deployments")

FINAL_FAILURES = ("ERROR", "CANCELED")
MAX_FOLLOW_ERRORS = 5


class LostDeploymentError(Exception):
    """The deployment is no longer this worker's (superseded, finished or taken over)."""


class PermanentFailureError(Exception):
    pass


def lease_name(user_id: str) -> str:
    """A KV-safe key per user."""
    return "user-" + hashlib.sha256(user_id.encode()).hexdigest()[:32]


class DeploymentWorker:
    def __init__(self, deps: DeploymentDeps) -> None:
        self._deps = deps
        self._active: set[str] = set()

    async def handle(self, delivery: Delivery) -> None:
        event = delivery.event
        if not isinstance(event, DeploymentRequested):
            return  # other steps of the workflow: nothing to do
        deps, timing = self._deps, self._deps.timing
        state = (await deps.repository.load(event.project_id)).state
        mode: Literal["start", "resume"]
        if state.running is not None and state.running.deployment_id == event.deployment_id:
            mode = "resume"
        elif state.pending is not None and state.pending.deployment_id == event.deployment_id:
            mode = "start"
            wait = (state.pending.not_before - deps.clock()).total_seconds()
            if wait > 0:
                await delivery.nak(wait)
                return
            if state.running is not None:  # the project's previous deployment is still running
                await delivery.nak(timing.busy_retry_seconds)
                return
        else:
            return  # finished or superseded
        if event.deployment_id in self._active:
            await delivery.nak(timing.busy_retry_seconds)  # a stray redelivery while we still work on it
            return
        # The lease names the deployment, not the worker: a replica resuming a dead worker's
        # deployment takes its lease over at once instead of waiting for it to lapse.
        holder = event.deployment_id
        lease = lease_name(event.user_id)
        if not await deps.leases.acquire(lease, holder):
            await delivery.nak(timing.busy_retry_seconds)
            return
        self._active.add(event.deployment_id)
        try:
            async with delivery.keep_alive(), self._renewing(lease, holder):
                retry_in = await self._run(event.project_id, event.deployment_id, mode)
        finally:
            self._active.discard(event.deployment_id)
            await deps.leases.release(lease, holder)
        if retry_in is not None:
            await delivery.nak(retry_in)

    @contextlib.asynccontextmanager
    async def _renewing(self, lease: str, holder: str) -> AsyncIterator[None]:
        async def renew() -> None:
            while True:
                await asyncio.sleep(self._deps.timing.lease_seconds / 3)
                try:
                    await self._deps.leases.renew(lease, holder)
                except Exception as error:
                    logger.warning("renewing %s: %s", lease, error)

        task = asyncio.create_task(renew(), name="deployment-lease")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self, project_id: str, deployment_id: str, mode: Literal["start", "resume"]) -> float | None:
        """The workflow from where it stands; returns a retry delay when it should run again later."""
        try:
            attempt = await self._begin(project_id, deployment_id, mode)
        except LostDeploymentError:
            return None
        if attempt is None:
            return None
        try:
            if attempt.vercel_deployment_id is None:
                attempt = await self._create(project_id, attempt)
            await self._follow(project_id, attempt)
        except LostDeploymentError:
            logger.info("deployment %s of %s: taken over or finished elsewhere", deployment_id, project_id)
        except (WorkspaceUnavailableError, VercelError) as error:
            retryable = isinstance(error, WorkspaceUnavailableError) or error.retryable
            return await self._failed(project_id, attempt, str(error), retryable=retryable)
        except (WorkspaceNotFoundError, PermanentFailureError) as error:
            await self._failed(project_id, attempt, str(error) or NO_FILES, retryable=False)
        return None

    async def _begin(self, project_id: str, deployment_id: str, mode: Literal["start", "resume"]) -> Attempt | None:
        me = self._deps.worker_id
        if mode == "start":

            def start(state: ProjectDeployments) -> Sequence[Event]:
                if state.pending is None or state.pending.deployment_id != deployment_id or state.running is not None:
                    raise LostDeploymentError(deployment_id)
                return [DeploymentStarted(project_id=project_id, deployment_id=deployment_id, worker=me)]

            loaded = await self._deps.repository.update(project_id, start, key=f"{deployment_id}:started")
        else:
            current = (await self._deps.repository.load(project_id)).state.running
            if current is None or current.deployment_id != deployment_id:
                return None
            previous = current.attempt

            def resume(state: ProjectDeployments) -> Sequence[Event]:
                running = state.running
                if running is None or running.deployment_id != deployment_id or running.attempt != previous:
                    raise LostDeploymentError(deployment_id)
                if previous >= self._deps.timing.max_attempts:
                    error = f"gave up after {previous} attempts: {running.error or 'worker lost'}"
                    return [DeploymentFailed(project_id=project_id, deployment_id=deployment_id, error=error)]
                return [
                    DeploymentResumed(
                        project_id=project_id, deployment_id=deployment_id, worker=me, attempt=previous + 1
                    )
                ]

            loaded = await self._deps.repository.update(
                project_id, resume, key=f"{deployment_id}:attempt:{previous + 1}"
            )
            logger.info("deployment %s of %s: attempt %d by %s", deployment_id, project_id, previous + 1, me)
        running = loaded.state.running
        return running if running is not None and running.deployment_id == deployment_id else None

    async def _record(self, project_id: str, attempt: Attempt, step: str, build: Callable[[Attempt], Event]) -> Attempt:
        """Append one step if the deployment is still this worker's; the updated attempt."""
        me = self._deps.worker_id

        def decide(state: ProjectDeployments) -> Sequence[Event]:
            running = state.running
            if running is None or running.deployment_id != attempt.deployment_id or running.worker != me:
                raise LostDeploymentError(attempt.deployment_id)
            return [build(running)]

        key = f"{attempt.deployment_id}:{attempt.attempt}:{step}"
        loaded = await self._deps.repository.update(project_id, decide, key=key)
        return loaded.state.running or loaded.state.last or attempt

    async def _create(self, project_id: str, attempt: Attempt) -> Attempt:
        deps = self._deps
        started = time.monotonic()
        files = await collect_files(deps.workspace, attempt.sandbox_id, app_dir(attempt.app_type))
        if not files:
            raise PermanentFailureError(NO_FILES)
        binary = sum(1 for entry in files if entry.encoding == "base64")
        total = sum(entry.size for entry in files)
        logger.info(
            "deployment %s: %d files collected in %.2f s", attempt.deployment_id, len(files), time.monotonic() - started
        )
        attempt = await self._record(
            project_id,
            attempt,
            "files",
            lambda a: DeploymentFilesCollected(
                project_id=project_id,
                deployment_id=a.deployment_id,
                file_count=len(files),
                binary_count=binary,
                total_bytes=total,
            ),
        )
        state = (await deps.repository.load(project_id)).state
        name = state.vercel_project_name or vercel_project_name(attempt.project_name, project_id)
        project = await deps.vercel.ensure_project(name)
        created = await deps.vercel.create_deployment(project.name, files)
        return await self._record(
            project_id,
            attempt,
            "created",
            lambda a: DeploymentCreated(
                project_id=project_id,
                deployment_id=a.deployment_id,
                vercel_project_id=project.id,
                vercel_project_name=project.name,
                vercel_deployment_id=created.id,
                url=created.url,
                ready_state=created.ready_state,
            ),
        )

    async def _follow(self, project_id: str, attempt: Attempt) -> None:
        deps, timing = self._deps, self._deps.timing
        assert attempt.vercel_deployment_id is not None
        vercel_id = attempt.vercel_deployment_id
        last_state = attempt.ready_state
        ends = time.monotonic() + timing.follow_timeout_seconds
        errors = 0
        while True:
            try:
                current: VercelDeployment | None = await deps.vercel.get_deployment(vercel_id)
                errors = 0
            except VercelError as error:
                errors += 1
                if not error.retryable or errors >= MAX_FOLLOW_ERRORS:
                    raise
                current = None
            if current is not None:
                if current.ready_state in ("READY", *FINAL_FAILURES):
                    await self._finish(project_id, attempt, current)
                    return
                if current.ready_state != last_state:
                    attempt = await self._progressed(project_id, attempt, current.ready_state)
                    last_state = current.ready_state
            if time.monotonic() > ends:
                raise PermanentFailureError(f"Vercel build not final after {timing.follow_timeout_seconds:g} s")
            await asyncio.sleep(timing.poll_seconds)

    async def _finish(self, project_id: str, attempt: Attempt, final: VercelDeployment) -> None:
        def finished(a: Attempt) -> Event:
            if final.ready_state == "READY":
                return DeploymentSucceeded(
                    project_id=project_id,
                    deployment_id=a.deployment_id,
                    vercel_deployment_id=final.id,
                    url=final.url or a.url or "",
                    ready_at=final.ready_at,
                )
            return DeploymentFailed(
                project_id=project_id,
                deployment_id=a.deployment_id,
                error=f"Vercel build {final.ready_state}",
                ready_state=final.ready_state,
            )

        await self._record(project_id, attempt, "finished", finished)

    async def _progressed(self, project_id: str, attempt: Attempt, ready_state: str) -> Attempt:
        def progressed(a: Attempt) -> Event:
            return DeploymentProgressed(project_id=project_id, deployment_id=a.deployment_id, ready_state=ready_state)

        return await self._record(project_id, attempt, f"progress:{ready_state}", progressed)

    async def _failed(self, project_id: str, attempt: Attempt, error: str, *, retryable: bool) -> float | None:
        timing = self._deps.timing
        try:
            if retryable and attempt.attempt < timing.max_attempts:
                delay = timing.backoff(attempt.attempt)
                await self._record(
                    project_id,
                    attempt,
                    "retrying",
                    lambda a: DeploymentRetrying(
                        project_id=project_id,
                        deployment_id=a.deployment_id,
                        attempt=a.attempt,
                        error=error[:500],
                        retry_in_seconds=delay,
                    ),
                )
                logger.warning(
                    "deployment %s: attempt %d failed (%s); retry in %g s",
                    attempt.deployment_id,
                    attempt.attempt,
                    error,
                    delay,
                )
                return delay
            await self._record(
                project_id,
                attempt,
                "failed",
                lambda a: DeploymentFailed(project_id=project_id, deployment_id=a.deployment_id, error=error[:500]),
            )
        except LostDeploymentError:
            pass
        return None
