"""An in-memory key store for unit tests and single-process tools."""

from __future__ import annotations

from collections.abc import AsyncIterator

from cheatcode_runtime.secrets.port import (
    KeyExistsError,
    KeyStore,
    SecretDestroyedError,
    StaleRevisionError,
    WrappedKey,
    check_secret_id,
)


class InMemoryKeyStore(KeyStore):
    def __init__(self) -> None:
        self._entries: dict[str, WrappedKey] = {}
        self._revision = 0

    async def create(self, secret_id: str, wrapped: bytes) -> WrappedKey:
        check_secret_id(secret_id)
        if secret_id in self._entries:
            raise KeyExistsError(secret_id)
        return self._store(secret_id, wrapped)

    async def get(self, secret_id: str) -> WrappedKey:
        check_secret_id(secret_id)
        try:
            return self._entries[secret_id]
        except KeyError:
            raise SecretDestroyedError(secret_id) from None

    async def replace(self, secret_id: str, wrapped: bytes, *, revision: int) -> WrappedKey:
        check_secret_id(secret_id)
        current = self._entries.get(secret_id)
        if current is None or current.revision != revision:
            raise StaleRevisionError(secret_id)
        return self._store(secret_id, wrapped)

    async def delete(self, secret_id: str) -> None:
        check_secret_id(secret_id)
        self._entries.pop(secret_id, None)

    async def secret_ids(self) -> AsyncIterator[str]:
        for secret_id in list(self._entries):
            yield secret_id

    def _store(self, secret_id: str, wrapped: bytes) -> WrappedKey:
        self._revision += 1
        entry = WrappedKey(wrapped=wrapped, revision=self._revision)
        self._entries[secret_id] = entry
        return entry
