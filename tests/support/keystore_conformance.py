"""One conformance suite for the KeyStore port and the SecretBox on top of it.

Each adapter's test module subclasses it and provides a ``keystore`` fixture returning a fresh,
empty store.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest

from cheatcode_runtime.secrets import (
    KeyExistsError,
    KeyStore,
    SecretBox,
    SecretCorruptError,
    SecretDestroyedError,
    StaleRevisionError,
    generate_master_key,
)


def _id() -> str:
    return f"test.{uuid.uuid4().hex}"


class KeyStoreConformance:
    async def test_get_of_unknown_id_is_destroyed(self, keystore: KeyStore) -> None:
        with pytest.raises(SecretDestroyedError):
            await keystore.get(_id())

    async def test_create_then_get_round_trips(self, keystore: KeyStore) -> None:
        secret_id = _id()
        created = await keystore.create(secret_id, b"wrapped-1")
        entry = await keystore.get(secret_id)
        assert entry.wrapped == b"wrapped-1"
        assert entry.revision == created.revision

    async def test_create_twice_raises(self, keystore: KeyStore) -> None:
        secret_id = _id()
        await keystore.create(secret_id, b"a")
        with pytest.raises(KeyExistsError):
            await keystore.create(secret_id, b"b")
        assert (await keystore.get(secret_id)).wrapped == b"a"

    async def test_replace_at_current_revision_wins_and_stale_one_loses(self, keystore: KeyStore) -> None:
        secret_id = _id()
        first = await keystore.create(secret_id, b"a")
        second = await keystore.replace(secret_id, b"b", revision=first.revision)
        assert (await keystore.get(secret_id)).wrapped == b"b"
        with pytest.raises(StaleRevisionError):
            await keystore.replace(secret_id, b"c", revision=first.revision)
        assert (await keystore.get(secret_id)).revision == second.revision

    async def test_delete_removes_and_replace_cannot_resurrect(self, keystore: KeyStore) -> None:
        secret_id = _id()
        entry = await keystore.create(secret_id, b"a")
        await keystore.delete(secret_id)
        with pytest.raises(SecretDestroyedError):
            await keystore.get(secret_id)
        with pytest.raises(StaleRevisionError):
            await keystore.replace(secret_id, b"again", revision=entry.revision)
        with pytest.raises(SecretDestroyedError):
            await keystore.get(secret_id)

    async def test_delete_is_idempotent_and_the_id_can_be_created_anew(self, keystore: KeyStore) -> None:
        secret_id = _id()
        await keystore.delete(secret_id)
        await keystore.create(secret_id, b"a")
        await keystore.delete(secret_id)
        await keystore.delete(secret_id)
        await keystore.create(secret_id, b"b")
        assert (await keystore.get(secret_id)).wrapped == b"b"

    async def test_secret_ids_lists_live_entries_only(self, keystore: KeyStore) -> None:
        kept, gone = _id(), _id()
        await keystore.create(kept, b"a")
        await keystore.create(gone, b"b")
        await keystore.delete(gone)
        ids = [secret_id async for secret_id in keystore.secret_ids()]
        assert kept in ids
        assert gone not in ids

    async def test_invalid_ids_are_refused(self, keystore: KeyStore) -> None:
        for bad in ("", "a b", "a/b", ".hidden", "a*", "x" * 300):
            with pytest.raises(ValueError):
                await keystore.get(bad)

    # The box over this store.

    async def test_seal_then_open_round_trips_and_never_stores_the_plaintext(self, keystore: KeyStore) -> None:
        box, secret_id = SecretBox(keystore, [generate_master_key()]), _id()
        sealed = await box.seal(secret_id, b"sk-or-v1-secret")
        assert b"sk-or-v1-secret" not in sealed.ciphertext.encode()
        assert b"sk-or-v1-secret" not in (await keystore.get(secret_id)).wrapped
        assert await box.open(secret_id, sealed.ciphertext) == b"sk-or-v1-secret"

    async def test_destroy_makes_every_copy_of_the_ciphertext_unopenable(self, keystore: KeyStore) -> None:
        master = generate_master_key()
        box, secret_id = SecretBox(keystore, [master]), _id()
        sealed = await box.seal(secret_id, b"top secret")
        await box.destroy(secret_id)
        with pytest.raises(SecretDestroyedError):
            await box.open(secret_id, sealed.ciphertext)
        # Even with the master key, a new box over the same store cannot recover it.
        with pytest.raises(SecretDestroyedError):
            await SecretBox(keystore, [master]).open(secret_id, sealed.ciphertext)

    async def test_a_reused_id_after_destroy_does_not_open_the_old_ciphertext(self, keystore: KeyStore) -> None:
        box, secret_id = SecretBox(keystore, [generate_master_key()]), _id()
        old = await box.seal(secret_id, b"old")
        await box.destroy(secret_id)
        await box.seal(secret_id, b"new")
        with pytest.raises(SecretCorruptError):
            await box.open(secret_id, old.ciphertext)

    async def test_concurrent_seals_of_one_id_share_one_data_key(self, keystore: KeyStore) -> None:
        box, secret_id = SecretBox(keystore, [generate_master_key()]), _id()
        sealed = await asyncio.gather(*(box.seal(secret_id, f"v{i}".encode()) for i in range(5)))
        assert [await box.open(secret_id, s.ciphertext) for s in sealed] == [f"v{i}".encode() for i in range(5)]

    async def test_rotation_rewraps_data_keys_and_the_old_master_can_then_go(self, keystore: KeyStore) -> None:
        old, new = generate_master_key(), generate_master_key()
        secret_ids = [_id(), _id()]
        before = SecretBox(keystore, [old])
        sealed = [await before.seal(secret_id, secret_id.encode()) for secret_id in secret_ids]
        during = SecretBox(keystore, [new, old])
        assert await during.open(secret_ids[0], sealed[0].ciphertext) == secret_ids[0].encode()
        assert await during.rewrap() >= len(secret_ids)
        assert await during.rewrap() == 0
        after = SecretBox(keystore, [new])
        for secret_id, box_sealed in zip(secret_ids, sealed, strict=True):
            assert await after.open(secret_id, box_sealed.ciphertext) == secret_id.encode()
