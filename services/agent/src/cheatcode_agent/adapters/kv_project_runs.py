"""The project → newest run index in a NATS KV bucket, updated by compare-and-set."""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.errors import BucketNotFoundError, KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from cheatcode_agent.ports.project_runs import ProjectRuns

BUCKET = "agent_project_runs"


class KvProjectRuns(ProjectRuns):
    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv

    @classmethod
    async def open(cls, js: JetStreamContext, bucket: str = BUCKET) -> KvProjectRuns:
        try:
            kv = await js.key_value(bucket)
        except BucketNotFoundError:
            kv = await js.create_key_value(bucket=bucket, history=1, description="newest agent run of each project")
        return cls(kv)

    async def replace(self, project_id: str, run_id: str) -> str | None:
        while True:
            try:
                entry = await self._kv.get(project_id)
            except KeyNotFoundError:
                try:
                    await self._kv.create(project_id, run_id.encode())
                except KeyWrongLastSequenceError:
                    continue  # someone created it first: read theirs
                return None
            previous = (entry.value or b"").decode()
            if previous == run_id:
                return None  # a retried start: nothing to replace
            try:
                await self._kv.update(project_id, run_id.encode(), last=entry.revision)
            except KeyWrongLastSequenceError:
                continue
            return previous or None
