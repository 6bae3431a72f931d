"""Authenticated ``GET /api/projects`` requests/s next to a bare FastAPI route, same process and run.

The API process is the real app from ``create_app(build_container(settings))`` plus one bare
route (``GET /api/bench/bare``, no auth, no database) added as an extra router, served by
uvicorn. The client (this process) keeps ``--concurrency`` requests in flight for
``--seconds`` per route over raw keep-alive HTTP/1.1 connections; both routes are measured alternately in
the same run, so the ratio says what JWT verification + the Postgres query + serialisation
cost relative to FastAPI's own floor. The user owns 10 projects. No assertions: figures only.

    .venv/bin/python benchmarks/bench_authed_get.py [--seconds 5] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import time

import httpx
from backing import backing_services, process, wait_healthy  # benchmarks/ is on sys.path when run as a script


async def serve_api_with_bare_route() -> None:
    """Child process: the real API plus a bare route, on CHEATCODE_API_PORT."""
    import uvicorn
    from fastapi import APIRouter

    from cheatcode_api.config import Settings
    from cheatcode_api.entrypoint.app import create_app
    from cheatcode_api.entrypoint.bootstrap import build_container

    bare = APIRouter()

    @bare.get("/bench/bare")
    async def bare_route() -> dict[str, str]:
        return {"status": "ok"}

    settings = Settings()
    app = create_app(await build_container(settings), extra_routers=[bare])
    config = uvicorn.Config(app, host=settings.api_host, port=settings.api_port, log_level="warning", access_log=False)
    await uvicorn.Server(config).serve()


async def keep_alive_worker(port: int, request: bytes, until: float) -> int:
    """One connection sending ``request`` back to back; a minimal HTTP/1.1 client (httpx's own
    overhead would cap the figures far below what the server does)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    count = 0
    try:
        while time.perf_counter() < until:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = head[9:12]
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            await reader.readexactly(length)
            if status != b"200":
                raise RuntimeError(f"unexpected status {status!r}")
            count += 1
    finally:
        writer.close()
    return count


async def hammer(port: int, path: str, token: str, seconds: float, concurrency: int) -> float:
    """Requests per second with ``concurrency`` keep-alive connections each one request in flight."""
    request = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n\r\n").encode()
    started = time.perf_counter()
    counts = await asyncio.gather(*(keep_alive_worker(port, request, started + seconds) for _ in range(concurrency)))
    return sum(counts) / (time.perf_counter() - started)


async def measure(port: int, token: str, seconds: float, concurrency: int) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {"bare": [], "authed": []}
    await hammer(port, "/api/bench/bare", token, 1.0, concurrency)  # warm-up
    await hammer(port, "/api/projects", token, 1.0, concurrency)
    for _ in range(3):
        results["bare"].append(await hammer(port, "/api/bench/bare", token, seconds, concurrency))
        results["authed"].append(await hammer(port, "/api/projects", token, seconds, concurrency))
    return results


async def seed_projects(base_url: str, token: str, count: int) -> None:
    async with httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {token}"}) as client:
        await wait_healthy(client)
        for index in range(count):
            response = await client.post("/api/projects", json={"name": f"project {index}"})
            response.raise_for_status()


async def main(seconds: float, concurrency: int) -> None:
    async with backing_services("bench-authed-") as backing:
        env, home, token = backing.env, backing.home, backing.issuer.mint("bench-user")
        with (
            process(["-m", "cheatcode_agent"], env, home / "agent.log"),
            process([__file__, "--serve"], env, home / "api.log"),
        ):
            await seed_projects(backing.base_url, token, 10)
            results = await measure(backing.api_port, token, seconds, concurrency)
    bare, authed = max(results["bare"]), max(results["authed"])
    print(f"GET requests/s, {concurrency} connections, best of 3 x {seconds:g}s (uvicorn, 1 worker, own process)")
    print(f"  bare FastAPI route        {bare:8.0f} req/s   runs: {', '.join(f'{v:.0f}' for v in results['bare'])}")
    print(f"  authed GET /api/projects  {authed:8.0f} req/s   runs: {', '.join(f'{v:.0f}' for v in results['authed'])}")
    print(f"  ratio authed/bare         {authed / bare:8.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve:
        from cheatcode_api.entrypoint.main import run_event_loop

        run_event_loop(serve_api_with_bare_route())  # the production loop (uvloop)
    else:
        asyncio.run(main(arguments.seconds, arguments.concurrency))
