"""Wrapped data keys in a NATS KV bucket (history 1), outside the EVENTS log.

``delete`` purges the key: the purge marker is a subject roll-up, so the server drops every
earlier revision of the entry, and the bucket keeps no copy of the wrapped data key.
A bucket belongs to one service (its NATS user may create and write it, see
``cheatcode_infra.nats_auth``): billing's and integrations' data keys never share a bucket.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from typing import TypeVar

import nats.errors
from nats.js import JetStreamContext
from nats.js.errors import (
    KeyNotFoundError,
    KeyWrongLastSequenceError,
    NoKeysError,
)
from nats.js.kv import KeyValue

from cheatcode_runtime.nats.streams import open_key_value
from cheatcode_runtime.secrets.port import (
    KeyExistsError,
    KeyStore,
    KeyStoreUnavailableError,
    SecretDestroyedError,
    StaleRevisionError,
    WrappedKey,
    check_secret_id,
)

T = TypeVar("T")

_UNAVAILABLE: tuple[type[BaseException], ...] = (
    nats.errors.TimeoutError,
    nats.errors.NoRespondersError,
    nats.errors.ConnectionClosedError,
    nats.errors.OutboundBufferLimitError,
)


def data_keys_bucket(service: str) -> str:
    """The bucket of one service's secret data keys, e.g. ``billing_secret_keys``."""
    return f"{service}_secret_keys"


class NatsKvKeyStore(KeyStore):
    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv

    @classmethod
    async def open(cls, js: JetStreamContext, bucket: str) -> NatsKvKeyStore:
        """Open the bucket, creating it on first use (history 1: no older versions kept)."""
        return cls(await open_key_value(js, bucket, description="wrapped per-secret data keys (crypto-shredding)"))

    async def create(self, secret_id: str, wrapped: bytes) -> WrappedKey:
        check_secret_id(secret_id)
        try:
            revision = await _guard(self._kv.create(secret_id, wrapped))
        except KeyWrongLastSequenceError:
            raise KeyExistsError(secret_id) from None
        return WrappedKey(wrapped=wrapped, revision=revision)

    async def get(self, secret_id: str) -> WrappedKey:
        check_secret_id(secret_id)
        try:
            entry = await _guard(self._kv.get(secret_id))
        except KeyNotFoundError:  # also a deleted or purged key
            raise SecretDestroyedError(secret_id) from None
        if not entry.value:
            raise SecretDestroyedError(secret_id)
        return WrappedKey(wrapped=entry.value, revision=entry.revision or 0)

    async def replace(self, secret_id: str, wrapped: bytes, *, revision: int) -> WrappedKey:
        check_secret_id(secret_id)
        try:
            new_revision = await _guard(self._kv.update(secret_id, wrapped, last=revision))
        except KeyWrongLastSequenceError:
            raise StaleRevisionError(secret_id) from None
        return WrappedKey(wrapped=wrapped, revision=new_revision)

    async def delete(self, secret_id: str) -> None:
        check_secret_id(secret_id)
        await _guard(self._kv.purge(secret_id))

    async def secret_ids(self) -> AsyncIterator[str]:
        try:
            keys = await _guard(self._kv.keys())
        except NoKeysError:
            return
        for key in keys:
            yield key


async def _guard(call: Awaitable[T]) -> T:
    try:
        return await call
    except _UNAVAILABLE as error:
        raise KeyStoreUnavailableError(f"key store unreachable: {error!r}") from error
