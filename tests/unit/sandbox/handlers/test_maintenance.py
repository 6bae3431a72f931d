"""CleanAbandonedSandboxes against the in-memory event store and runtime: idle sandboxes stop on
every host, used and busy ones keep running, unfetched archives go."""

from __future__ import annotations

import uuid

from cheatcode_contracts import Event
from cheatcode_contracts.sandbox import (
    AbandonedCleanup,
    CleanAbandonedSandboxes,
    EnsureSandbox,
    SandboxInfo,
    SandboxStarted,
    SandboxStopped,
    parse_reply,
)
from cheatcode_contracts.subjects import aggregate_subject
from cheatcode_runtime.eventstore import InMemoryEventStore
from cheatcode_runtime.service import Late
from cheatcode_sandbox.domain.activity import Activity
from cheatcode_sandbox.handlers.deps import SandboxDeps
from cheatcode_sandbox.handlers.lifecycle import ensure_sandbox
from cheatcode_sandbox.handlers.maintenance import Peers, clean_abandoned
from cheatcode_sandbox.ports.hosts import HostDirectory
from cheatcode_sandbox.ports.runtime import Limits
from tests.support.memory_sandbox_runtime import MemorySandboxRuntime

IDLE = 900.0


class Clock:
    def __init__(self) -> None:
        self.now = 10_000.0

    def __call__(self) -> float:
        return self.now


class Alive(HostDirectory):
    def __init__(self, replicas: dict[str, Replica]) -> None:
        self.replicas = replicas

    async def is_alive(self, instance_id: str) -> bool:
        return instance_id in self.replicas


class Replica:
    def __init__(self, name: str, store: InMemoryEventStore, clock: Clock, world: dict[str, Replica]) -> None:
        self.runtime = MemorySandboxRuntime(clock)
        self.deps = SandboxDeps(
            instance_id=name,
            runtime=self.runtime,
            event_store=Late("event store"),
            hosts=Late("hosts"),
            command_limits=Limits(),
            session_limits=Limits(),
            activity=Activity(clock),
            idle_seconds=IDLE,
        )
        self.deps.event_store.set(store)
        self.deps.hosts.set(Alive(world))
        self.asked: list[str] = []
        self.peers = Peers(hosts=lambda: {*world, "gone"}, sweep=self._sweep)
        self.world = world
        world[name] = self

    async def _sweep(self, host: str, command: CleanAbandonedSandboxes) -> AbandonedCleanup | None:
        self.asked.append(host)
        other = self.world.get(host)
        if other is None:
            return None  # a host that does not answer
        assert command.this_host_only
        return await other.clean(command)

    async def ensure(self) -> str:
        reply = await ensure_sandbox(EnsureSandbox(project_id=str(uuid.uuid4()), user_id="u"), self.deps)
        info: SandboxInfo = parse_reply(EnsureSandbox, reply)
        assert info.host_instance_id == self.deps.instance_id
        return info.sandbox_id

    async def clean(self, command: CleanAbandonedSandboxes) -> AbandonedCleanup:
        report: AbandonedCleanup = parse_reply(command, await clean_abandoned(command, self.deps, self.peers))
        return report


async def last_event(store: InMemoryEventStore, sandbox_id: str) -> Event:
    return (await store.load(aggregate_subject("sandbox", sandbox_id))).events[-1].event


async def test_idle_sandboxes_stop_and_used_or_busy_ones_keep_running() -> None:
    store, clock, world = InMemoryEventStore(), Clock(), dict[str, Replica]()
    here = Replica("a", store, clock, world)
    idle, used, busy = await here.ensure(), await here.ensure(), await here.ensure()
    clock.now += IDLE - 1
    here.deps.activity.touch(used)
    with here.deps.activity.using(busy):  # a blocking command still running
        clock.now += 1
        report = await here.clean(CleanAbandonedSandboxes(this_host_only=True))

    assert (report.stopped, report.sandbox_ids, report.hosts) == (1, [idle], ["a"])
    assert here.runtime.stops == [idle] and set(here.deps.hosted) == {used, busy}
    stopped = await last_event(store, idle)
    assert isinstance(stopped, SandboxStopped) and (stopped.reason, stopped.host_instance_id) == ("idle", "a")
    assert isinstance(await last_event(store, used), SandboxStarted)

    again = await here.clean(CleanAbandonedSandboxes(this_host_only=True))
    assert again.stopped == 0  # the busy one's use ended just now; the stopped one is no longer hosted


