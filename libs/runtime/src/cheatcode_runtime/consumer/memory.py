"""In-memory deliveries for unit tests of consumer handlers (no NATS, no timing).

``deliver(handler, event)`` runs ``handler`` under the same settling rule as the JetStream
driver and returns the delivery, whose ``settled`` says what the handler answered::

    delivery = await deliver(record_usage, UsageRecorded(...), stream_seq=7)
    assert delivery.settled == "ack"
"""

from __future__ import annotations

from cheatcode_contracts import Event
from cheatcode_contracts.subjects import aggregate_subject
from cheatcode_runtime.consumer.delivery import ConsumerSpec, Delivery, Handler, run_handler

TEST_SPEC = ConsumerSpec(stream="EVENTS", durable="test", ack_wait=30.0)


class InMemoryDelivery(Delivery):
    """Records what the handler did: ``settled``, ``nak_delay``, ``heartbeats``."""

    def __init__(
        self,
        event: Event,
        *,
        subject: str | None = None,
        stream_seq: int = 1,
        num_delivered: int = 1,
        spec: ConsumerSpec = TEST_SPEC,
    ) -> None:
        super().__init__(
            event,
            subject=subject or aggregate_subject(event.aggregate_kind, event.aggregate_id),
            stream_seq=stream_seq,
            num_delivered=num_delivered,
            spec=spec,
        )
        self.nak_delay: float | None = None
        self.heartbeats = 0

    async def _ack(self) -> None:
        return None

    async def _nak(self, delay: float | None) -> None:
        self.nak_delay = delay

    async def _term(self) -> None:
        return None

    async def _in_progress(self) -> None:
        self.heartbeats += 1


async def deliver(
    handler: Handler,
    event: Event,
    *,
    stream_seq: int = 1,
    num_delivered: int = 1,
    spec: ConsumerSpec = TEST_SPEC,
    heartbeat: bool = False,
) -> InMemoryDelivery:
    delivery = InMemoryDelivery(event, stream_seq=stream_seq, num_delivered=num_delivered, spec=spec)
    await run_handler(handler, delivery, heartbeat=heartbeat)
    return delivery
