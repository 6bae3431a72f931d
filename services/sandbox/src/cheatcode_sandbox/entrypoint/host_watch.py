"""Noticing dead hosts without waiting for their sandboxes to be used.

Every replica follows the last lifecycle event of every sandbox (an ordered JetStream consumer
starting at the last message per subject), so it knows which replica hosts what. Every
``interval`` seconds it pings the other hosts; for a host that no longer answers it records
``SandboxStopped(reason="host_lost")`` on each of its sandboxes. Several replicas may try at
once: the append carries the loaded position, so exactly one wins and the others find the
sandbox already stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy

from cheatcode_contracts import ContractRegistry
from cheatcode_contracts.envelope import MalformedMessageError, decode_event
from cheatcode_contracts.sandbox import SandboxStarted
from cheatcode_contracts.subjects import aggregate_kind_filter
from cheatcode_runtime.eventstore import ConcurrencyError
from cheatcode_sandbox.domain import sandbox as domain
from cheatcode_sandbox.handlers.deps import SandboxDeps

logger = logging.getLogger("cheatcode.sandbox.hosts")


class HostWatch:
    def __init__(self, deps: SandboxDeps, registry: ContractRegistry, *, interval: float = 5.0) -> None:
        self.deps = deps
        self.registry = registry
        self.interval = interval
        self.hosts: dict[str, str] = {}  # sandbox id -> the replica its last event says runs it
        self._task: asyncio.Task[None] | None = None
        self._subscription: JetStreamContext.PushSubscription | None = None

    async def start(self, js: JetStreamContext) -> None:
        config = ConsumerConfig(deliver_policy=DeliverPolicy.LAST_PER_SUBJECT)
        self._subscription = await js.subscribe(
            aggregate_kind_filter("sandbox"), ordered_consumer=True, config=config, cb=self._observe
        )
        if self.interval > 0:  # 0: observe only (the maintenance sweep asks who hosts what)
            self._task = asyncio.create_task(self._sweep_forever())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._subscription is not None:
            with contextlib.suppress(Exception):
                await self._subscription.unsubscribe()

    def host_ids(self) -> set[str]:
        """Every replica the log says runs a sandbox now."""
        return set(self.hosts.values())

    async def _observe(self, msg: Msg) -> None:
        try:
            event = decode_event(self.registry, msg.headers, msg.data)
        except (MalformedMessageError, ValueError):
            return
        sandbox_id = msg.subject.rsplit(".", 1)[-1]
        if isinstance(event, SandboxStarted):
            self.hosts[sandbox_id] = event.host_instance_id
        else:
            self.hosts.pop(sandbox_id, None)

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.sweep()
            except Exception:
                logger.warning("host sweep failed", exc_info=True)

    async def sweep(self) -> None:
        others = {host for host in self.hosts.values() if host != self.deps.instance_id}
        for host in others:
            if await self.deps.hosts.get().is_alive(host):
                continue
            for sandbox_id in [s for s, h in self.hosts.items() if h == host]:
                await self._mark_lost(sandbox_id, host)

    async def _mark_lost(self, sandbox_id: str, host: str) -> None:
        loaded = await self.deps.sandboxes.load(sandbox_id)
        if loaded.state.status != "running" or loaded.state.host != host:
            return
        # Processes the dead host left on this machine (if it shared it) go before the record says so.
        await self.deps.runtime.stop(sandbox_id)
        stopped = domain.stopped(loaded.state, "host_lost")
        with contextlib.suppress(ConcurrencyError):
            await self.deps.sandboxes.append(sandbox_id, loaded, [stopped], key=f"{sandbox_id}:lost:{loaded.position}")
            logger.info("sandbox %s marked stopped: its host %s is gone", sandbox_id, host)
