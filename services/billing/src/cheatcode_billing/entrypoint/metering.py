"""Metering's durable consumer: every ``UsageRecorded`` on ``cc.evt.llm_usage.*``, charged once.

One durable consumer shared by every billing replica (JetStream hands each message to one of
them); a message is acked only after its charge was appended, so a crash means a redelivery,
which the account refuses if it was charged already. The price table refreshes beside it.
"""

from __future__ import annotations

import asyncio
import contextlib

from cheatcode_billing.adapters.openrouter_prices import OpenRouterPrices
from cheatcode_billing.entrypoint.app import Deps
from cheatcode_billing.handlers.metering import on_usage_event
from cheatcode_contracts import build_registry
from cheatcode_contracts.runs import USAGE_EVENTS_FILTER
from cheatcode_runtime.consumer import ConsumerSpec, Delivery, DurableConsumer
from cheatcode_runtime.service import ServiceHost


def metering_spec(deps: Deps) -> ConsumerSpec:
    settings = deps.settings
    return ConsumerSpec(
        stream=settings.events_stream,
        durable=settings.metering_durable,
        filter_subjects=(USAGE_EVENTS_FILTER,),
        ack_wait=settings.metering_ack_wait,
        max_ack_pending=10_000,
        retry_delay=1.0,
        description="billing: meters every LLM call (UsageRecorded) exactly once",
    )


def register_metering(host: ServiceHost, deps: Deps) -> None:
    consumer: list[DurableConsumer] = []
    tasks: list[asyncio.Task[None]] = []

    async def charge(delivery: Delivery) -> None:
        await on_usage_event(delivery.event, deps.billing)

    async def start() -> None:
        prices = deps.billing.prices
        if deps.settings.prices_refresh and isinstance(prices, OpenRouterPrices):
            tasks.append(asyncio.create_task(prices.refresh_forever(), name="billing-prices"))
        durable = DurableConsumer(
            deps.nats.get(),
            metering_spec(deps),
            charge,
            build_registry(),
            concurrency=deps.settings.metering_concurrency,
        )
        await durable.start()
        consumer.append(durable)

    async def stop() -> None:
        for durable in consumer:
            await durable.close()
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    host.app.after_startup(start)
    host.app.on_shutdown(stop)
