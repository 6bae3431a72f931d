"""The JetStream log read back for the audit routes: an aggregate's events, a run's frames."""

from __future__ import annotations

from nats.aio.msg import Msg
from nats.js import JetStreamContext

from cheatcode_api.ports.audit import LogReader, LogRecord
from cheatcode_contracts import ContractRegistry
from cheatcode_contracts.envelope import TYPE_HEADER
from cheatcode_contracts.subjects import run_output_subject
from cheatcode_runtime.nats.log_reader import describe, events_query, read_log, run_output_query


class JetStreamLogReader(LogReader):
    def __init__(self, js: JetStreamContext, registry: ContractRegistry) -> None:
        self._js = js
        self._registry = registry

    async def events(self, subject: str) -> list[LogRecord]:
        return [self._record("EVENTS", msg) async for msg in read_log(self._js, events_query(subject))]

    async def frames(self, run_id: str, after: int = 0) -> list[LogRecord]:
        query = run_output_query(run_output_subject(run_id), from_sequence=after + 1)
        return [self._record("RUN_OUTPUT", msg) async for msg in read_log(self._js, query)]

    def _record(self, stream: str, msg: Msg) -> LogRecord:
        described = describe(msg, self._registry)
        headers = dict(msg.headers or {})
        body = described.get("data")
        return LogRecord(
            stream=stream,
            sequence=msg.metadata.sequence.stream,
            subject=msg.subject,
            time=msg.metadata.timestamp,
            type=headers.get(TYPE_HEADER),
            headers=headers,
            body=body if isinstance(body, dict) else {"value": body},
        )
