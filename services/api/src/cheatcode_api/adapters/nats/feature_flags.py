"""Feature flags from the ``feature_flags`` NATS KV bucket, kept in memory by a KV watch.

One watch per replica (an ordered push consumer), so a ``cheatcode flags set`` reaches every
replica within milliseconds and a request reads a dict, never NATS. The bucket belongs to the
integrations user; until it exists (no flag ever set) the watcher looks again every second.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from nats.js import JetStreamContext
from nats.js.errors import BucketNotFoundError, NotFoundError
from nats.js.kv import KV_DEL, KV_PURGE
from pydantic import ValidationError

from cheatcode_api.ports.feature_flags import FeatureFlags
from cheatcode_contracts.flags import FLAGS_BUCKET, FlagValue

log = logging.getLogger(__name__)
RETRY_SECONDS = 1.0


class KvFeatureFlags(FeatureFlags):
    def __init__(self, js: JetStreamContext, bucket: str = FLAGS_BUCKET) -> None:
        self._js = js
        self._bucket = bucket
        self._flags: dict[str, FlagValue] = {}
        self._task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()  # the bucket's current values have been read once

    @classmethod
    async def open(cls, js: JetStreamContext, bucket: str = FLAGS_BUCKET, *, wait: float = 2.0) -> KvFeatureFlags:
        flags = cls(js, bucket)
        flags._task = asyncio.create_task(flags._watch_forever(), name="feature-flags-watch")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(flags.ready.wait(), wait)
        return flags

    def all(self) -> dict[str, FlagValue]:
        return dict(self._flags)

    def get(self, name: str) -> FlagValue | None:
        return self._flags.get(name)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _watch_forever(self) -> None:
        while True:
            try:
                await self._watch_once()
            except asyncio.CancelledError:
                raise
            except (BucketNotFoundError, NotFoundError):
                self.ready.set()  # no bucket: no flags
            except Exception as error:
                log.warning("feature flags watch stopped (%s); watching again", error)
            await asyncio.sleep(RETRY_SECONDS)

    async def _watch_once(self) -> None:
        kv = await self._js.key_value(self._bucket)
        watcher = await kv.watchall()
        seen: dict[str, FlagValue] = {}
        initial = True
        try:
            async for entry in watcher:
                if entry is None:  # the end of the current values
                    self._flags, initial = seen, False
                    self.ready.set()
                    continue
                target = seen if initial else self._flags
                if entry.operation in (KV_DEL, KV_PURGE) or not entry.value:
                    target.pop(entry.key, None)
                    continue
                try:
                    target[entry.key] = FlagValue.model_validate_json(entry.value)
                except ValidationError:
                    log.warning("feature flag %s has an unreadable value; ignored", entry.key)
        finally:
            with contextlib.suppress(Exception):
                await watcher.stop()  # type: ignore[no-untyped-call]
