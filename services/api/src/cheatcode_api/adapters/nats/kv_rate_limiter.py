"""Sliding-window request counts in a NATS KV bucket, shared by every API replica.

One key per (rule, client) holds the times of the requests in the last window. A hit reads
the key, and writes the list back with compare-and-set on the revision it read: two
replicas counting at once cannot both take the last place, one of them reads again.
Idle keys vanish with the bucket's max age.
"""

from __future__ import annotations

import asyncio
import json

from nats.js import JetStreamContext
from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from cheatcode_api.ports.rate_limits import Decision, RateLimiter, RateLimiterUnavailableError
from cheatcode_runtime.nats.streams import open_key_value

BUCKET = "api_rate_limits"
ATTEMPTS = 20


class KvRateLimiter(RateLimiter):
    def __init__(self, kv: KeyValue, *, timeout: float = 1.0) -> None:
        self._kv = kv
        self._timeout = timeout

    @classmethod
    async def open(cls, js: JetStreamContext, *, bucket: str = BUCKET, max_age: float = 300.0) -> KvRateLimiter:
        kv = await open_key_value(js, bucket, ttl=max_age, description="API rate-limit windows, shared by replicas")
        return cls(kv)

    async def hit(self, key: str, *, limit: int, window: float, now: float) -> Decision:
        try:
            return await asyncio.wait_for(self._hit(key, limit, window, now), self._timeout)
        except (TimeoutError, OSError) as error:
            raise RateLimiterUnavailableError(str(error) or type(error).__name__) from error

    async def _hit(self, key: str, limit: int, window: float, now: float) -> Decision:
        for _ in range(ATTEMPTS):
            stamps, revision = await self._read(key)
            recent = [stamp for stamp in stamps if stamp > now - window]
            if len(recent) >= limit:
                return Decision(False, retry_after=recent[0] + window - now)
            value = json.dumps([*recent, now]).encode()
            try:
                if revision is None:
                    await self._kv.create(key, value)
                else:
                    await self._kv.update(key, value, last=revision)
            except KeyWrongLastSequenceError:
                continue  # another replica counted meanwhile: read its list
            return Decision(True)
        raise RateLimiterUnavailableError(f"{key}: too much contention")

    async def _read(self, key: str) -> tuple[list[float], int | None]:
        try:
            entry = await self._kv.get(key)
        except KeyNotFoundError:
            return [], None
        if not entry.value:
            return [], entry.revision
        return [float(stamp) for stamp in json.loads(entry.value)], entry.revision
