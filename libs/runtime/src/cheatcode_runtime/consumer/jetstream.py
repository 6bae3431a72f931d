"""The JetStream driver of :mod:`cheatcode_runtime.consumer`: one durable pull consumer.

Creates (or updates) the consumer from its :class:`ConsumerSpec`, fetches as many messages
as there are free handler slots, and runs each through the handler in its own task. Fetch
errors (NATS restarting, a leader change, the consumer gone with a lost store) are logged and
retried with a growing pause; after repeated failures the consumer is created again and the
pull subscription bound afresh. A confirmed ``ack`` is retried through a reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import ConnectionClosedError, Error as NatsError, TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext, api

from cheatcode_contracts import ContractRegistry, UnknownContractError
from cheatcode_contracts.envelope import MalformedMessageError, decode_event
from cheatcode_runtime.consumer.delivery import ConsumerSpec, Delivery, Handler, run_handler
from cheatcode_runtime.observability.metrics import CONSUMER_LAG
from cheatcode_runtime.tasks import cancel_until_done

logger = logging.getLogger("cheatcode.consumer")

DELIVER_POLICIES = {
    "all": api.DeliverPolicy.ALL,
    "new": api.DeliverPolicy.NEW,
    "last_per_subject": api.DeliverPolicy.LAST_PER_SUBJECT,
}
FETCH_ERROR_PAUSES = (0.1, 0.25, 0.5, 1.0, 2.0)
REBIND_AFTER_FAILURES = 3


def consumer_config(spec: ConsumerSpec) -> api.ConsumerConfig:
    filters: dict[str, Any] = {}
    if len(spec.filter_subjects) == 1:
        filters["filter_subject"] = spec.filter_subjects[0]
    elif spec.filter_subjects:
        filters["filter_subjects"] = list(spec.filter_subjects)
    return api.ConsumerConfig(
        durable_name=spec.durable,
        description=spec.description,
        ack_policy=api.AckPolicy.EXPLICIT,
        ack_wait=spec.ack_wait,
        max_deliver=spec.max_deliver,
        backoff=list(spec.backoff) or None,
        max_ack_pending=spec.max_ack_pending,
        deliver_policy=DELIVER_POLICIES[spec.deliver_from],
        **filters,
    )


class JetStreamDelivery(Delivery):
    def __init__(self, client: Client, msg: Msg, event: Any, spec: ConsumerSpec, *, settle_timeout: float) -> None:
        meta = msg.metadata
        super().__init__(
            event,
            subject=msg.subject,
            stream_seq=meta.sequence.stream,
            num_delivered=meta.num_delivered,
            spec=spec,
            headers=msg.headers,
        )
        self._client = client
        self._reply = msg.reply
        self._settle_timeout = settle_timeout

    async def _ack(self) -> None:
        # A request, so the ack is known to have landed; retried while NATS reconnects. An ack
        # repeated after a lost reply is harmless (the message is no longer pending).
        ends = time.monotonic() + self._settle_timeout
        while True:
            left = ends - time.monotonic()
            try:
                await self._client.request(self._reply, Msg.Ack.Ack, timeout=min(max(left, 0.05), 2.0))
                return
            except ConnectionClosedError:
                raise
            except NatsError:
                if time.monotonic() >= ends:
                    raise
                await asyncio.sleep(0.2)

    async def _nak(self, delay: float | None) -> None:
        payload = Msg.Ack.Nak
        if delay:
            payload += b' {"delay": %d}' % int(delay * 1e9)
        await self._client.publish(self._reply, payload)  # buffered by the client while reconnecting

    async def _term(self) -> None:
        await self._client.publish(self._reply, Msg.Ack.Term)

    async def _in_progress(self) -> None:
        await self._client.publish(self._reply, Msg.Ack.Progress)


class DurableConsumer:
    """Runs ``handler`` for every message of a durable consumer, ``concurrency`` at a time.

    Usage (a service's bootstrap, once connected)::

        from cheatcode_runtime.consumer import ConsumerSpec, Delivery, DurableConsumer

        async def record_usage(delivery: Delivery) -> None:
            event = delivery.event            # decoded with the registry
            if not isinstance(event, UsageRecorded):
                return                        # returning unsettled = ack
            await ledger.add(event, position=delivery.stream_seq)  # idempotent on the position
            # raising = nak(spec.retry_delay): delivered again later

        spec = ConsumerSpec(
            stream=settings.events_stream,    # from the settings, never a literal "EVENTS"
            durable="billing-usage",
            filter_subjects=(USAGE_EVENTS_FILTER,),
            ack_wait=30.0,
        )
        consumer = DurableConsumer(client, spec, record_usage, registry, concurrency=4)
        await consumer.start()
        ...
        await consumer.close()                # stops fetching, waits for running handlers

    For long work pass ``heartbeat=True`` (every handler call is wrapped in
    ``delivery.keep_alive()``) or use ``async with delivery.keep_alive():`` around the slow part.
    Messages that cannot be decoded are ``term``-ed and logged. Handlers must be idempotent:
    a message is delivered again after a crash, an expired ``ack_wait``, or a lost ack.
    """

    def __init__(
        self,
        client: Client,
        spec: ConsumerSpec,
        handler: Handler,
        registry: ContractRegistry,
        *,
        concurrency: int = 1,
        heartbeat: bool = False,
        fetch_timeout: float = 2.0,
        settle_timeout: float = 30.0,
        close_timeout: float = 10.0,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self._client = client
        self.spec = spec
        self._handler = handler
        self._registry = registry
        self._concurrency = concurrency
        self._heartbeat = heartbeat
        self._fetch_timeout = fetch_timeout
        self._settle_timeout = settle_timeout
        self._close_timeout = close_timeout
        self._slots = asyncio.Semaphore(concurrency)
        self._running: set[asyncio.Task[None]] = set()
        self._fetcher: asyncio.Task[None] | None = None
        self._lag_watch: asyncio.Task[None] | None = None
        self._sub: JetStreamContext.PullSubscription | None = None
        self._closing = False

    @property
    def busy(self) -> int:
        """Handlers running now."""
        return len(self._running)

    async def start(self) -> None:
        """Create or update the consumer and start fetching (raises if NATS refuses the spec)."""
        self._sub = await self._bind()
        self._fetcher = asyncio.create_task(self._fetch_forever(), name=f"consumer-{self.spec.durable}")
        self._lag_watch = asyncio.create_task(self._watch_lag(), name=f"consumer-lag-{self.spec.durable}")

    async def _watch_lag(self, interval: float = 5.0) -> None:
        """``cheatcode_consumer_lag_messages{consumer}``: not yet delivered plus delivered but unacked
        (what a KEDA scaler on consumer lag sees)."""
        while not self._closing:
            try:
                if self._sub is not None:
                    info = await self._sub.consumer_info()
                    CONSUMER_LAG.labels(self.spec.durable).set((info.num_pending or 0) + (info.num_ack_pending or 0))
            except asyncio.CancelledError:
                raise
            except Exception as error:  # a metric must never stop the consumer
                logger.debug("%s: lag not measured: %r", self.spec.durable, error)
            await asyncio.sleep(interval)

    async def close(self, *, cancel_running: bool = False) -> None:
        """Stop fetching; wait up to ``close_timeout`` for running handlers (or cancel them).

        A handler still running after that is cancelled: its message is redelivered after
        ``ack_wait``.
        """
        self._closing = True
        if self._lag_watch is not None:
            await cancel_until_done(self._lag_watch)
        if self._fetcher is not None:
            await cancel_until_done(self._fetcher)
        if self._sub is not None:
            # A pull subscription has no callback: a message left in its queue (the server's
            # answer to the cancelled fetch, say) would otherwise block the connection's drain.
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()
        running = list(self._running)
        if running and not cancel_running:
            await asyncio.wait(running, timeout=self._close_timeout)
        await asyncio.gather(*(cancel_until_done(task) for task in running))

    async def _bind(self) -> JetStreamContext.PullSubscription:
        js = self._client.jetstream()
        await js.add_consumer(self.spec.stream, consumer_config(self.spec))  # creates, or applies changes
        return await js.pull_subscribe_bind(durable=self.spec.durable, stream=self.spec.stream)

    async def _fetch_forever(self) -> None:
        failures = 0
        while not self._closing:
            await self._slots.acquire()
            wanted = 1
            while wanted < self._concurrency and not self._slots.locked():
                await self._slots.acquire()  # free: returns at once
                wanted += 1
            try:
                msgs = await self._fetch(wanted)
            except asyncio.CancelledError:
                self._release(wanted)
                raise
            except Exception as error:
                self._release(wanted)
                failures += 1
                await self._recover(failures, error)
                continue
            failures = 0
            self._release(wanted - len(msgs))
            for msg in msgs:
                task = asyncio.create_task(self._handle(msg), name=f"{self.spec.durable}-{msg.reply}")
                self._running.add(task)
                task.add_done_callback(self._finished)

    async def _fetch(self, batch: int) -> list[Msg]:
        assert self._sub is not None
        try:
            return await self._sub.fetch(batch, timeout=self._fetch_timeout)
        except (TimeoutError, NatsTimeoutError):
            return []  # nothing to do right now

    async def _recover(self, failures: int, error: Exception) -> None:
        pause = FETCH_ERROR_PAUSES[min(failures, len(FETCH_ERROR_PAUSES)) - 1]
        logger.warning(
            "%s: fetch failed (%s: %s); retrying in %g s", self.spec.durable, type(error).__name__, error, pause
        )
        await asyncio.sleep(pause)
        if failures % REBIND_AFTER_FAILURES == 0 and not self._closing:
            try:
                old, self._sub = self._sub, await self._bind()
            except Exception as bind_error:
                logger.warning("%s: could not recreate the consumer: %s", self.spec.durable, bind_error)
                return
            if old is not None:
                with contextlib.suppress(Exception):
                    await old.unsubscribe()

    async def _handle(self, msg: Msg) -> None:
        try:
            event = decode_event(self._registry, msg.headers, msg.data)
        except (MalformedMessageError, UnknownContractError, ValueError) as error:
            logger.error("%s: terminating an undecodable message on %s: %s", self.spec.durable, msg.subject, error)
            with contextlib.suppress(Exception):
                await self._client.publish(msg.reply, Msg.Ack.Term)
            return
        delivery = JetStreamDelivery(self._client, msg, event, self.spec, settle_timeout=self._settle_timeout)
        await run_handler(self._handler, delivery, heartbeat=self._heartbeat)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._slots.release()
        if not task.cancelled() and task.exception() is not None:  # run_handler never raises: a bug
            logger.error("%s: handler task crashed", self.spec.durable, exc_info=task.exception())

    def _release(self, count: int) -> None:
        for _ in range(count):
            self._slots.release()
