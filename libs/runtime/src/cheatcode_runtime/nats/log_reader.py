"""Reading the log back: every stored event (or a run's output frames), raw or as JSON records.

Operators use it to see exactly what happened: ``cheatcode events --aggregate project:<id>``
prints that project's history in order, ``cheatcode events --run <id>`` the frames its
SSE clients were sent; the API's admin audit routes read runs' frames and timelines with it.
Decoding goes through the contract registry, so old versions
are printed upcast to the current schema, the way the services see them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.js import JetStreamContext, api
from nats.js.errors import NotFoundError

from cheatcode_contracts import ContractRegistry, UnknownContractError
from cheatcode_contracts.envelope import TYPE_HEADER, VERSION_HEADER, MalformedMessageError, decode
from cheatcode_contracts.streams import EVENTS, RUN_OUTPUT


@dataclass(frozen=True)
class LogQuery:
    stream: str
    subject: str
    from_sequence: int = 1
    limit: int | None = None


def events_query(subject: str, from_sequence: int = 1, limit: int | None = None) -> LogQuery:
    return LogQuery(EVENTS.name, subject, from_sequence, limit)


def run_output_query(subject: str, from_sequence: int = 1, limit: int | None = None) -> LogQuery:
    return LogQuery(RUN_OUTPUT.name, subject, from_sequence, limit)


class IncompleteLogError(RuntimeError):
    """The server stopped delivering while matching messages were still pending."""


async def read_log(
    js: JetStreamContext, query: LogQuery, *, idle_timeout: float = 2.0, stall_timeout: float = 10.0
) -> AsyncIterator[Msg]:
    """Messages matching ``query`` in stream order, up to what is stored now.

    Quiet for ``idle_timeout``: the consumer is asked what is left. Nothing: the end.
    Something, and still nothing arrives within ``stall_timeout``: ``IncompleteLogError``
    (e.g. flow-control replies refused), never a silent, short listing.
    """
    last = await _last_sequence(js, query)
    if last < query.from_sequence:
        return
    queue: asyncio.Queue[Msg] = asyncio.Queue()
    sub = await js.subscribe(
        query.subject,
        stream=query.stream,
        ordered_consumer=True,
        deliver_policy=api.DeliverPolicy.BY_START_SEQUENCE,
        config=api.ConsumerConfig(opt_start_seq=query.from_sequence),
        cb=queue.put,
    )
    loop = asyncio.get_running_loop()
    try:
        count, quiet_since = 0, loop.time()
        while query.limit is None or count < query.limit:
            try:
                msg = await asyncio.wait_for(queue.get(), idle_timeout)
            except TimeoutError:
                pending = (await sub.consumer_info()).num_pending
                if not pending:
                    return  # nothing (more) matches the filter
                if loop.time() - quiet_since > stall_timeout:
                    raise IncompleteLogError(
                        f"{query.stream} {query.subject}: delivery stopped after {count} messages "
                        f"with {pending} still pending"
                    ) from None
                continue
            yield msg
            count, quiet_since = count + 1, loop.time()
            if msg.metadata.sequence.stream >= last or msg.metadata.num_pending == 0:
                return
    finally:
        await _close(js, sub, query.stream)


async def _close(js: JetStreamContext, sub: JetStreamContext.PushSubscription, stream: str) -> None:
    """Unsubscribe and delete the consumer now rather than leave it to its inactivity timeout."""
    consumer = sub._consumer  # the current one: an ordered consumer recreates itself after a gap
    await sub.unsubscribe()
    if consumer:
        with contextlib.suppress(NatsError):
            await js.delete_consumer(stream, consumer)


async def _last_sequence(js: JetStreamContext, query: LogQuery) -> int:
    try:
        info = await js.stream_info(query.stream, subjects_filter=query.subject)
    except NotFoundError:
        return 0
    return int(info.state.last_seq or 0)


def describe(msg: Msg, registry: ContractRegistry) -> dict[str, Any]:
    """One message as a JSON-ready record: position, subject, type, time and body."""
    headers = msg.headers or {}
    record: dict[str, Any] = {
        "seq": msg.metadata.sequence.stream,
        "subject": msg.subject,
        "time": msg.metadata.timestamp.isoformat() if msg.metadata.timestamp else None,
    }
    if TYPE_HEADER in headers:
        record["type"] = headers[TYPE_HEADER]
        record["version"] = int(headers.get(VERSION_HEADER, "1"))
        try:
            record["data"] = decode(registry, headers, msg.data).model_dump(mode="json")
        except (UnknownContractError, MalformedMessageError, ValueError) as error:
            record["undecodable"] = str(error)
            record["raw"] = msg.data.decode(errors="replace")
    else:
        record["data"] = json.loads(msg.data) if msg.data else None
    return record
