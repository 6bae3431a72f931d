"""Event store on NATS JetStream.

Appends carry ``Nats-Expected-Last-Subject-Sequence`` (optimistic concurrency on the
aggregate's subject) and ``Nats-Msg-Id`` (idempotency within the stream's duplicate
window). Loads replay the subject through an ordered push consumer, the fastest
in-order read nats-py offers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from nats.aio.msg import Msg
from nats.js import JetStreamContext, api
from nats.js.errors import BadRequestError, NotFoundError

from cheatcode_contracts import ContractRegistry, Event
from cheatcode_contracts.envelope import (
    EXPECTED_LAST_SUBJECT_SEQ_HEADER,
    MSG_ID_HEADER,
    contract_headers,
    decode_event,
    encode,
)
from cheatcode_runtime.eventstore.port import (
    AggregateHistory,
    AppendResult,
    ConcurrencyError,
    EventStore,
    StoredEvent,
    idempotency_keys,
)

WRONG_LAST_SEQUENCE = 10071


class JetStreamEventStore(EventStore):
    def __init__(
        self,
        js: JetStreamContext,
        registry: ContractRegistry,
        *,
        stream: str = "EVENTS",
        timeout: float = 5.0,
    ) -> None:
        self._js = js
        self._registry = registry
        self._stream = stream
        self._timeout = timeout

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
            headers = {**contract_headers(event), MSG_ID_HEADER: key}
            if expected is not None:
                headers[EXPECTED_LAST_SUBJECT_SEQ_HEADER] = str(expected)
            try:
                ack = await self._js.publish(
                    subject, encode(event), timeout=self._timeout, stream=self._stream, headers=headers
                )
            except BadRequestError as error:
                if error.err_code != WRONG_LAST_SEQUENCE:
                    raise
                # JetStream checks the expected sequence before the msg-id, so a retried
                # command shows up as a conflict: look for its earlier copy.
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
        events = (StoredEvent(subject, seq, decode_event(self._registry, h, d)) for seq, h, d in messages)
        return AggregateHistory(subject, tuple(events))

    async def _position_of(self, subject: str, msg_id: str, *, after: int) -> int | None:
        for seq, headers, _ in await self._replay(subject, after=after):
            if headers.get(MSG_ID_HEADER) == msg_id:
                return seq
        return None

    async def _replay(self, subject: str, *, after: int) -> list[tuple[int, dict[str, str], bytes]]:
        """Raw messages on ``subject`` with a sequence above ``after``, up to its current end."""
        last = await self._last_position(subject)
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

        sub = await self._js.subscribe(
            subject,
            stream=self._stream,
            ordered_consumer=True,
            deliver_policy=api.DeliverPolicy.BY_START_SEQUENCE,
            config=api.ConsumerConfig(opt_start_seq=after + 1),
            cb=on_message,
        )
        try:
            await asyncio.wait_for(done, self._timeout)
        finally:
            await sub.unsubscribe()
        return messages

    async def _last_position(self, subject: str) -> int:
        try:
            msg = await self._js.get_last_msg(self._stream, subject, direct=True)
        except NotFoundError:
            return 0
        return msg.seq or 0
