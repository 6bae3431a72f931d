"""Event store on NATS JetStream.

Appends carry ``Nats-Expected-Last-Subject-Sequence`` (optimistic concurrency on the
aggregate's subject) and ``Nats-Msg-Id`` (idempotency within the stream's duplicate
window). Loads replay the subject through an ordered push consumer, the fastest
in-order read nats-py offers.

A NATS restart or a JetStream leader change must not fail a write: every request is retried
with the same ``Nats-Msg-Id`` (so a retry never stores twice) until ``reconnect_deadline``
has passed, then :class:`EventStoreUnavailableError` says the store is away.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import TypeVar

from nats.aio.msg import Msg
from nats.errors import (
    ConnectionClosedError,
    ConnectionReconnectingError,
    NoRespondersError,
    TimeoutError as NatsTimeoutError,
)
from nats.js import JetStreamContext, api
from nats.js.errors import BadRequestError, NoStreamResponseError, NotFoundError, ServiceUnavailableError

from cheatcode_contracts import ContractRegistry, Event, UnknownContractError
from cheatcode_contracts.envelope import (
    EXPECTED_LAST_SUBJECT_SEQ_HEADER,
    MSG_ID_HEADER,
    MalformedMessageError,
    contract_headers,
    decode_event,
    encode,
)
from cheatcode_runtime.eventstore.port import (
    AggregateHistory,
    AppendResult,
    ConcurrencyError,
    EventStore,
    EventStoreUnavailableError,
    StoredEvent,
    idempotency_keys,
)
from cheatcode_runtime.observability.context import outgoing_headers

logger = logging.getLogger("cheatcode.eventstore")

WRONG_LAST_SEQUENCE = 10071
# What a NATS restart, a reconnect or a leader election looks like to a request: worth retrying.
# A publish into a stream between leaders gets NoStreamResponseError (nats-py's rename of
# NoRespondersError for js.publish).
TRANSIENT = (
    NatsTimeoutError,
    TimeoutError,
    NoRespondersError,
    NoStreamResponseError,
    ConnectionReconnectingError,
    ServiceUnavailableError,
)
RETRY_PAUSE = 0.25
T = TypeVar("T")


class JetStreamEventStore(EventStore):
    def __init__(
        self,
        js: JetStreamContext,
        registry: ContractRegistry,
        *,
        stream: str = "EVENTS",
        timeout: float = 5.0,
        reconnect_deadline: float = 30.0,
        follow_check: float = 1.0,
    ) -> None:
        """``timeout`` bounds one request; ``reconnect_deadline`` all retries of one operation
        (long enough for a supervised restart or a cluster leader change). ``follow_check``:
        how often ``follow`` checks that its subscription still delivers (after a restart the
        server may have lost it)."""
        self._js = js
        self._registry = registry
        self._stream = stream
        self._timeout = timeout
        self._deadline = reconnect_deadline
        self._follow_check = follow_check

    async def append(
        self,
        subject: str,
        events: Sequence[Event],
        *,
        expected_position: int | None,
        idempotency_key: str,
    ) -> AppendResult:
        expected = expected_position
        position, duplicate = 0, True
        for key, event in zip(idempotency_keys(idempotency_key, len(events)), events, strict=True):
            # Who caused it and which request it belongs to travel with the event (audit, traces).
            headers = {**outgoing_headers(contract_headers(event)), MSG_ID_HEADER: key}
            if expected is not None:
                headers[EXPECTED_LAST_SUBJECT_SEQ_HEADER] = str(expected)
            body = encode(event)
            try:
                ack = await self._retrying(
                    f"append to {subject}",
                    lambda t, body=body, headers=headers: self._js.publish(  # type: ignore[misc]
                        subject, body, timeout=t, stream=self._stream, headers=headers
                    ),
                )
            except BadRequestError as error:
                if error.err_code != WRONG_LAST_SEQUENCE:
                    raise
                # JetStream checks the expected sequence before the msg-id, so a retried
                # command (or our own retry after a lost ack) shows up as a conflict: look
                # for its earlier copy.
                earlier = await self._position_of(subject, key, after=expected or 0)
                if earlier is None:
                    raise ConcurrencyError(subject, expected or 0) from error
                position, expected = earlier, (await self._last_position(subject))
                continue
            position, duplicate = ack.seq, duplicate and bool(ack.duplicate)
            expected = ack.seq if expected is not None else None
        return AppendResult(position=position, duplicate=duplicate)

    async def load(self, subject: str) -> AggregateHistory:
        messages = await self._replay(subject, after=0)
        events = (StoredEvent(subject, seq, decode_event(self._registry, h, d), h) for seq, h, d in messages)
        return AggregateHistory(subject, tuple(events))

    async def follow(self, subject: str, *, after: int) -> AsyncIterator[StoredEvent]:
        queue: asyncio.Queue[Msg] = asyncio.Queue()
        seen = after
        sub: JetStreamContext.PushSubscription | None = await self._retrying(
            f"follow {subject}", lambda _: self._subscribe(subject, after + 1, queue.put)
        )
        try:
            while True:
                try:
                    msg = await asyncio.wait_for(queue.get(), self._follow_check)
                except TimeoutError:
                    sub = await self._resubscribe_if_behind(subject, sub, seen, queue)
                    continue
                seq = msg.metadata.sequence.stream
                if seq <= seen:
                    continue  # delivered again by a fresh subscription
                seen = seq
                try:
                    event = decode_event(self._registry, msg.headers, msg.data)
                except (MalformedMessageError, UnknownContractError, ValueError):
                    logger.warning("%s #%d: skipping an undecodable event", subject, seq)
                    continue
                yield StoredEvent(subject, seq, event, msg.headers or {})
        finally:
            if sub is not None:
                with contextlib.suppress(Exception):
                    await sub.unsubscribe()

    async def _resubscribe_if_behind(
        self, subject: str, sub: JetStreamContext.PushSubscription | None, seen: int, queue: asyncio.Queue[Msg]
    ) -> JetStreamContext.PushSubscription | None:
        """Quiet for a while: if the subject grew past what we saw, our consumer is gone
        (a server restart loses ephemeral consumers); start a new one after ``seen``."""
        try:
            if sub is not None and await self._last_position(subject) <= seen:
                return sub
            if sub is not None:
                with contextlib.suppress(Exception):
                    await sub.unsubscribe()
            return await self._subscribe(subject, seen + 1, queue.put)
        except Exception as error:
            logger.info("%s: follow could not catch up yet: %s", subject, error)
            return None

    async def _subscribe(
        self, subject: str, start: int, deliver: Callable[[Msg], Awaitable[None]]
    ) -> JetStreamContext.PushSubscription:
        return await self._js.subscribe(
            subject,
            stream=self._stream,
            ordered_consumer=True,
            deliver_policy=api.DeliverPolicy.BY_START_SEQUENCE,
            config=api.ConsumerConfig(opt_start_seq=start),
            cb=deliver,
        )

    async def _retrying(self, what: str, attempt: Callable[[float], Awaitable[T]]) -> T:
        """``attempt(timeout)`` until it succeeds or ``reconnect_deadline`` has passed."""
        ends = time.monotonic() + self._deadline
        tries = 0
        while True:
            tries += 1
            left = ends - time.monotonic()
            try:
                return await attempt(max(min(self._timeout, left), 0.05))
            except ConnectionClosedError as error:
                raise EventStoreUnavailableError(f"{what}: the NATS connection is closed") from error
            except TRANSIENT as error:
                if time.monotonic() + RETRY_PAUSE >= ends:
                    raise EventStoreUnavailableError(
                        f"{what}: NATS did not answer for {self._deadline:g} s ({type(error).__name__})"
                    ) from error
                if tries == 1:
                    logger.warning("%s: %s; retrying until NATS is back", what, type(error).__name__)
                await asyncio.sleep(RETRY_PAUSE)

    async def _position_of(self, subject: str, msg_id: str, *, after: int) -> int | None:
        for seq, headers, _ in await self._replay(subject, after=after):
            if headers.get(MSG_ID_HEADER) == msg_id:
                return seq
        return None

    async def _replay(self, subject: str, *, after: int) -> list[tuple[int, dict[str, str], bytes]]:
        """Raw messages on ``subject`` with a sequence above ``after``, up to its current end."""
        return await self._retrying(f"load {subject}", lambda t: self._replay_once(subject, after, t))

    async def _replay_once(self, subject: str, after: int, wait: float) -> list[tuple[int, dict[str, str], bytes]]:
        last = await self._last_position_once(subject, wait)
        if last <= after:
            return []
        messages: list[tuple[int, dict[str, str], bytes]] = []
        done = asyncio.get_running_loop().create_future()

        async def on_message(msg: Msg) -> None:
            seq = msg.metadata.sequence.stream
            if seq <= last:
                messages.append((seq, msg.headers or {}, msg.data))
            if seq >= last and not done.done():
                done.set_result(None)

        sub = await self._subscribe(subject, after + 1, on_message)
        try:
            await asyncio.wait_for(done, wait)
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        return messages

    async def _last_position(self, subject: str) -> int:
        return await self._retrying(f"read {subject}", lambda t: self._last_position_once(subject, t))

    async def _last_position_once(self, subject: str, wait: float) -> int:
        try:
            msg = await asyncio.wait_for(self._js.get_last_msg(self._stream, subject, direct=True), wait)
        except NotFoundError:
            return 0
        return msg.seq or 0
