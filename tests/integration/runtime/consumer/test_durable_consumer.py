"""The durable-consumer adapter against a real nats-server: ack, redelivery, nak, term, concurrency."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import ClassVar

import pytest
from nats.aio.client import Client
from nats.js.api import StreamConfig

from cheatcode_contracts import ContractRegistry, Event, new_id
from cheatcode_contracts.envelope import contract_headers, encode
from cheatcode_runtime.consumer import ConsumerSpec, Delivery, DurableConsumer


class Pinged(Event):
    type_name: ClassVar[str] = "test.pinged"
    aggregate_kind: ClassVar[str] = "ping"
    aggregate_field: ClassVar[str] = "ping_id"

    ping_id: str
    n: int = 0


REGISTRY = ContractRegistry([Pinged])


@dataclass
class Lane:
    """A stream of its own per test, so consumers never see another test's messages."""

    client: Client
    stream: str
    prefix: str
    consumers: list[DurableConsumer] = field(default_factory=list)

    def spec(self, **overrides: object) -> ConsumerSpec:
        values: dict[str, object] = {
            "stream": self.stream,
            "durable": f"d{new_id()[:8]}",
            "filter_subjects": (f"{self.prefix}.>",),
            "ack_wait": 1.0,
            "retry_delay": 0.2,
        }
        values.update(overrides)
        return ConsumerSpec(**values)  # type: ignore[arg-type]

    async def publish(self, n: int) -> int:
        event = Pinged(ping_id=f"p{n}", n=n)
        ack = await self.client.jetstream().publish(
            f"{self.prefix}.{n}", encode(event), stream=self.stream, headers=contract_headers(event)
        )
        return ack.seq

    async def start(self, spec: ConsumerSpec, handler: Callable[[Delivery], Awaitable[None]], **kw: object) -> None:
        consumer = DurableConsumer(self.client, spec, handler, REGISTRY, fetch_timeout=0.5, **kw)  # type: ignore[arg-type]
        await consumer.start()
        self.consumers.append(consumer)

    async def pending(self, spec: ConsumerSpec) -> tuple[int, int]:
        """(ack pending, not yet delivered) of the consumer, as the server counts them."""
        info = await self.client.jetstream().consumer_info(self.stream, spec.durable)
        return info.num_ack_pending or 0, info.num_pending or 0


@pytest.fixture
async def lane(nats_client: Client) -> AsyncIterator[Lane]:
    tag = new_id()[:12]
    stream, prefix = f"CONSUMER_{tag}", f"ct.{tag}"
    await nats_client.jetstream().add_stream(StreamConfig(name=stream, subjects=[f"{prefix}.>"]))
    lane = Lane(nats_client, stream, prefix)
    yield lane
    for consumer in lane.consumers:
        await consumer.close(cancel_running=True)
    await nats_client.jetstream().delete_stream(stream)


async def eventually(check: Callable[[], Awaitable[bool]] | Callable[[], bool], within: float = 5.0) -> None:
    ends = time.monotonic() + within
    while time.monotonic() < ends:
        result = check()
        if result if isinstance(result, bool) else await result:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")


async def test_a_handler_that_returns_acks_and_is_given_each_event_once(lane: Lane) -> None:
    seen: list[tuple[int, int, int]] = []

    async def handler(delivery: Delivery) -> None:
        assert isinstance(delivery.event, Pinged)
        seen.append((delivery.event.n, delivery.stream_seq, delivery.num_delivered))

    spec = lane.spec()
    seqs = [await lane.publish(n) for n in range(5)]
    await lane.start(spec, handler)
    await eventually(lambda: len(seen) == 5)
    await asyncio.sleep(spec.ack_wait * 1.5)  # an unacked one would come back by now
    assert seen == [(n, seq, 1) for n, seq in zip(range(5), seqs, strict=True)]
    assert await lane.pending(spec) == (0, 0)


async def test_a_message_held_past_ack_wait_is_delivered_again(lane: Lane) -> None:
    deliveries: list[int] = []
    release = asyncio.Event()

    async def handler(delivery: Delivery) -> None:
        deliveries.append(delivery.num_delivered)
        if delivery.num_delivered == 1:
            await release.wait()  # silent: no in_progress

    spec = lane.spec(ack_wait=0.5)
    await lane.start(spec, handler, concurrency=2)
    started = time.monotonic()
    await lane.publish(1)
    await eventually(lambda: deliveries == [1, 2])
    assert time.monotonic() - started >= 0.5
    release.set()
    await eventually(_no_pending(lane, spec))


