from cheatcode_runtime.nats.connection import NatsSettings, connect
from cheatcode_runtime.nats.streams import ensure_streams, stream_config

__all__ = ["NatsSettings", "connect", "ensure_streams", "stream_config"]
