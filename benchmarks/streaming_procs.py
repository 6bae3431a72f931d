"""The two process roles of benchmarks/bench_streaming.py: the API under test and an SSE load client.

python benchmarks/streaming_procs.py --server PORT NATS_URL   # the streaming core under uvicorn
python benchmarks/streaming_procs.py --client PORT            # SSE clients driven over stdin/stdout
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import sys
import time
from typing import Any

from fastapi import FastAPI, Request, Response

MARK = b'"content": "'
WINDOW = int(os.environ.get("BENCH_WINDOW", "128"))  # the hub's default window_frames


# --------------------------------------------------------------------------- API server process


def record_gc_pauses() -> dict[int, list[float]]:
    import gc

    pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
    started = [0.0]

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            pauses[info["generation"]].append((time.perf_counter() - started[0]) * 1000)

    gc.callbacks.append(callback)
    return pauses


def summarise_pauses(pauses: dict[int, list[float]]) -> str:
    return ", ".join(
        f"gen{g}: {len(p)} collections, max {max(p, default=0):.1f}, total {sum(p):.0f}" for g, p in pauses.items()
    )


def run_server(port: int, nats_url: str) -> None:
    from contextlib import asynccontextmanager

    import uvicorn

    from cheatcode_api.entrypoint.errors import install_error_handlers
    from cheatcode_api.entrypoint.middleware import install_middleware
    from cheatcode_api.streaming import (
        RunStreamHub,
        SseResponse,
        StreamingSettings,
        connect_streaming,
        parse_last_event_id,
        tune_gc,
    )
    from cheatcode_runtime.nats import NatsSettings

    state: dict[str, RunStreamHub] = {}
    pauses = record_gc_pauses()
    profile = None
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        profile = cProfile.Profile()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> Any:
        nc = await connect_streaming(NatsSettings(url=nats_url), name="bench-api")
        settings = StreamingSettings(window_frames=WINDOW, raw_follower=os.environ.get("BENCH_FOLLOWER") != "nats")
        state["hub"] = hub = RunStreamHub(nc, settings, owns_connection=True)
        await hub.start()
        setting = os.environ.get("BENCH_GC", "1")
        if profile is not None:
            profile.enable()
        if setting == "1":
            tune_gc()
        elif setting != "0":  # e.g. BENCH_GC=10000,20,100: other thresholds, to compare
            first, second, third = (int(v) for v in setting.split(","))
            tune_gc((first, second, third))
        yield
        await hub.close()
        if profile is not None:
            import pstats

            profile.disable()
            pstats.Stats(profile, stream=sys.stderr).sort_stats("tottime").print_stats(30)
        print(f"API gc pauses (ms, by generation): {summarise_pauses(pauses)}", file=sys.stderr, flush=True)

    app = FastAPI(lifespan=lifespan)
    # The API's own middleware and error handlers, so each frame pays what it pays in production.
    install_middleware(app, cors_origins=["http://localhost:3000"], hsts=False)
    install_error_handlers(app)

    @app.get("/api/agent-run/{run_id}/stream")
    async def stream(run_id: str, request: Request, last_event_id: str | None = None) -> Response:
        hub = state["hub"]
        after = parse_last_event_id(request.headers.get("last-event-id"), last_event_id)
        if after and await hub.is_past_terminal(run_id, after):
            return Response(status_code=204)
        return SseResponse(hub, await hub.open(run_id, after))

    extra: dict[str, Any] = {}
    try:
        import httptools  # noqa: F401
        import uvloop  # noqa: F401

        extra = {"loop": "uvloop", "http": "httptools"}
    except ImportError:
        pass
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, backlog=4096, **extra)


# --------------------------------------------------------------------------- SSE client process


class SseProtocol(asyncio.Protocol):
    """Counts frames and records latency from the timestamp the publisher put in ``content``."""

    def __init__(self, sink: list[int], request: bytes) -> None:
        self.sink = sink
        self.request = request
        self.buffer = b""
        self.headers_seen = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()
        self.on_terminal: asyncio.Future[float] | None = None
        self.target = 0  # resolve ``on_terminal`` after this many frames, or at the terminal frame
        self.frames = 0

    def connection_made(self, transport: Any) -> None:
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        now = time.time_ns()
        buffer = self.buffer + data
        if not self.headers_seen.done():
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                self.buffer = buffer
                return
            self.headers_seen.set_result(buffer[:end].split(b" ", 2)[1].decode())
            buffer = buffer[end + 4 :]
        cut = buffer.rfind(b"\n\n")
        if cut < 0:
            self.buffer = buffer
            return
        complete, self.buffer = buffer[: cut + 2], buffer[cut + 2 :]
        self.frames += complete.count(b"\nid: ") + complete.startswith(b"id: ")
        start = complete.find(MARK)
        while start >= 0:
            begin = start + len(MARK)
            stop = complete.find(b'"', begin)
            stamp = complete[begin:stop]
            if stamp.isdigit():
                self.sink.append((now - int(stamp)) // 1000)
            start = complete.find(MARK, stop)
        ended = b'"status": "completed"' in complete or (self.target and self.frames >= self.target)
        if self.on_terminal is not None and ended and not self.on_terminal.done():
            self.on_terminal.set_result(time.perf_counter())

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)


def request_bytes(port: int, run_id: str, after: int = 0) -> bytes:
    extra = f"Last-Event-ID: {after}\r\n" if after else ""
    return (
        f"GET /api/agent-run/{run_id}/stream HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Accept: text/event-stream\r\n{extra}\r\n"
    ).encode()


async def client_main(port: int) -> None:
    import gc

    gc.disable()  # a load generator's own pauses would show up as server latency; it allocates no cycles
    loop = asyncio.get_running_loop()
    sink: list[int] = []
    streams: list[Any] = []
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    def reply(obj: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    async def open_one(run_id: str) -> None:
        request = request_bytes(port, run_id)
        _, proto = await loop.create_connection(lambda: SseProtocol(sink, request), "127.0.0.1", port)
        await proto.headers_seen
        streams.append(proto)

    while line := await reader.readline():
        cmd = json.loads(line)
        if cmd["cmd"] == "open":
            runs = cmd["runs"]
            for i in range(0, len(runs), 100):
                await asyncio.gather(*(open_one(r) for r in runs[i : i + 100]))
            reply({"opened": len(runs)})
        elif cmd["cmd"] == "collect":
            samples, sink[:] = list(sink), []
            reply({"lat_us": samples})
        elif cmd["cmd"] == "replay":
            timings = []
            after = int(cmd.get("after", 0))
            for run_id in cmd["runs"]:
                await asyncio.sleep(0.05)
                local: list[int] = []
                request = request_bytes(port, run_id, after)
                t0 = time.perf_counter()
                transport, proto = await loop.create_connection(
                    functools.partial(SseProtocol, local, request), "127.0.0.1", port
                )
                proto.on_terminal = loop.create_future()
                proto.target = cmd.get("target", 0)
                t1 = await proto.on_terminal
                timings.append(((t1 - t0) * 1000, proto.frames))
                transport.close()
            reply({"timings": timings})
        elif cmd["cmd"] == "quit":
            break


if __name__ == "__main__":
    if sys.argv[1] == "--server":
        run_server(int(sys.argv[2]), sys.argv[3])
    else:
        try:
            import uvloop

            uvloop.run(client_main(int(sys.argv[2])))
        except ImportError:
            asyncio.run(client_main(int(sys.argv[2])))