def _no_pending(lane: Lane, spec: ConsumerSpec) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return await lane.pending(spec) == (0, 0)

    return check


async def test_the_heartbeat_keeps_a_long_handler_s_message(lane: Lane) -> None:
    deliveries: list[int] = []

    async def slow(delivery: Delivery) -> None:
        deliveries.append(delivery.num_delivered)
        await asyncio.sleep(spec.ack_wait * 3)

    spec = lane.spec(ack_wait=0.5)
    await lane.start(spec, slow, heartbeat=True, concurrency=2)
    await lane.publish(1)
    await eventually(_no_pending(lane, spec), within=5.0)
    assert deliveries == [1]


async def test_nak_with_a_delay_delivers_again_after_the_delay(lane: Lane) -> None:
    times: list[tuple[int, float]] = []

    async def handler(delivery: Delivery) -> None:
        times.append((delivery.num_delivered, time.monotonic()))
        if delivery.num_delivered == 1:
            await delivery.nak(0.4)

    spec = lane.spec(ack_wait=5.0)
    await lane.start(spec, handler)
    await lane.publish(1)
    await eventually(lambda: len(times) == 2)
    assert [n for n, _ in times] == [1, 2]
    assert times[1][1] - times[0][1] >= 0.35
    await eventually(_no_pending(lane, spec))


async def test_a_handler_that_raises_gets_the_message_again_after_retry_delay(lane: Lane) -> None:
    deliveries: list[int] = []

    async def flaky(delivery: Delivery) -> None:
        deliveries.append(delivery.num_delivered)
        if delivery.num_delivered < 3:
            raise RuntimeError("not yet")

    spec = lane.spec(ack_wait=5.0, retry_delay=0.1)
    await lane.start(spec, flaky)
    await lane.publish(1)
    await eventually(lambda: deliveries == [1, 2, 3])
    await eventually(_no_pending(lane, spec))


async def test_term_and_undecodable_messages_are_never_delivered_again(lane: Lane) -> None:
    seen: list[int] = []

    async def handler(delivery: Delivery) -> None:
        assert isinstance(delivery.event, Pinged)
        seen.append(delivery.event.n)
        await delivery.term()

    spec = lane.spec(ack_wait=0.3)
    await lane.client.jetstream().publish(f"{lane.prefix}.junk", b"{not json", stream=lane.stream)
    await lane.publish(7)
    await lane.start(spec, handler)
    await eventually(lambda: seen == [7])
    await asyncio.sleep(1.0)  # > 3 x ack_wait
    assert seen == [7]
    assert await lane.pending(spec) == (0, 0)


async def test_concurrency_bounds_the_handlers_running_at_once(lane: Lane) -> None:
    running, peak, done = 0, 0, 0
    gate = asyncio.Event()

    async def handler(delivery: Delivery) -> None:
        nonlocal running, peak, done
        running += 1
        peak = max(peak, running)
        await gate.wait()
        running -= 1
        done += 1

    spec = lane.spec(ack_wait=10.0)
    for n in range(8):
        await lane.publish(n)
    await lane.start(spec, handler, concurrency=3)
    await eventually(lambda: running == 3)
    await asyncio.sleep(0.3)
    assert running == 3  # the others wait: no fourth handler starts
    gate.set()
    await eventually(lambda: done == 8)
    assert peak == 3
    await eventually(_no_pending(lane, spec))


async def test_the_stream_and_names_come_from_the_spec(lane: Lane) -> None:
    async def handler(delivery: Delivery) -> None:
        return None

    plain = lane.spec(ack_wait=7.0, max_deliver=4)
    with_backoff = lane.spec(max_deliver=4, backoff=(0.5, 1.0))
    await lane.start(plain, handler)
    await lane.start(with_backoff, handler)
    info = await lane.client.jetstream().consumer_info(lane.stream, plain.durable)
    assert info.config.ack_wait == 7.0 and info.config.max_deliver == 4
    assert info.config.filter_subject == f"{lane.prefix}.>"
    info = await lane.client.jetstream().consumer_info(lane.stream, with_backoff.durable)
    assert info.config.backoff == [0.5, 1.0]  # JetStream then waits backoff[0] for the first ack
