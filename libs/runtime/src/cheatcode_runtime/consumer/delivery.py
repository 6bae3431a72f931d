"""What a durable-consumer handler sees: one delivered event and what it may answer.

This module imports no NATS client: handlers and their unit tests depend on it alone, and
the JetStream driver (``cheatcode_runtime.consumer.jetstream``) or the in-memory one
(``cheatcode_runtime.consumer.memory``) provide the deliveries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from cheatcode_contracts import Event
from cheatcode_runtime.observability.context import bound, from_headers
from cheatcode_runtime.observability.tracing import continued

logger = logging.getLogger("cheatcode.consumer")

DeliverFrom = Literal["all", "new", "last_per_subject"]
Settled = Literal["ack", "nak", "term", "left"]


@dataclass(frozen=True)
class ConsumerSpec:
    """A durable JetStream consumer, as plain data (names come from the service's settings).

    ``ack_wait``: a delivery not acked (nor kept alive with ``in_progress``) within this many
    seconds is delivered again, possibly to another replica. ``max_deliver`` bounds the
    deliveries of one message (-1 = no bound); ``backoff`` gives the redelivery delays after
    each failed delivery (JetStream requires ``max_deliver`` > ``len(backoff)``, and with a
    backoff it waits ``backoff[0]``, not ``ack_wait``, for the first ack).
    ``retry_delay`` is how long a message waits after its handler raised (a ``nak`` delay).
    """

    stream: str
    durable: str
    filter_subjects: tuple[str, ...] = ()
    ack_wait: float = 30.0
    max_deliver: int = -1
    backoff: tuple[float, ...] = ()
    max_ack_pending: int = 1_000
    deliver_from: DeliverFrom = "all"
    retry_delay: float = 1.0
    description: str | None = None

    def __post_init__(self) -> None:
        if self.backoff and 0 < self.max_deliver <= len(self.backoff):
            raise ValueError("max_deliver must exceed the number of backoff steps")
        if self.ack_wait <= 0:
            raise ValueError("ack_wait must be positive")

    @property
    def heartbeat_interval(self) -> float:
        """How often ``keep_alive`` says "still working": three times per ``ack_wait``."""
        return max(self.ack_wait / 3, 0.05)


class Delivery(ABC):
    """One delivered message. Settle it once with ``ack``, ``nak`` or ``term``.

    A handler that returns without settling gets an ``ack``; one that raises gets a
    ``nak(retry_delay)`` (see :func:`run_handler`); ``leave`` answers nothing at all.
    ``in_progress`` resets the message's ``ack_wait`` clock; ``keep_alive`` does it
    periodically around long work.
    """

    def __init__(
        self,
        event: Event,
        *,
        subject: str,
        stream_seq: int,
        num_delivered: int,
        spec: ConsumerSpec,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.event = event
        self.headers: Mapping[str, str] = headers or {}  # the envelope: actor, correlation id, traceparent
        self.subject = subject
        self.stream_seq = stream_seq  # the event's position in the stream (its store position)
        self.num_delivered = num_delivered  # 1 on the first delivery
        self.spec = spec
        self.settled: Settled | None = None

    @property
    def redelivered(self) -> bool:
        return self.num_delivered > 1

    async def ack(self) -> None:
        """Done: never deliver it again. Waits for the server's confirmation."""
        if self._settle("ack"):
            await self._ack()

    async def nak(self, delay: float | None = None) -> None:
        """Not now: deliver it again after ``delay`` seconds (None: at once)."""
        if self._settle("nak"):
            await self._nak(delay)

    async def term(self) -> None:
        """Never deliver it again, and it was not handled (a poison message)."""
        if self._settle("term"):
            await self._term()

    def leave(self) -> None:
        """Answer nothing: the message comes back after ``ack_wait`` unless another delivery
        of it is settled first (for a redelivery of a message this replica still works on)."""
        self._settle("left")

    async def in_progress(self) -> None:
        """Still working on it: restart the ``ack_wait`` clock."""
        if self.settled is None:
            await self._in_progress()

    @contextlib.asynccontextmanager
    async def keep_alive(self, interval: float | None = None) -> AsyncIterator[None]:
        """Send ``in_progress`` every ``interval`` seconds (default: a third of ``ack_wait``)
        while the block runs, so a long task keeps its message; a failed heartbeat is logged
        and tried again at the next beat (say while NATS reconnects)."""
        beat = asyncio.create_task(self._beat(interval or self.spec.heartbeat_interval), name="consumer-heartbeat")
        try:
            yield
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat

    async def _beat(self, interval: float) -> None:
        while self.settled is None:
            await asyncio.sleep(interval)
            try:
                await self.in_progress()
            except Exception as error:
                logger.warning("%s #%d: heartbeat failed: %s", self.spec.durable, self.stream_seq, error)

    def _settle(self, how: Settled) -> bool:
        if self.settled is not None:
            return False
        self.settled = how
        return True

    @abstractmethod
    async def _ack(self) -> None: ...

    @abstractmethod
    async def _nak(self, delay: float | None) -> None: ...

    @abstractmethod
    async def _term(self) -> None: ...

    @abstractmethod
    async def _in_progress(self) -> None: ...


Handler = Callable[[Delivery], Awaitable[None]]


async def run_handler(handler: Handler, delivery: Delivery, *, heartbeat: bool = False) -> None:
    """The one settling rule of every driver: returned unsettled → ack; raised → nak.

    ``heartbeat`` wraps the whole call in ``keep_alive`` (for handlers that take long).
    Never raises, except ``CancelledError`` (the message is then left to ``ack_wait``).
    """
    try:
        # The work continues the request that caused the event: same correlation id and trace;
        # what it appends is this service's doing.
        with (
            from_headers(delivery.headers),
            bound(acting=f"service:{delivery.spec.durable}"),
            continued(f"{delivery.spec.durable} {delivery.event.type_name}", delivery.headers),
        ):
            if heartbeat:
                async with delivery.keep_alive():
                    await handler(delivery)
            else:
                await handler(delivery)
    except asyncio.CancelledError:
        raise
    except Exception:
        logger.exception(
            "%s: handling %s #%d failed; delivering it again in %g s",
            delivery.spec.durable,
            delivery.event.type_name,
            delivery.stream_seq,
            delivery.spec.retry_delay,
        )
        await _settle_quietly(delivery.nak(delivery.spec.retry_delay), delivery)
        return
    if delivery.settled is None:
        await _settle_quietly(delivery.ack(), delivery)


async def _settle_quietly(settle: Awaitable[None], delivery: Delivery) -> None:
    try:
        await settle
    except Exception as error:
        logger.warning("%s #%d: could not %s: %s", delivery.spec.durable, delivery.stream_seq, delivery.settled, error)
