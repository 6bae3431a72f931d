"""Agent-run output from JetStream (RUN_OUTPUT) to Server-Sent Events.

One ordered consumer per process follows ``cc.run.>``; a :class:`RunFeed` per run with
local clients fans each frame, encoded once, out to every client of that run.
Clients resume from ``Last-Event-ID`` (the JetStream stream sequence) without gap or
duplicate: from the feed's in-memory window when it reaches back far enough, otherwise
from JetStream, spliced into the live feed by sequence.
"""

from cheatcode_api.streaming.client import SseClient
from cheatcode_api.streaming.connection import StreamingNatsClient, connect_streaming
from cheatcode_api.streaming.frames import PING, encode_frame, is_terminal, parse_last_event_id
from cheatcode_api.streaming.gc_tuning import tune_gc
from cheatcode_api.streaming.hub import RunStreamHub, StreamingSettings
from cheatcode_api.streaming.response import SSE_HEADERS, SseResponse

__all__ = [
    "PING",
    "SSE_HEADERS",
    "RunStreamHub",
    "SseClient",
    "SseResponse",
    "StreamingNatsClient",
    "StreamingSettings",
    "connect_streaming",
    "encode_frame",
    "is_terminal",
    "parse_last_event_id",
    "tune_gc",
]
