"""Unfinished runs from JetStream: the newest message of every ``cc.evt.run.*`` subject.

One ephemeral consumer with ``deliver_policy=last_per_subject`` (the server picks the last
message of each run subject; nothing else is sent), read by type header only, no decoding.
"""

from __future__ import annotations

from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext, api

from cheatcode_agent.ports.unfinished_runs import UnfinishedRuns
from cheatcode_contracts.envelope import TYPE_HEADER
from cheatcode_contracts.runs import RUN_EVENTS_FILTER, TERMINAL_EVENTS

TERMINAL_TYPES = frozenset(event.type_name for event in TERMINAL_EVENTS)
BATCH = 500


class JetStreamUnfinishedRuns(UnfinishedRuns):
    def __init__(self, js: JetStreamContext, *, stream: str, timeout: float = 5.0) -> None:
        self._js = js
        self._stream = stream
        self._timeout = timeout

    async def run_ids(self) -> list[str]:
        config = api.ConsumerConfig(
            deliver_policy=api.DeliverPolicy.LAST_PER_SUBJECT,
            ack_policy=api.AckPolicy.NONE,
            filter_subject=RUN_EVENTS_FILTER,
            inactive_threshold=60.0,
        )
        sub = await self._js.pull_subscribe(RUN_EVENTS_FILTER, stream=self._stream, config=config)
        prefix = RUN_EVENTS_FILTER.removesuffix("*")  # "cc.evt.run."
        unfinished: list[str] = []
        try:
            pending = (await sub.consumer_info()).num_pending or 0
            while pending > 0:
                try:
                    batch = await sub.fetch(min(BATCH, pending), timeout=self._timeout)
                except NatsTimeoutError:
                    break
                for msg in batch:
                    if (msg.headers or {}).get(TYPE_HEADER) not in TERMINAL_TYPES:
                        unfinished.append(msg.subject.removeprefix(prefix))
                pending = batch[-1].metadata.num_pending if batch else 0
        finally:
            await sub.unsubscribe()
        return unfinished
