"""The settling rule every consumer driver shares, on in-memory deliveries."""

from __future__ import annotations

import asyncio

import pytest

from cheatcode_contracts.threads import ThreadCreated
from cheatcode_runtime.consumer import ConsumerSpec, Delivery
from cheatcode_runtime.consumer.memory import InMemoryDelivery, deliver

EVENT = ThreadCreated(thread_id="t1", project_id="p1", user_id="u1")


async def test_returning_unsettled_acks() -> None:
    async def handler(delivery: Delivery) -> None:
        return None

    delivery = await deliver(handler, EVENT, stream_seq=4)
    assert delivery.settled == "ack" and delivery.subject == "cc.evt.thread.t1" and delivery.stream_seq == 4


async def test_raising_naks_with_the_retry_delay() -> None:
    spec = ConsumerSpec(stream="EVENTS", durable="d", retry_delay=2.5)

    async def handler(delivery: Delivery) -> None:
        raise RuntimeError("boom")

    delivery = await deliver(handler, EVENT, spec=spec)
    assert delivery.settled == "nak" and delivery.nak_delay == 2.5


async def test_the_first_settlement_wins() -> None:
    async def handler(delivery: Delivery) -> None:
        await delivery.term()
        await delivery.ack()
        await delivery.nak()

    assert (await deliver(handler, EVENT)).settled == "term"


async def test_keep_alive_beats_while_the_block_runs_and_stops_after() -> None:
    spec = ConsumerSpec(stream="EVENTS", durable="d", ack_wait=0.15)  # a beat every 50 ms
    delivery = InMemoryDelivery(EVENT, spec=spec)
    async with delivery.keep_alive():
        await asyncio.sleep(0.3)
    beats = delivery.heartbeats
    assert beats >= 3
    await asyncio.sleep(0.15)
    assert delivery.heartbeats == beats


async def test_heartbeat_option_wraps_the_handler() -> None:
    spec = ConsumerSpec(stream="EVENTS", durable="d", ack_wait=0.15)

    async def slow(delivery: Delivery) -> None:
        await asyncio.sleep(0.2)

    delivery = await deliver(slow, EVENT, spec=spec, heartbeat=True)
    assert delivery.heartbeats >= 2 and delivery.settled == "ack"


def test_a_backoff_needs_more_deliveries_than_steps() -> None:
    with pytest.raises(ValueError, match="max_deliver"):
        ConsumerSpec(stream="S", durable="d", max_deliver=2, backoff=(1.0, 2.0))
