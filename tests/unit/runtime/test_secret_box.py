from __future__ import annotations

import base64

import pytest

from cheatcode_runtime.secrets import (
    InMemoryKeyStore,
    KeyStore,
    MasterKeyError,
    SecretBox,
    SecretCorruptError,
    generate_master_key,
    key_hash,
    parse_master_keys,
)
from tests.support.keystore_conformance import KeyStoreConformance


class TestInMemoryKeyStore(KeyStoreConformance):
    @pytest.fixture
    def keystore(self) -> KeyStore:
        return InMemoryKeyStore()


def test_master_keys_parse_newest_first_and_reject_garbage_without_echoing_it() -> None:
    one, two = generate_master_key(), generate_master_key()
    assert parse_master_keys(f" {one} , {two},") == (one, two)
    with pytest.raises(ValueError, match="empty"):
        parse_master_keys(" , ")
    with pytest.raises(ValueError, match="entry 2") as error:
        parse_master_keys(f"{one},not-a-key-xyz")
    assert "not-a-key-xyz" not in str(error.value)


async def test_hash_is_sha256_of_the_plaintext() -> None:
    box = SecretBox(InMemoryKeyStore(), [generate_master_key()])
    sealed = await box.seal("s1", b"abc")
    assert sealed.key_hash == key_hash(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


async def test_ciphertexts_differ_per_seal_and_are_bound_to_their_secret_id() -> None:
    box = SecretBox(InMemoryKeyStore(), [generate_master_key()])
    first, second = await box.seal("s1", b"same"), await box.seal("s1", b"same")
    assert first.ciphertext != second.ciphertext
    other = await box.seal("s2", b"same")
    with pytest.raises(SecretCorruptError):
        await box.open("s2", first.ciphertext)
    assert await box.open("s2", other.ciphertext) == b"same"


async def test_tampered_or_malformed_ciphertext_is_refused() -> None:
    box = SecretBox(InMemoryKeyStore(), [generate_master_key()])
    sealed = await box.seal("s1", b"value")
    raw = bytearray(base64.b64decode(sealed.ciphertext))
    raw[-1] ^= 1
    for bad in (base64.b64encode(bytes(raw)).decode(), "***", base64.b64encode(b"\x02" + bytes(30)).decode()):
        with pytest.raises(SecretCorruptError):
            await box.open("s1", bad)


async def test_a_box_without_the_wrapping_master_key_cannot_open() -> None:
    store = InMemoryKeyStore()
    sealed = await SecretBox(store, [generate_master_key()]).seal("s1", b"value")
    with pytest.raises(MasterKeyError):
        await SecretBox(store, [generate_master_key()]).open("s1", sealed.ciphertext)


def test_importing_the_secrets_package_loads_no_nats_driver() -> None:
    import json
    import subprocess
    import sys

    probe = (
        "import json, sys, cheatcode_runtime.secrets\n"
        "print(json.dumps('nats' in {m.split('.')[0] for m in sys.modules}))"
    )
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout
    assert json.loads(out) is False
