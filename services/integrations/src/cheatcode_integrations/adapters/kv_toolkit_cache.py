"""The toolkit catalog in a NATS KV bucket whose entries expire (the bucket's TTL).

One key holds the whole list, zlib-compressed JSON (a few hundred toolkits fit easily in
one message). Every replica shares it; a read or write failure only means a cold cache.
"""

from __future__ import annotations

import json
import logging
import zlib
from collections.abc import Sequence

from nats.js import JetStreamContext
from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue

from cheatcode_contracts.composio import ToolkitInfo
from cheatcode_integrations.ports.composio import ToolkitCache
from cheatcode_runtime.nats.streams import open_key_value

logger = logging.getLogger("cheatcode.integrations.toolkit_cache")

KEY = "toolkits"


class KvToolkitCache(ToolkitCache):
    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv

    @classmethod
    async def open(cls, js: JetStreamContext, bucket: str, ttl_seconds: float) -> KvToolkitCache:
        return cls(await open_key_value(js, bucket, ttl=ttl_seconds, description="Composio toolkit catalog (cache)"))

    async def get(self) -> list[ToolkitInfo] | None:
        try:
            entry = await self._kv.get(KEY)
        except KeyNotFoundError:
            return None
        except Exception:
            logger.warning("toolkit cache unreadable; asking Composio", exc_info=True)
            return None
        if not entry.value:
            return None
        try:
            raw = json.loads(zlib.decompress(entry.value))
            return [ToolkitInfo.model_validate(item) for item in raw]
        except (ValueError, zlib.error):
            logger.warning("toolkit cache entry malformed; ignoring it")
            return None

    async def put(self, toolkits: Sequence[ToolkitInfo]) -> None:
        data = zlib.compress(json.dumps([toolkit.model_dump(mode="json") for toolkit in toolkits]).encode())
        try:
            await self._kv.put(KEY, data)
        except Exception:
            logger.warning("toolkit cache not written", exc_info=True)
