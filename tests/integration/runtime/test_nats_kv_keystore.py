from __future__ import annotations

import uuid

import pytest
from nats.aio.client import Client
from nats.js.errors import NotFoundError

from cheatcode_runtime.secrets import KeyStore, SecretBox, generate_master_key
from cheatcode_runtime.secrets.nats_kv import NatsKvKeyStore
from tests.support.keystore_conformance import KeyStoreConformance


class TestNatsKvKeyStore(KeyStoreConformance):
    @pytest.fixture
    async def keystore(self, nats_client: Client) -> KeyStore:
        return await NatsKvKeyStore.open(nats_client.jetstream(), f"test_keys_{uuid.uuid4().hex[:12]}")


async def test_destroy_leaves_no_revision_of_the_wrapped_key_in_the_bucket(nats_client: Client) -> None:
    js = nats_client.jetstream()
    bucket = f"test_keys_{uuid.uuid4().hex[:12]}"
    store = await NatsKvKeyStore.open(js, bucket)
    box = SecretBox(store, [generate_master_key()])
    await box.seal("user-1.key-1", b"sk-or-v1-" + b"a" * 64)
    first = await store.get("user-1.key-1")
    await box.destroy("user-1.key-1")
    with pytest.raises(NotFoundError):
        await js.get_msg(f"KV_{bucket}", seq=first.revision)
    info = await js.stream_info(f"KV_{bucket}")
    assert info.config.max_msgs_per_subject == 1
    assert info.state.messages == 1  # only the purge marker, which carries no value
    marker = await js.get_msg(f"KV_{bucket}", subject=f"$KV.{bucket}.user-1.key-1")
    assert not marker.data
