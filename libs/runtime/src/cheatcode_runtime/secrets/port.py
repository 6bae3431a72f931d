"""The key store port: where wrapped per-secret data keys live, outside the event log.

A data key is stored only wrapped (encrypted) by a master key, under the id of the secret
it protects. Deleting it is the crypto-shredding step: every ciphertext sealed with it,
wherever it was copied (events, read models, backups), becomes noise.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass

# Safe as a NATS KV key and as a file name; ids are chosen by the owning service.
SECRET_ID_PATTERN = re.compile(r"^[A-Za-z0-9_=\-][A-Za-z0-9_=\-.]{0,199}$")


class SecretDestroyedError(Exception):
    """The secret's data key is gone (destroyed, or never created): it cannot be opened."""

    def __init__(self, secret_id: str) -> None:
        super().__init__(f"secret {secret_id!r} has no data key (destroyed or never sealed)")
        self.secret_id = secret_id


class KeyStoreUnavailableError(Exception):
    """The key store cannot be reached; the caller should answer 503, not lose data."""


class KeyExistsError(Exception):
    """``create`` found a data key already stored under the id."""


class StaleRevisionError(Exception):
    """``replace`` lost a race: the entry changed or was deleted since it was read."""


@dataclass(frozen=True)
class WrappedKey:
    wrapped: bytes  # the data key, encrypted by a master key (a Fernet token)
    revision: int  # for compare-and-set in ``replace``


def check_secret_id(secret_id: str) -> str:
    if not SECRET_ID_PATTERN.match(secret_id):
        raise ValueError(f"invalid secret id {secret_id!r}: use letters, digits and - _ = . (not first)")
    return secret_id


class KeyStore(ABC):
    """Wrapped data keys by secret id. Implementations never see a plaintext key."""

    @abstractmethod
    async def create(self, secret_id: str, wrapped: bytes) -> WrappedKey:
        """Store a new entry; raises :class:`KeyExistsError` when the id already has one."""

    @abstractmethod
    async def get(self, secret_id: str) -> WrappedKey:
        """The entry; raises :class:`SecretDestroyedError` when there is none."""

    @abstractmethod
    async def replace(self, secret_id: str, wrapped: bytes, *, revision: int) -> WrappedKey:
        """Overwrite the entry read at ``revision``; raises :class:`StaleRevisionError` if it
        changed or was deleted since (so a re-wrap can never resurrect a destroyed key)."""

    @abstractmethod
    async def delete(self, secret_id: str) -> None:
        """Remove the entry and every older version of it; deleting a missing id is a no-op."""

    @abstractmethod
    def secret_ids(self) -> AsyncIterator[str]:
        """Every id that has an entry (for re-wrapping after a master key rotation)."""
