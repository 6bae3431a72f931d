"""Leases in a NATS KV bucket: create-if-absent takes one, the bucket's TTL lets a dead holder's lapse.

The bucket (``deployment_leases``, owned by the integrations user) has ``ttl`` as its max age, so a
key not rewritten by ``renew`` within ``ttl`` disappears; ``create`` then succeeds for another holder.
"""

from __future__ import annotations

import logging

from nats.js import JetStreamContext
from nats.js.errors import BucketNotFoundError, KeyNotFoundError, KeyWrongLastSequenceError, NotFoundError
from nats.js.kv import KeyValue

from cheatcode_integrations.ports.locks import Leases

logger = logging.getLogger("cheatcode.leases")


class KeyValueLeases(Leases):
    def __init__(self, js: JetStreamContext, bucket: str, ttl: float) -> None:
        self._js = js
        self._bucket = bucket
        self._ttl = ttl
        self._kv: KeyValue | None = None
        self._revisions: dict[str, int] = {}

    async def _store(self) -> KeyValue:
        if self._kv is None:
            try:
                self._kv = await self._js.key_value(self._bucket)
            except BucketNotFoundError:
                self._kv = await self._js.create_key_value(bucket=self._bucket, ttl=self._ttl, history=1)
        return self._kv

    async def acquire(self, name: str, holder: str) -> bool:
        kv = await self._store()
        try:
            self._revisions[name] = await kv.create(name, holder.encode())
            return True
        except KeyWrongLastSequenceError:
            pass
        try:
            entry = await kv.get(name)
        except (KeyNotFoundError, NotFoundError):
            return False  # it lapsed just now; the next try takes it
        if entry.value == holder.encode():
            return await self.renew(name, holder)
        return False

    async def renew(self, name: str, holder: str) -> bool:
        kv = await self._store()
        try:
            entry = await kv.get(name)
        except (KeyNotFoundError, NotFoundError):
            return await self.acquire(name, holder) if name not in self._revisions else False
        if entry.value != holder.encode() or entry.revision is None:
            return False
        try:
            self._revisions[name] = await kv.update(name, holder.encode(), last=entry.revision)
            return True
        except KeyWrongLastSequenceError:
            return False

    async def release(self, name: str, holder: str) -> None:
        kv = await self._store()
        self._revisions.pop(name, None)
        try:
            entry = await kv.get(name)
            if entry.value == holder.encode() and entry.revision is not None:
                await kv.delete(name, last=entry.revision)
        except (KeyNotFoundError, NotFoundError, KeyWrongLastSequenceError):
            pass
        except Exception as error:
            logger.warning("releasing lease %s: %s", name, error)
