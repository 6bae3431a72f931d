"""Envelope encryption with crypto-shredding: one data key per secret, wrapped by a master key.

- ``seal`` encrypts a secret with AES-256-GCM under its own random data key (the secret id is
  the associated data, so a ciphertext cannot be passed off as another secret's). The data key
  is stored in the :class:`KeyStore` only wrapped by the newest master key (Fernet); what the
  caller keeps (in events, read models) is the ciphertext and a SHA-256 hash, never a key.
- ``open`` unwraps the data key with any configured master key and decrypts.
- ``destroy`` deletes the data key: from then on no copy of the ciphertext can be opened, by
  anyone holding anything (crypto-shredding).
- Master keys rotate: configure ``new,old`` (newest first), then :meth:`SecretBox.rewrap` moves
  every data key still wrapped by an older key to the newest one; afterwards the old key can go.
  The ciphertexts in the immutable log never change.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from cheatcode_runtime.secrets.port import (
    KeyExistsError,
    KeyStore,
    SecretDestroyedError,
    StaleRevisionError,
    check_secret_id,
)

log = logging.getLogger(__name__)

ENCRYPTION_KEY_ENV = "CHEATCODE_ENCRYPTION_KEY"
_SCHEME_V1 = b"\x01"  # first ciphertext byte: AES-256-GCM, 12-byte nonce, AAD = secret id
_NONCE_BYTES = 12


class SecretCorruptError(Exception):
    """The ciphertext does not open with the secret's data key (tampered, or another secret's)."""


class MasterKeyError(Exception):
    """No configured master key unwraps a data key (the key that wrapped it was dropped)."""


@dataclass(frozen=True)
class Sealed:
    ciphertext: str  # base64 (standard alphabet) of scheme byte + nonce + AES-GCM output
    key_hash: str  # SHA-256 hex of the plaintext: lets one recognise a value, not recover it


def generate_master_key() -> str:
    """A new master key in the format ``CHEATCODE_ENCRYPTION_KEY`` takes (urlsafe base64, 32 bytes)."""
    return Fernet.generate_key().decode()


def parse_master_keys(value: str) -> tuple[str, ...]:
    """``CHEATCODE_ENCRYPTION_KEY``: comma-separated Fernet keys, newest first."""
    keys = tuple(part.strip() for part in value.split(",") if part.strip())
    if not keys:
        raise ValueError(f"{ENCRYPTION_KEY_ENV} is empty: set at least one key")
    for index, key in enumerate(keys):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            # Never echo the value: it is a secret even when malformed.
            raise ValueError(f"{ENCRYPTION_KEY_ENV}: entry {index + 1} is not a urlsafe-base64 32-byte key") from None
    return keys


def key_hash(plaintext: bytes) -> str:
    return hashlib.sha256(plaintext).hexdigest()


class SecretBox:
    def __init__(self, keystore: KeyStore, master_keys: Sequence[str]) -> None:
        if not master_keys:
            raise ValueError("SecretBox needs at least one master key")
        self._keystore = keystore
        self._newest = Fernet(master_keys[0])
        self._all = MultiFernet([Fernet(key) for key in master_keys])

    @classmethod
    def from_setting(cls, keystore: KeyStore, setting: str) -> SecretBox:
        return cls(keystore, parse_master_keys(setting))

    async def seal(self, secret_id: str, plaintext: bytes) -> Sealed:
        """Encrypt under the secret's data key (created on first use; a retried seal reuses it)."""
        check_secret_id(secret_id)
        data_key = await self._data_key(secret_id, create=True)
        nonce = os.urandom(_NONCE_BYTES)
        body = AESGCM(data_key).encrypt(nonce, plaintext, secret_id.encode())
        ciphertext = base64.b64encode(_SCHEME_V1 + nonce + body).decode()
        return Sealed(ciphertext=ciphertext, key_hash=key_hash(plaintext))

    async def open(self, secret_id: str, ciphertext: str) -> bytes:
        """The plaintext; :class:`SecretDestroyedError` once the data key was destroyed."""
        check_secret_id(secret_id)
        try:
            raw = base64.b64decode(ciphertext, validate=True)
        except ValueError:
            raise SecretCorruptError(f"secret {secret_id!r}: ciphertext is not base64") from None
        if len(raw) <= 1 + _NONCE_BYTES or raw[:1] != _SCHEME_V1:
            raise SecretCorruptError(f"secret {secret_id!r}: unknown ciphertext format")
        data_key = await self._data_key(secret_id, create=False)
        nonce, body = raw[1 : 1 + _NONCE_BYTES], raw[1 + _NONCE_BYTES :]
        try:
            return AESGCM(data_key).decrypt(nonce, body, secret_id.encode())
        except InvalidTag:
            # Also what a ciphertext sealed under an earlier, destroyed data key of a reused id gives.
            raise SecretCorruptError(f"secret {secret_id!r}: ciphertext does not match its data key") from None

    async def destroy(self, secret_id: str) -> None:
        """Crypto-shred: delete the data key. Idempotent."""
        check_secret_id(secret_id)
        await self._keystore.delete(secret_id)

    async def rewrap(self) -> int:
        """Re-wrap every data key not yet under the newest master key; returns how many moved."""
        moved = 0
        async for secret_id in self._keystore.secret_ids():
            try:
                entry = await self._keystore.get(secret_id)
            except SecretDestroyedError:
                continue  # destroyed meanwhile
            try:
                self._newest.decrypt(entry.wrapped)
                continue  # already under the newest key
            except InvalidToken:
                pass
            try:
                rewrapped = self._all.rotate(entry.wrapped)
            except InvalidToken:
                log.error("secret %s: no configured master key unwraps its data key; left as is", secret_id)
                continue
            try:
                await self._keystore.replace(secret_id, rewrapped, revision=entry.revision)
            except StaleRevisionError:
                continue  # destroyed or replaced meanwhile: never resurrect it
            moved += 1
        if moved:
            log.info("re-wrapped %d data keys under the newest master key", moved)
        return moved

    async def _data_key(self, secret_id: str, *, create: bool) -> bytes:
        while True:
            try:
                entry = await self._keystore.get(secret_id)
            except SecretDestroyedError:
                if not create:
                    raise
                data_key = AESGCM.generate_key(bit_length=256)
                try:
                    await self._keystore.create(secret_id, self._newest.encrypt(data_key))
                except KeyExistsError:
                    continue  # a concurrent seal created it first: use theirs
                return data_key
            try:
                return self._all.decrypt(entry.wrapped)
            except InvalidToken:
                raise MasterKeyError(f"secret {secret_id!r}: no configured master key unwraps its data key") from None
