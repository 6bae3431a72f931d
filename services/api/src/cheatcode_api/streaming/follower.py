"""An ordered JetStream push consumer on a raw subscription: the hub's live follower.

nats-py's ordered consumer turns every delivery into a ``Msg`` with parsed headers and
queues it to a task; at thousands of frames per second that is the largest share of the
API's CPU after the socket writes. This follower keeps the same guarantees with plain
callbacks straight from the protocol parser:

- in order, no gap: each delivery's consumer sequence must be the previous one + 1;
  otherwise (or when the server reports the consumer gone) the consumer is recreated from
  the last stream sequence seen + 1, on a fresh inbox, so stale deliveries are ignored;
- flow control requests are answered at once (deliveries are processed synchronously);
- an idle heartbeat names the consumer's last delivery: a mismatch means lost deliveries;
- a stall (no delivery and no idle heartbeat for 3 heartbeat periods: 6-8 s, e.g. after a
  reconnect lost the consumer) also recreates it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from cheatcode_api.streaming.connection import StreamingNatsClient

log = logging.getLogger(__name__)

# (subject, stream sequence, payload, raw header block)
FrameHandler = Callable[[bytes, int, bytes, bytes | None], None]

HEARTBEAT_SECONDS = 2.0  # idle heartbeats only flow when nothing else does
_FLOW_CONTROL = b"FlowControl"
_STALLED = b"Nats-Consumer-Stalled:"
_LAST_CONSUMER = b"Nats-Last-Consumer:"


class OrderedFollower:
    def __init__(
        self, nc: StreamingNatsClient, stream: str, subject: str, start_seq: int, on_frame: FrameHandler
    ) -> None:
        self._nc = nc
        self._stream = stream
        self._subject = subject
        self._on_frame = on_frame
        self.last_seq = start_seq - 1  # stream sequence of the last frame handed on
        self._expected = 1  # next consumer sequence on the current consumer
        self._sid: int | None = None
        self._consumer: str | None = None
        self._last_activity = time.monotonic()
        self._resetting: asyncio.Task[None] | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.resets = 0

    async def start(self) -> None:
        await self._create()
        self._watchdog = asyncio.get_running_loop().create_task(self._watch(), name="follower-watchdog")

    async def stop(self) -> None:
        for task in (self._watchdog, self._resetting, *self._tasks):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        await self._drop_current()

    async def _create(self) -> None:
        inbox = self._nc.new_inbox()
        self._expected = 1
        sid = 0

        def deliver(subject: bytes, reply: bytes, data: bytes, headers: bytes | None) -> None:
            self._on(sid, subject, reply, data, headers)

        sid = self._sid = await self._nc.subscribe_raw(inbox, deliver)
        config = ConsumerConfig(
            deliver_subject=inbox,
            filter_subject=self._subject,
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
            opt_start_seq=self.last_seq + 1,
            ack_policy=AckPolicy.NONE,
            flow_control=True,
            idle_heartbeat=HEARTBEAT_SECONDS,
            mem_storage=True,
            num_replicas=1,
            inactive_threshold=60.0,  # survives a short reconnect; reaped after a crash
        )
        info = await self._nc.jetstream().add_consumer(self._stream, config)
        self._consumer = info.name
        self._last_activity = time.monotonic()

    async def _drop_current(self) -> None:
        sid, consumer = self._sid, self._consumer
        self._sid = self._consumer = None
        if sid is not None:
            with contextlib.suppress(Exception):
                await self._nc.unsubscribe_raw(sid)
        if consumer is not None:
            with contextlib.suppress(Exception):
                await self._nc.jetstream().delete_consumer(self._stream, consumer)

    def _on(self, sid: int, subject: bytes, reply: bytes, data: bytes, headers: bytes | None) -> None:
        if sid != self._sid:
            return  # a delivery to a consumer being replaced
        self._last_activity = time.monotonic()
        if not data and headers is not None and headers.startswith(b"NATS/1.0 "):
            self._on_status(reply, headers)
            return
        tokens = reply.split(b".")
        if len(tokens) == 9:
            seq, delivered = int(tokens[5]), int(tokens[6])
        elif len(tokens) >= 11:
            seq, delivered = int(tokens[7]), int(tokens[8])
        else:
            return
        if delivered != self._expected:
            self._reset(f"consumer sequence {delivered}, expected {self._expected}")
            return
        self._expected += 1
        self.last_seq = seq
        self._on_frame(subject, seq, data, headers)

    def _on_status(self, reply: bytes, headers: bytes) -> None:
        code = headers[9:12]
        if code == b"100":
            if _FLOW_CONTROL in headers[:64] and reply:
                self._spawn(self._nc.publish(reply.decode()))
            last = headers.find(_LAST_CONSUMER)
            if last >= 0:  # a heartbeat names the last delivery: a different one means we lost the tail
                end = headers.find(b"\r\n", last)
                if int(headers[last + len(_LAST_CONSUMER) : end]) != self._expected - 1:
                    self._reset("a heartbeat reports deliveries this follower never got")
                    return
            stalled = headers.find(_STALLED)
            if stalled >= 0:
                end = headers.find(b"\r\n", stalled)
                self._spawn(self._nc.publish(headers[stalled + len(_STALLED) : end].strip().decode()))
        elif code in (b"409", b"404", b"408"):  # consumer deleted / gone
            self._reset(f"status {headers[:40]!r}")

    def _spawn(self, coroutine: object) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coroutine)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _reset(self, why: str) -> None:
        if self._resetting is not None and not self._resetting.done():
            return
        log.warning("run-output follower: recreating its consumer after seq %d (%s)", self.last_seq, why)
        self.resets += 1
        self._sid = None  # ignore whatever the old consumer still delivers
        self._resetting = asyncio.get_running_loop().create_task(self._recreate())

    async def _recreate(self) -> None:
        delay = 0.05
        while True:
            with contextlib.suppress(Exception):
                await self._drop_current()
            try:
                await self._create()
                return
            except Exception as error:  # NATS unavailable: keep trying, clients keep their streams
                log.warning("run-output follower: cannot recreate its consumer yet: %r", error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            if time.monotonic() - self._last_activity > 3 * HEARTBEAT_SECONDS:
                self._reset("no delivery or heartbeat")
