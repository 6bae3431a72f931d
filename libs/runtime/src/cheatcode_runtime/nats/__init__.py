from cheatcode_runtime.nats.command_client import CommandClient, CommandRejectedError, CommandUnavailableError
from cheatcode_runtime.nats.connection import LeanHeaderClient, NatsSettings, RawHandler, connect
from cheatcode_runtime.nats.ping import answer_pings
from cheatcode_runtime.nats.streams import ensure_key_value_buckets, ensure_streams, stream_config

__all__ = [
    "CommandClient",
    "CommandRejectedError",
    "CommandUnavailableError",
    "LeanHeaderClient",
    "NatsSettings",
    "RawHandler",
    "answer_pings",
    "connect",
    "ensure_key_value_buckets",
    "ensure_streams",
    "stream_config",
]
