"""The secrets box: per-secret data keys wrapped by a rotatable master key, crypto-shredding.

Importing this package loads no NATS client; the KV adapter is
``cheatcode_runtime.secrets.nats_kv.NatsKvKeyStore``.
"""

from __future__ import annotations

from cheatcode_runtime.secrets.box import (
    ENCRYPTION_KEY_ENV,
    MasterKeyError,
    Sealed,
    SecretBox,
    SecretCorruptError,
    generate_master_key,
    key_hash,
    parse_master_keys,
)
from cheatcode_runtime.secrets.memory import InMemoryKeyStore
from cheatcode_runtime.secrets.port import (
    KeyExistsError,
    KeyStore,
    KeyStoreUnavailableError,
    SecretDestroyedError,
    StaleRevisionError,
    WrappedKey,
    check_secret_id,
)

__all__ = [
    "ENCRYPTION_KEY_ENV",
    "InMemoryKeyStore",
    "KeyExistsError",
    "KeyStore",
    "KeyStoreUnavailableError",
    "MasterKeyError",
    "Sealed",
    "SecretBox",
    "SecretCorruptError",
    "SecretDestroyedError",
    "StaleRevisionError",
    "WrappedKey",
    "check_secret_id",
    "generate_master_key",
    "key_hash",
    "parse_master_keys",
]
