"""Metering against a real nats-server: every LLM call charged exactly once, whatever happens.

Two billing "replicas" (two consumers of one durable, each with its own account cache), a
handler that fails after its append (so the message is redelivered), a restart, a duplicate
publication of one call, and a replay of the whole usage log from zero.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import pytest
from nats.aio.client import Client

from cheatcode_billing.adapters.jetstream_accounts import JetStreamAccountDirectory
from cheatcode_billing.adapters.memory import FixedPrices
from cheatcode_billing.handlers.deps import BillingDeps
from cheatcode_billing.handlers.metering import on_usage_event
from cheatcode_contracts import build_registry
from cheatcode_contracts.billing import TokensCharged, account_subject
from cheatcode_contracts.runs import USAGE_EVENTS_FILTER, UsageRecorded, usage_subject
from cheatcode_runtime.consumer import ConsumerSpec, Delivery, DurableConsumer
from cheatcode_runtime.eventstore import JetStreamEventStore

pytestmark = pytest.mark.integration

REGISTRY = build_registry()


def store_of(client: Client) -> JetStreamEventStore:
    return JetStreamEventStore(client.jetstream(), REGISTRY, stream="EVENTS")


def replica(client: Client) -> BillingDeps:
    store = store_of(client)
    directory = JetStreamAccountDirectory(client.jetstream())
    return BillingDeps(store=lambda: store, prices=FixedPrices(), directory=lambda: directory)


def spec(durable: str) -> ConsumerSpec:
    return ConsumerSpec(stream="EVENTS", durable=durable, filter_subjects=(USAGE_EVENTS_FILTER,), ack_wait=2.0,
                        retry_delay=0.1)  # fmt: skip


def consumer(client: Client, durable: str, handler: Callable[[Delivery], Awaitable[None]]) -> DurableConsumer:
    return DurableConsumer(client, spec(durable), handler, REGISTRY, concurrency=4, fetch_timeout=0.3)


def charging(deps: BillingDeps) -> Callable[[Delivery], Awaitable[None]]:
    async def handle(delivery: Delivery) -> None:
        await on_usage_event(delivery.event, deps)

    return handle


async def publish_usage(client: Client, user: str, run: str, call: int, tokens: int, *, copy: str = "") -> None:
    event = UsageRecorded(run_id=run, user_id=user, thread_id="t", project_id="p", model="mock-model",
                          prompt_tokens=tokens, completion_tokens=0, call_index=call)  # fmt: skip
    await store_of(client).append(
        usage_subject(run), [event], expected_position=None, idempotency_key=f"{run}:usage:{call}{copy}"
    )


async def charges_of(client: Client, user: str) -> list[TokensCharged]:
    history = await store_of(client).load(account_subject(user))
    return [stored.event for stored in history.events if isinstance(stored.event, TokensCharged)]


async def wait_for_charges(client: Client, user: str, count: int, within: float = 20.0) -> list[TokensCharged]:
    ends = time.monotonic() + within
    while True:
        found = await charges_of(client, user)
        if len(found) >= count or time.monotonic() > ends:
            return found
        await asyncio.sleep(0.1)


def assert_exactly_once(found: list[TokensCharged], calls: set[tuple[str, int]], tokens: int) -> None:
    keys = [(c.run_id, c.call_index) for c in found]
    assert len(keys) == len(set(keys)), "a call was charged twice"
    assert set(keys) == calls
    assert found[-1].balance_after == 100_000 - tokens * len(calls)


async def test_two_replicas_redelivery_restart_and_replay_charge_each_call_once(own_nats_client: Client) -> None:
    client = own_nats_client
    user = "meter-user"
    calls = {(f"run-{r}", c) for r in range(6) for c in range(5)}
    failed_once: set[int] = set()
    handled: dict[int, int] = {}

    def flaky(deps: BillingDeps) -> Callable[[Delivery], Awaitable[None]]:
        async def handle(delivery: Delivery) -> None:
            handled[id(deps)] = handled.get(id(deps), 0) + 1
            await on_usage_event(delivery.event, deps)
            if delivery.stream_seq % 4 == 0 and delivery.stream_seq not in failed_once:
                failed_once.add(delivery.stream_seq)
                raise RuntimeError("crash after the charge, before the ack")  # nak: delivered again

        return handle

    first = consumer(client, "billing-usage", flaky(replica(client)))
    second = consumer(client, "billing-usage", flaky(replica(client)))
    await first.start()
    await second.start()
    for run, call in sorted(calls):
        await publish_usage(client, user, run, call, 100)
    await publish_usage(client, user, "run-0", 0, 100, copy=":again")  # the same call published twice
    found = await wait_for_charges(client, user, len(calls))
    await asyncio.sleep(1.0)  # let the redeliveries land
    assert failed_once, "the test never made a handler fail"
    assert len(handled) == 2, "both replicas took deliveries"
    assert_exactly_once(await charges_of(client, user), calls, 100)
    assert len(found) == len(calls)

    # Restart: both replicas gone; more usage arrives; a new process picks up where they stopped.
    await first.close()
    await second.close()
    more = {("run-late", c) for c in range(3)}
    for run, call in sorted(more):
        await publish_usage(client, user, run, call, 100)
    restarted = consumer(client, "billing-usage", charging(replica(client)))
    await restarted.start()
    await wait_for_charges(client, user, len(calls | more))
    await restarted.close()
    assert_exactly_once(await charges_of(client, user), calls | more, 100)

    # Replay from zero: a brand-new durable sees every usage event again and charges nothing.
    replay = consumer(client, "billing-usage-replay", charging(replica(client)))
    await replay.start()
    ends = time.monotonic() + 20
    while time.monotonic() < ends:
        info = await client.jetstream().consumer_info("EVENTS", "billing-usage-replay")
        if info.num_pending == 0 and info.num_ack_pending == 0:
            break
        await asyncio.sleep(0.1)
    await replay.close()
    assert_exactly_once(await charges_of(client, user), calls | more, 100)


async def test_a_short_balance_is_charged_in_full_below_zero(own_nats_client: Client) -> None:
    client = own_nats_client
    deps = replica(client)
    for call in range(3):
        await publish_usage(client, "meter-poor", "run-poor", call, 45_000)
    worker = consumer(client, "billing-usage-poor", charging(deps))
    await worker.start()
    found = await wait_for_charges(client, "meter-poor", 3)
    await worker.close()
    assert [c.balance_after for c in found] == [55_000, 10_000, -35_000]
