"""Creating or updating the JetStream streams the contracts define."""

from __future__ import annotations

from collections.abc import Iterable

from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import NotFoundError

from cheatcode_contracts.streams import Storage, StreamSpec


def stream_config(spec: StreamSpec) -> StreamConfig:
    return StreamConfig(
        name=spec.name,
        subjects=list(spec.subjects),
        description=spec.description,
        storage=StorageType.FILE if spec.storage is Storage.FILE else StorageType.MEMORY,
        max_age=spec.max_age_seconds,
        duplicate_window=spec.duplicate_window_seconds,
        allow_direct=spec.allow_direct,
    )


async def ensure_streams(js: JetStreamContext, specs: Iterable[StreamSpec]) -> None:
    """Idempotent: adds missing streams and brings existing ones to the spec."""
    for spec in specs:
        config = stream_config(spec)
        try:
            await js.stream_info(spec.name)
        except NotFoundError:
            await js.add_stream(config)
        else:
            await js.update_stream(config)
