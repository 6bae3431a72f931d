"""Idempotency records in a NATS KV bucket (24 h max age) that every API replica shares.

Claiming is ``create`` (only one replica can create a key); a finished request overwrites
its record with the response. A pending record older than the lease belongs to a replica
that died mid-request and is taken over with compare-and-set.
"""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

from nats.js import JetStreamContext
from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from cheatcode_api.ports.idempotency import (
    Claim,
    ClaimOutcome,
    IdempotencyStore,
    IdempotencyUnavailableError,
    StoredResponse,
)
from cheatcode_runtime.nats.streams import open_key_value

BUCKET = "api_idempotency"
TTL_SECONDS = 24 * 3600.0
ATTEMPTS = 5


class KvIdempotencyStore(IdempotencyStore):
    def __init__(self, kv: KeyValue, *, lease: float = 60.0, timeout: float = 2.0) -> None:
        self._kv = kv
        self._lease = lease
        self._timeout = timeout

    @classmethod
    async def open(cls, js: JetStreamContext, *, bucket: str = BUCKET, lease: float = 60.0) -> KvIdempotencyStore:
        kv = await open_key_value(
            js, bucket, ttl=TTL_SECONDS, description="first responses to Idempotency-Key requests"
        )
        return cls(kv, lease=lease)

    async def claim(self, scope: str, fingerprint: str, *, now: float) -> Claim:
        claim: Claim = await self._guarded(self._claim(scope, fingerprint, now))
        return claim

    async def complete(self, scope: str, fingerprint: str, response: StoredResponse, *, now: float) -> None:
        record = {
            "fingerprint": fingerprint,
            "since": now,
            "status": response.status,
            "headers": [list(pair) for pair in response.headers],
            "body": base64.b64encode(response.body).decode(),
        }
        await self._guarded(self._kv.put(scope, json.dumps(record).encode()))

    async def release(self, scope: str) -> None:
        await self._guarded(self._kv.delete(scope))

    async def _claim(self, scope: str, fingerprint: str, now: float) -> Claim:
        pending = json.dumps({"fingerprint": fingerprint, "since": now}).encode()
        for _ in range(ATTEMPTS):
            try:
                await self._kv.create(scope, pending)
                return Claim(ClaimOutcome.NEW)
            except KeyWrongLastSequenceError:
                pass
            try:
                entry = await self._kv.get(scope)
            except KeyNotFoundError:
                continue  # released or expired meanwhile: try to create it again
            record: dict[str, Any] = json.loads(entry.value or b"{}")
            if record.get("fingerprint") != fingerprint:
                return Claim(ClaimOutcome.MISMATCH)
            if "status" in record:
                headers = tuple((str(k), str(v)) for k, v in record.get("headers", []))
                return Claim(
                    ClaimOutcome.REPLAY, StoredResponse(record["status"], headers, base64.b64decode(record["body"]))
                )
            if now - float(record.get("since", now)) <= self._lease:
                return Claim(ClaimOutcome.IN_PROGRESS)
            try:  # its holder died mid-request: take it over
                await self._kv.update(scope, pending, last=entry.revision)
                return Claim(ClaimOutcome.NEW)
            except KeyWrongLastSequenceError:
                continue
        return Claim(ClaimOutcome.IN_PROGRESS)

    async def _guarded(self, work: Any) -> Any:
        try:
            return await asyncio.wait_for(work, self._timeout)
        except (TimeoutError, OSError) as error:
            raise IdempotencyUnavailableError(str(error) or type(error).__name__) from error