async def test_the_next_use_starts_an_idle_stopped_sandbox_again() -> None:
    store, clock, world = InMemoryEventStore(), Clock(), dict[str, Replica]()
    here = Replica("a", store, clock, world)
    reply = await ensure_sandbox(EnsureSandbox(project_id="p", user_id="u"), here.deps)
    sandbox_id = parse_reply(EnsureSandbox, reply).sandbox_id
    clock.now += IDLE
    assert (await here.clean(CleanAbandonedSandboxes(this_host_only=True))).sandbox_ids == [sandbox_id]
    assert not here.runtime.is_running(sandbox_id)

    await ensure_sandbox(EnsureSandbox(project_id="p", user_id="u"), here.deps)
    assert here.runtime.is_running(sandbox_id) and sandbox_id in here.deps.hosted
    assert isinstance(await last_event(store, sandbox_id), SandboxStarted)


async def test_the_command_threshold_overrides_the_services() -> None:
    store, clock, world = InMemoryEventStore(), Clock(), dict[str, Replica]()
    here = Replica("a", store, clock, world)
    sandbox_id = await here.ensure()
    clock.now += 30
    assert (await here.clean(CleanAbandonedSandboxes(this_host_only=True))).stopped == 0
    report = await here.clean(CleanAbandonedSandboxes(idle_seconds=30, this_host_only=True))
    assert report.sandbox_ids == [sandbox_id]


async def test_unfetched_archives_older_than_an_hour_are_removed() -> None:
    store, clock, world = InMemoryEventStore(), Clock(), dict[str, Replica]()
    here = Replica("a", store, clock, world)
    await here.runtime.build_archive("s", frozenset())
    clock.now += 3000
    recent, _ = await here.runtime.build_archive("s", frozenset())
    clock.now += 601
    report = await here.clean(CleanAbandonedSandboxes(this_host_only=True))
    assert report.archives_removed == 1 and set(here.runtime.archives) == {recent}


async def test_the_replica_that_takes_it_has_every_other_host_sweep_its_own() -> None:
    store, clock, world = InMemoryEventStore(), Clock(), dict[str, Replica]()
    a, b = Replica("a", store, clock, world), Replica("b", store, clock, world)
    on_a, on_b, kept = await a.ensure(), await b.ensure(), await b.ensure()
    clock.now += IDLE
    b.deps.activity.touch(kept)

    report = await a.clean(CleanAbandonedSandboxes())

    assert sorted(a.asked) == ["b", "gone"] and b.asked == []  # b swept only its own
    assert (report.stopped, sorted(report.sandbox_ids)) == (2, sorted([on_a, on_b]))
    assert (report.hosts, report.hosts_unreachable) == (["a", "b"], ["gone"])
    assert a.runtime.stops == [on_a] and b.runtime.stops == [on_b] and set(b.deps.hosted) == {kept}
    for sandbox_id in (on_a, on_b):
        assert isinstance(await last_event(store, sandbox_id), SandboxStopped)


async def test_this_host_only_asks_no_one() -> None:
    store, clock, world = InMemoryEventStore(), Clock(), dict[str, Replica]()
    a, _ = Replica("a", store, clock, world), Replica("b", store, clock, world)
    report = await a.clean(CleanAbandonedSandboxes(this_host_only=True))
    assert a.asked == [] and report.hosts == ["a"]
