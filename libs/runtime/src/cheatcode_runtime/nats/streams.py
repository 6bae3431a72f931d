"""Creating or updating the JetStream streams (and KV buckets) the contracts define."""

from __future__ import annotations

from collections.abc import Iterable

from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, StorageType, StreamConfig
from nats.js.errors import BucketNotFoundError, NotFoundError
from nats.js.kv import KeyValue

from cheatcode_contracts.streams import KeyValueSpec, Storage, StreamSpec


def stream_config(spec: StreamSpec, replicas: int | None = None) -> StreamConfig:
    """``replicas`` (a cluster's size) overrides the spec's own."""
    return StreamConfig(
        name=spec.name,
        subjects=list(spec.subjects),
        description=spec.description,
        storage=StorageType.FILE if spec.storage is Storage.FILE else StorageType.MEMORY,
        max_age=spec.max_age_seconds,
        duplicate_window=spec.duplicate_window_seconds,
        allow_direct=spec.allow_direct,
        num_replicas=replicas or spec.replicas,
    )


async def ensure_streams(js: JetStreamContext, specs: Iterable[StreamSpec], *, replicas: int | None = None) -> None:
    """Idempotent: adds missing streams and brings existing ones to the spec."""
    for spec in specs:
        config = stream_config(spec, replicas)
        try:
            await js.stream_info(spec.name)
        except NotFoundError:
            await js.add_stream(config)
        else:
            await js.update_stream(config)


async def ensure_key_value_buckets(
    js: JetStreamContext, specs: Iterable[KeyValueSpec], *, replicas: int | None = None
) -> None:
    """Adds the missing buckets; an existing bucket is left as it is (its entries are live state)."""
    for spec in specs:
        try:
            await js.key_value(spec.bucket)
        except BucketNotFoundError:
            await js.create_key_value(
                config=KeyValueConfig(
                    bucket=spec.bucket,
                    description=spec.description,
                    history=spec.history,
                    ttl=spec.ttl_seconds or None,
                    replicas=replicas or spec.replicas,
                )
            )


async def open_key_value(
    js: JetStreamContext, bucket: str, *, description: str, history: int = 1, ttl: float | None = None
) -> KeyValue:
    """The bucket, created on first use by a service that owns it (``cheatcode provision`` makes
    the declared ones beforehand, at the cluster's replica count)."""
    try:
        return await js.key_value(bucket)
    except BucketNotFoundError:
        return await js.create_key_value(bucket=bucket, history=history, ttl=ttl, description=description)
