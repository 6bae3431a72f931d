"""The feature-flags KV bucket, created by its owner (this service) so API replicas can watch it at once."""

from __future__ import annotations

import logging

from nats.js import JetStreamContext
from nats.js.errors import BucketNotFoundError

from cheatcode_contracts.flags import FLAGS_BUCKET

logger = logging.getLogger("cheatcode.flags")


async def ensure_flags_bucket(js: JetStreamContext) -> None:
    try:
        await js.key_value(FLAGS_BUCKET)
    except BucketNotFoundError:
        try:
            await js.create_key_value(bucket=FLAGS_BUCKET, history=5, description="feature flags")
        except Exception as error:
            logger.warning("creating the %s bucket: %s", FLAGS_BUCKET, error)
