"""Projection runner: the EVENTS stream → read-model rows, exactly once per checkpoint.

Why the durable position is the checkpoint in Postgres, not a JetStream durable consumer:
the position a read model has reached is only trustworthy if it is committed atomically
with the rows it describes. A durable consumer's ack lives in NATS, so a crash between
the Postgres commit and the ack (or the reverse) would re-apply or skip events. Here each
batch is applied in one Postgres transaction that also advances ``projection_checkpoints``
(locked ``FOR UPDATE``, and events at or below it are skipped), so redelivery changes
nothing and the checkpoint is exactly as durable as the rows. The JetStream side is an
*ordered* push consumer — ephemeral, in-order, flow-controlled, the fastest replay nats-py
offers — created at checkpoint + 1 on every (re)start; after any error the runner drops
it and starts again from the checkpoint it reads back from Postgres.

Only one replica applies at a time: the runner holds a session-level advisory lock on its
dedicated connection (the one it applies with). Other replicas stand by polling for the
lock; when the leader dies, Postgres drops its session and its lock, and a standby takes
over from the committed checkpoint. Each commit also sends ``pg_notify`` with the new
position, so every replica's :class:`~.waiter.PostgresCheckpointWaiter` learns it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

import asyncpg
from nats.aio.msg import Msg
from nats.js import JetStreamContext, api
from nats.js.errors import NotFoundError

from cheatcode_api.adapters.postgres import checkpoints
from cheatcode_api.adapters.postgres.connection import Database
from cheatcode_api.adapters.postgres.failures import DATA_ERRORS, DECODE_ERRORS, POISON_ERRORS, record_failure
from cheatcode_api.adapters.postgres.pipeline import PLAN_SLICE, BatchPipeline, BatchPlan
from cheatcode_api.adapters.postgres.projection import Projection, StatementBatch
from cheatcode_contracts import ContractRegistry
from cheatcode_contracts.envelope import TYPE_HEADER, decode_event
from cheatcode_contracts.streams import EVENTS
from cheatcode_contracts.subjects import all_events_filter
from cheatcode_runtime.eventstore import StoredEvent

log = logging.getLogger(__name__)

RUNNER_LOCK_KEY = 0x6363_7072  # "ccpr": one applier across every API replica
Observer = Callable[[Sequence[str], int], None]


class Delivered(Protocol):
    """An event as delivered to the runner: nats-py's ``Msg``, or a raw pulled
    :class:`~cheatcode_api.adapters.nats.pulled_events.Delivery`."""

    @property
    def subject(self) -> str: ...
    @property
    def reply(self) -> str: ...
    @property
    def data(self) -> bytes: ...
    @property
    def headers(self) -> dict[str, str] | None: ...


def position_of(msg: Delivered) -> int:
    """``msg.metadata.sequence.stream``, read straight from the ack subject (building nats-py's
    ``Metadata`` for it is a twentieth of a rebuild): ``$JS.ACK.<stream>.<consumer>.<delivered>.
    <stream seq>...`` (9 tokens), or with domain and account hash after ``ACK`` (11, or 12 with
    a random token), as nats-py reads it."""
    tokens = msg.reply.split(".")
    if tokens[0] == "$JS" and tokens[1:2] == ["ACK"]:
        if len(tokens) == 9:
            return int(tokens[5])
        if len(tokens) >= 11:
            return int(tokens[7])
    raise ValueError(f"not a JetStream delivery: {msg.reply!r}")


class StalledConsumerError(Exception):
    def __init__(self, expected: int, last: int) -> None:
        super().__init__(f"stream is at {last} but nothing was delivered from {expected}; recreating the consumer")


class EventGapError(Exception):
    def __init__(self, position: int) -> None:
        super().__init__(f"event at position {position} was not delivered; restarting from the checkpoint")
        self.position = position


class ProjectionRunner:
    def __init__(
        self,
        database: Database,
        js: JetStreamContext,
        registry: ContractRegistry,
        projections: Sequence[Projection],
        *,
        batch_size: int = 500,
        standby_interval: float = 1.0,
        retry_delay: float = 1.0,
        idle_check: float = 1.0,
        on_advanced: Observer | None = None,
        notify: bool = True,  # False: a shadow schema's runner (see checkpoints.advance)
    ) -> None:
        names = [projection.name for projection in projections]
        if len(set(names)) != len(names):
            raise ValueError(f"projection names must be unique: {names}")
        self._database = database
        self._js = js
        self._registry = registry
        self._projections = list(projections)
        self._names = sorted(names)
        self._by_type: dict[str, list[Projection]] = {}  # event type -> projections handling it, in order
        for projection in self._projections:
            for type_name in projection.handles:
                self._by_type.setdefault(type_name, []).append(projection)
        self._bulk = {sql: form for projection in self._projections for sql, form in projection.bulk.items()}
        self._batch_size = batch_size
        self._standby_interval = standby_interval
        self._retry_delay = retry_delay
        self._idle_check = idle_check
        self._on_advanced = on_advanced
        self._notify = notify
        self.leading_event = asyncio.Event()  # set while this replica holds the applier lock
        self.position = 0  # last position this runner committed

    @property
    def leading(self) -> bool:
        return self.leading_event.is_set()

    @property
    def names(self) -> list[str]:
        return list(self._names)

    async def run(self) -> None:
        """Lead or stand by, forever; any error restarts from the committed checkpoint."""
        while True:
            try:
                conn = await self._database.connect()
                try:
                    await self._acquire_lock(conn)
                    self.leading_event.set()
                    log.info("projection runner leading: %s", ", ".join(self._names))
                    await self._follow(conn)
                finally:
                    self.leading_event.clear()
                    with contextlib.suppress(Exception):
                        await asyncio.shield(conn.close(timeout=2))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("projection runner failed; restarting from the checkpoint")
                await asyncio.sleep(self._retry_delay)

    async def _acquire_lock(self, conn: asyncpg.Connection) -> None:
        # Polling is the only way: Postgres has no notification for a released advisory lock.
        while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", RUNNER_LOCK_KEY):  # noqa: ASYNC110
            await asyncio.sleep(self._standby_interval)

    async def _follow(self, conn: asyncpg.Connection) -> None:
        await checkpoints.ensure_rows(conn, self._names)
        known = await checkpoints.read_all(conn)
        start = min(known[name] for name in self._names)
        self.position = start
        queue: asyncio.Queue[Msg] = asyncio.Queue(maxsize=self._batch_size * 4)
        sub = await self._js.subscribe(
            all_events_filter(),
            stream=EVENTS.name,
            ordered_consumer=True,
            deliver_policy=api.DeliverPolicy.BY_START_SEQUENCE,
            config=api.ConsumerConfig(opt_start_seq=start + 1),
            cb=queue.put,
        )
        expected = start + 1
        pipeline = BatchPipeline(self, conn, {name: known[name] for name in self._names})
        try:
            while True:
                if queue.empty():  # nothing to plan meanwhile: commit now, and let its error surface now
                    await pipeline.drain()
                batch = [await self._next_message(queue, expected)]
                while len(batch) < self._batch_size and not queue.empty():
                    batch.append(queue.get_nowait())
                positions = [position_of(msg) for msg in batch]
                expected = await self.check_contiguous(batch, expected, positions)
                await pipeline.submit(batch, positions)
        finally:
            await pipeline.aclose()
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    async def _next_message(self, queue: asyncio.Queue[Msg], expected: int) -> Msg:
        """The next delivered event; raises if the stream holds events the consumer stopped delivering.

        After a NATS restart an ordered consumer can stay silent although the stream grew;
        idle checks against the stream's last sequence turn that into a restart from the
        checkpoint instead of read-your-writes timeouts.
        """
        seen_behind = False  # the stream was ahead of us at the previous idle check
        while True:
            try:
                return await asyncio.wait_for(queue.get(), self._idle_check)
            except TimeoutError:
                last = (await self._js.stream_info(EVENTS.name)).state.last_seq
                if last >= expected and seen_behind:  # ahead for a whole idle period: not just in flight
                    raise StalledConsumerError(expected, last) from None
                seen_behind = last >= expected

    async def check_contiguous(
        self, batch: Sequence[Delivered], expected: int, positions: Sequence[int] | None = None
    ) -> int:
        """Refuse a batch that skips a stored event; return the next expected position.

        EVENTS holds only ``cc.evt.>``, so positions are contiguous unless messages were
        deleted. A skipped position that still exists means a message was lost on the way
        (e.g. dropped by a slow client's pending limit): raise, and the runner restarts from
        its checkpoint instead of advancing past an event it never applied. ``positions``: the
        batch's, when the caller has read them already.
        """
        for position in positions if positions is not None else [position_of(msg) for msg in batch]:
            if position > expected:
                await self.verify_absent(expected, position)
            expected = max(expected, position + 1)
        return expected

    async def verify_absent(self, first: int, end: int) -> None:
        stream_first = (await self._js.stream_info(EVENTS.name)).state.first_seq
        for position in range(max(first, stream_first), end):
            try:
                await self._js.get_msg(EVENTS.name, position)
            except NotFoundError:
                continue
            raise EventGapError(position)

    async def plan(
        self, batch: Sequence[Delivered], assumed: Mapping[str, int], positions: Sequence[int] | None = None
    ) -> BatchPlan:
        """Decode ``batch`` and choose its statements, assuming the checkpoints are ``assumed``
        (``positions``: the batch's, when the caller has read them already).

        Pure Python (no round trip), so it can run while the previous batch's transaction is
        in flight; it yields to the event loop every ``PLAN_SLICE`` events for that."""
        if positions is None:
            positions = [position_of(msg) for msg in batch]
        last = positions[-1]
        statements = StatementBatch(self._bulk)
        done_through = 0  # guards against a position delivered twice within the batch
        newest = max(assumed.values(), default=0)  # past it, every projection handling the type applies
        for index, (msg, position) in enumerate(zip(batch, positions, strict=True)):
            if index % PLAN_SLICE == PLAN_SLICE - 1:
                await asyncio.sleep(0)
            if position <= done_through:
                continue
            done_through = position
            headers = msg.headers or {}
            handling = self._by_type.get(headers.get(TYPE_HEADER, ""), ())
            targets = handling if position > newest else [p for p in handling if position > assumed[p.name]]
            if not targets:
                continue
            try:
                event = decode_event(self._registry, headers, msg.data)
                stored = StoredEvent(msg.subject, position, event, headers, msg.data)
            except DECODE_ERRORS:
                return BatchPlan(batch, last, assumed, None)  # the transaction meets it and goes careful
            for projection in targets:
                planned = projection.statements(stored)
                if planned is None:
                    return BatchPlan(batch, last, assumed, None)
                statements.add(planned, projection.statement_key, once=projection.once, combine=projection.combine)
        return BatchPlan(batch, last, assumed, statements)

    async def apply_batch(self, conn: asyncpg.Connection, batch: Sequence[Delivered]) -> None:
        """Apply ``batch`` (in stream order) and advance every checkpoint, in one transaction."""
        await self._apply(conn, batch, None)

    async def apply_plan(self, conn: asyncpg.Connection, plan: BatchPlan) -> None:
        """Apply a planned batch and advance every checkpoint, in one transaction."""
        await self._apply(conn, plan.messages, plan)

    async def _apply(self, conn: asyncpg.Connection, batch: Sequence[Delivered], plan: BatchPlan | None) -> None:
        """Fast path: the plan's statements, no savepoints. If an event turns out to be poison, the
        batch is rolled back and applied again with a savepoint around each event, recording what fails.
        """
        try:
            behind, last = await self._apply_in_transaction(conn, batch, careful=False, plan=plan)
        except POISON_ERRORS as error:
            log.warning("batch up to %d hit %r; applying it event by event", position_of(batch[-1]), error)
            behind, last = await self._apply_in_transaction(conn, batch, careful=True)
        self.position = max(self.position, last)
        if behind and self._on_advanced is not None:
            self._on_advanced(behind, last)

    async def _apply_in_transaction(
        self, conn: asyncpg.Connection, batch: Sequence[Delivered], *, careful: bool, plan: BatchPlan | None = None
    ) -> tuple[list[str], int]:
        last = position_of(batch[-1])
        async with conn.transaction():
            seen = await checkpoints.lock_for_update(conn, self._names)
            if not careful and (plan is None or plan.assumed != seen):
                plan = await self.plan(batch, seen)  # no plan, or one made against checkpoints that moved
            if not careful and plan is not None and plan.statements is not None:
                await plan.statements.flush(conn)
            else:  # careful, an apply-only projection, or an event that does not decode: one by one
                applied = dict(seen)  # also guards against a position delivered twice within the batch
                for msg in batch:
                    await self._apply_one(conn, msg, applied, careful=careful)
            behind = [name for name in self._names if seen[name] < last]
            if behind:
                await checkpoints.advance(conn, behind, last, notify=self._notify)
        return behind, last

    async def _apply_one(
        self, conn: asyncpg.Connection, msg: Delivered, applied: dict[str, int], *, careful: bool
    ) -> None:
        position = position_of(msg)
        headers = msg.headers or {}
        type_name = headers.get(TYPE_HEADER)
        targets = [p for p in self._by_type.get(type_name or "", ()) if position > applied[p.name]]
        if targets:
            try:
                event = decode_event(self._registry, headers, msg.data)
                stored = StoredEvent(msg.subject, position, event, headers, msg.data)
            except DECODE_ERRORS as error:
                if not careful:
                    raise
                for projection in targets:
                    await record_failure(conn, projection.name, position, type_name, msg.subject, error)
                targets = []
            for projection in targets:
                if careful:
                    await self._apply_guarded(conn, projection, stored)
                else:
                    await projection.apply(conn, stored)
        for name in self._names:
            applied[name] = max(applied[name], position)

    async def _apply_guarded(self, conn: asyncpg.Connection, projection: Projection, stored: StoredEvent) -> None:
        try:
            async with conn.transaction():  # a savepoint: a failure undoes this event only
                await projection.apply(conn, stored)
        except DATA_ERRORS as error:
            type_name = stored.event.type_name
            await record_failure(conn, projection.name, stored.position, type_name, stored.subject, error)
