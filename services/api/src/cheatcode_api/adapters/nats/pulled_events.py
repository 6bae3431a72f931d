"""EVENTS read in whole batches for a rebuild: a pull consumer delivered to a raw subscription.

The shadow projector reads the whole log once, as fast as it can plan it. nats-py's ordered
push consumer turns every delivery into a ``Msg``, queues it to a subscription task and runs
a callback (about half of a delivery's cost); here each delivery becomes a small
:class:`Delivery` right from the protocol parser. A pull consumer gives the back-pressure a
push consumer's flow control gave: at most two batches of events are requested ahead of what
the projector has taken, so memory stays bounded however long the log is.

Ack policy none: a delivery is final, so the consumer sequence in each reply subject must
advance by exactly one. A gap, a status other than an expired request, or silence for
``idle_timeout`` raises :class:`PullInterruptedError` (or ``TimeoutError``): the projector
drops the reader and starts again from its committed checkpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import NamedTuple

from nats.js import api

from cheatcode_contracts.streams import EVENTS
from cheatcode_contracts.subjects import all_events_filter
from cheatcode_runtime.nats import LeanHeaderClient

EXPIRED = b"408"  # a pull request that ended before it was filled
PENDING_HEADER = b"Nats-Pending-Messages:"
REQUEST_EXPIRES_NS = 30_000_000_000  # a request lives 30 s: longer than planning any batch takes


class Delivery(NamedTuple):
    """What the projection runner reads of a message (``nats.aio.msg.Msg`` has the same names)."""

    subject: str
    reply: str  # $JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>...: the position is in it
    data: bytes
    headers: dict[str, str] | None


class PullInterruptedError(Exception):
    pass


class PulledEvents:
    """Async context: ``next_batch(target)`` gives the next events in stream order from ``start``."""

    def __init__(self, nc: LeanHeaderClient, start: int, batch: int, *, idle_timeout: float) -> None:
        self._nc = nc
        self._start = start
        self._batch = batch
        self._idle_timeout = idle_timeout
        self._buffer: list[Delivery] = []
        self._positions: list[int] = []
        self._owed = 0  # requested, not yet delivered (nor expired)
        self._delivered = 0  # consumer sequence of the last delivery (they start at 1)
        self._target = 0
        self._woken = asyncio.Event()
        self._failure: PullInterruptedError | None = None
        self._sid: int | None = None
        self._consumer: str | None = None
        self._next_subject = ""
        self._inbox = ""

    async def __aenter__(self) -> PulledEvents:
        self._inbox = self._nc.new_inbox()
        self._sid = await self._nc.subscribe_raw(self._inbox, self._on_delivery)
        config = api.ConsumerConfig(
            deliver_policy=api.DeliverPolicy.BY_START_SEQUENCE,
            opt_start_seq=self._start,
            ack_policy=api.AckPolicy.NONE,
            filter_subject=all_events_filter(),
            mem_storage=True,
            num_replicas=1,
            inactive_threshold=60.0,  # reaped by the server should this reader vanish
        )
        info = await self._nc.jetstream().add_consumer(EVENTS.name, config)
        self._consumer = info.name
        self._next_subject = f"$JS.API.CONSUMER.MSG.NEXT.{EVENTS.name}.{info.name}"
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._sid is not None:
            await self._nc.unsubscribe_raw(self._sid)
        if self._consumer is not None:
            with contextlib.suppress(Exception):
                await self._nc.jetstream().delete_consumer(EVENTS.name, self._consumer)

    async def next_batch(self, target: int) -> tuple[list[Delivery], list[int]]:
        """Up to ``batch`` events and their positions: a full batch, or fewer ending at the first
        position at or past ``target``."""
        self._target = target
        while True:
            if self._failure is not None:
                raise self._failure
            await self._request_more()
            if self._ready():
                return self._take()
            self._woken.clear()
            seen = self._delivered
            try:
                await asyncio.wait_for(self._woken.wait(), self._idle_timeout)
            except TimeoutError:
                if self._delivered == seen:
                    raise  # nothing arrived for a whole idle period
            # else: deliveries keep arriving, a batch is not complete yet

    def _ready(self) -> bool:
        if len(self._buffer) >= self._batch:
            return True
        return bool(self._positions) and self._positions[-1] >= self._target

    def _take(self) -> tuple[list[Delivery], list[int]]:
        end = min(len(self._buffer), self._batch)
        for index, position in enumerate(self._positions[:end]):
            if position >= self._target:
                end = index + 1
                break
        batch, positions = self._buffer[:end], self._positions[:end]
        del self._buffer[:end], self._positions[:end]
        return batch, positions

    async def _request_more(self) -> None:
        """Keep two batches on their way beyond what is buffered."""
        while len(self._buffer) + self._owed < 2 * self._batch:
            self._owed += self._batch
            request = json.dumps({"batch": self._batch, "expires": REQUEST_EXPIRES_NS}).encode()
            await self._nc.publish(self._next_subject, request, reply=self._inbox)

    def _on_delivery(self, subject: bytes, reply: bytes, data: bytes, headers: bytes | None) -> None:
        """Called by the protocol parser; must not raise."""
        if not reply:
            self._on_status(headers)
            return
        tokens = reply.split(b".")
        if len(tokens) == 9:  # $JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<ts>.<pending>
            position, sequence = int(tokens[5]), int(tokens[6])
        elif len(tokens) >= 11:  # with domain and account hash after ACK
            position, sequence = int(tokens[7]), int(tokens[8])
        else:
            self._fail(f"unexpected reply subject {reply!r}")
            return
        if sequence != self._delivered + 1:  # ack none: every delivery is a new consumer sequence
            self._fail(f"delivery {self._delivered + 1} of the consumer went missing (got {sequence})")
            return
        self._delivered = sequence
        self._owed -= 1
        self._buffer.append(
            Delivery(subject.decode(), reply.decode(), data, LeanHeaderClient.parse_header_block(headers))
        )
        self._positions.append(position)
        if len(self._buffer) >= self._batch or position >= self._target:
            self._woken.set()

    def _on_status(self, headers: bytes | None) -> None:
        block = headers or b""
        status = block[9:12]  # "NATS/1.0 408 Request Timeout\r\n..."
        if status != EXPIRED:
            self._fail(f"pull request answered {block[:60]!r}")
            return
        undelivered = self._owed  # without the header, assume the whole remainder lapsed
        for line in block.split(b"\r\n"):
            if line.startswith(PENDING_HEADER):
                with contextlib.suppress(ValueError):
                    undelivered = int(line[len(PENDING_HEADER) :])
        self._owed = max(0, self._owed - undelivered)
        self._woken.set()  # next_batch asks again

    def _fail(self, reason: str) -> None:
        if self._failure is None:
            self._failure = PullInterruptedError(reason)
        self._woken.set()
