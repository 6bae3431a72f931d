"""Composio and MCP: what a run pays at start for its MCP servers, and toolkit listing with the cache.

Everything real but the remote systems: a nats-server, the integrations service (its Composio
handlers, the secrets box on NATS KV), the Composio double and the MCP double on loopback.

* run start with 0, 1 and 5 MCP servers: ``composio.run_servers`` over NATS (profiles loaded,
  configs decrypted, MCP URLs resolved at the Composio double) plus opening every server with the
  official ``mcp`` client (initialize + list_tools) and closing them: what ``AgentLoop.execute``
  adds before its first model call;
* toolkit listing (``composio.toolkits.list`` over NATS): cold (cache entry purged before each call,
  so every page comes from the Composio double) and warm (served from the NATS KV cache).

Prints figures; no assertions.

    .venv/bin/python benchmarks/bench_composio.py [--runs 30]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from uuid import uuid4

from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from cheatcode_agent.adapters.mcp_client import StreamableHttpMcp
from cheatcode_agent.adapters.nats_mcp_servers import NatsMcpServers
from cheatcode_agent.tools.mcp import McpTools
from cheatcode_contracts import composio as c
from cheatcode_contracts.streams import ALL_STREAMS
from cheatcode_contracts.subjects import ping_subject
from cheatcode_infra.nats_server import NatsServer
from cheatcode_integrations.adapters.kv_toolkit_cache import KEY
from cheatcode_integrations.config import ComposioSettings, Settings
from cheatcode_integrations.entrypoint.app import register_composio
from cheatcode_integrations.entrypoint.bootstrap import build
from cheatcode_runtime.nats import NatsSettings, connect, ensure_streams
from cheatcode_runtime.secrets import generate_master_key
from tests.support.composio_stack import composio_doubles
from tests.support.requests import request_when_ready, send_command

TOOLKITS = ("github", "slack", "gmail", "notion", "linear")
CACHE_BUCKET = "bench_composio_toolkits"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(title: str, samples: list[float]) -> None:
    print(
        f"{title}: n={len(samples)} p50={percentile(samples, 0.5):.1f} ms p99={percentile(samples, 0.99):.1f} ms "
        f"mean={statistics.fmean(samples):.1f} ms",
        flush=True,
    )


async def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        server = NatsServer(store_dir=Path(scratch) / "nats")
        server.start()
        try:
            async with composio_doubles(mcp_toolkits=TOOLKITS) as doubles:
                client = await connect(NatsSettings(url=server.url), name="bench")
                await ensure_streams(client.jetstream(), ALL_STREAMS)
                settings = Settings(
                    instance_id="bench-integrations",
                    nats=NatsSettings(url=server.url),
                    composio=ComposioSettings(
                        api_key=SecretStr(doubles.api_key),
                        base_url=doubles.composio_url,
                        toolkit_cache_bucket=CACHE_BUCKET,
                    ),
                    encryption_key=SecretStr(generate_master_key()),
                )
                host = build(settings, registrations=(register_composio,))
                await host.app.start()
                await request_when_ready(client, ping_subject("integrations"), b"")
                try:
                    await run_start(client, runs)
                    await toolkit_listing(client, runs)
                finally:
                    await host.app.stop()
                    await client.close()
        finally:
            server.stop()


async def run_start(client: object, runs: int) -> None:
    mcp = McpTools(NatsMcpServers(client), StreamableHttpMcp())  # type: ignore[arg-type]
    for count in (0, 1, 5):
        user = f"bench_{uuid4().hex[:8]}"
        for toolkit in TOOLKITS[:count]:
            reply = await send_command(
                client,  # type: ignore[arg-type]
                c.CreateProfile(user_id=user, profile_id=str(uuid4()), toolkit_slug=toolkit, profile_name="Bench"),
                wait=30,
            )
            assert reply.ok, reply.error
        samples: list[float] = []
        for _ in range(runs):
            started = time.perf_counter()
            async with mcp.for_run(user, ()) as tools:
                ready = time.perf_counter()
            assert len(tools) == 2 * count, [tool.name for tool in tools]
            samples.append((ready - started) * 1000)
        report(f"run start, {count} MCP server{'s' if count != 1 else ''} (tools ready)", samples)


async def toolkit_listing(client: object, runs: int) -> None:
    js = client.jetstream()  # type: ignore[attr-defined]
    kv = await js.key_value(CACHE_BUCKET)
    cold: list[float] = []
    warm: list[float] = []
    for _ in range(runs):
        await kv.purge(KEY)
        started = time.perf_counter()
        reply = await send_command(client, c.ListToolkits(limit=50), wait=30)  # type: ignore[arg-type]
        cold.append((time.perf_counter() - started) * 1000)
        assert reply.ok
    for _ in range(runs):
        started = time.perf_counter()
        reply = await send_command(client, c.ListToolkits(limit=50), wait=30)  # type: ignore[arg-type]
        warm.append((time.perf_counter() - started) * 1000)
        assert reply.ok
    report("toolkit listing, cold cache (every page from Composio)", cold)
    report("toolkit listing, warm cache (NATS KV)", warm)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    asyncio.run(main(parser.parse_args().runs))
