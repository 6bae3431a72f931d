"""Overhead of the metrics + tracing middleware on the authenticated GET (req/s with and without).

Two API processes side by side on the same backing services, one request load at a time: the
real app from ``create_app`` (``RequestObservability`` installed: route latency histogram,
request span, trace context), and the same app with that middleware taken out before it
serves. Each: ``GET /api/projects`` with a bearer token (JWT verified, PostgreSQL read of 10
projects) from ``--concurrency`` keep-alive connections for ``--seconds``, alternately, best of
3. The load generator is ``bench_authed_get``'s raw HTTP/1.1 client. No assertions.

    .venv/bin/python benchmarks/bench_observability.py [--seconds 5] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from backing import backing_services, process  # benchmarks/ is on sys.path when run as a script
from bench_authed_get import hammer, seed_projects

from cheatcode_infra.free_ports import free_port


async def serve(observed: bool) -> None:
    """Child process: the real API on CHEATCODE_API_PORT, with or without RequestObservability."""
    import uvicorn

    from cheatcode_api.config import Settings
    from cheatcode_api.entrypoint.app import create_app
    from cheatcode_api.entrypoint.bootstrap import build_container
    from cheatcode_api.entrypoint.observability import RequestObservability

    settings = Settings()
    app = create_app(await build_container(settings))
    if not observed:  # Starlette builds the middleware stack on the first request
        app.user_middleware = [entry for entry in app.user_middleware if entry.cls is not RequestObservability]
    config = uvicorn.Config(app, host=settings.api_host, port=settings.api_port, log_level="warning", access_log=False)
    await uvicorn.Server(config).serve()


async def main(seconds: float, concurrency: int) -> None:
    async with backing_services("bench-observability-") as backing:
        env, home, token = backing.env, backing.home, backing.issuer.mint("bench-user")
        bare_port = free_port()
        bare_env = {**env, "CHEATCODE_API_PORT": str(bare_port), "CHEATCODE_INSTANCE_ID": "api-bare"}
        observed_env = {**env, "CHEATCODE_RATE_LIMITS_ENABLED": "false", "CHEATCODE_INSTANCE_ID": "api-observed"}
        bare_env["CHEATCODE_RATE_LIMITS_ENABLED"] = "false"
        with (
            process(["-m", "cheatcode_agent"], env, home / "agent.log"),
            process([__file__, "--serve", "observed"], observed_env, home / "api-observed.log"),
            process([__file__, "--serve", "bare"], bare_env, home / "api-bare.log"),
        ):
            await seed_projects(backing.base_url, token, 10)
            await seed_projects(f"http://127.0.0.1:{bare_port}", token, 0)  # waits until it is up
            ports = {"with metrics + tracing": backing.api_port, "without": bare_port}
            results: dict[str, list[float]] = {name: [] for name in ports}
            for port in ports.values():
                await hammer(port, "/api/projects", token, 1.0, concurrency)  # warm-up
            for _ in range(3):
                for name, port in ports.items():
                    results[name].append(await hammer(port, "/api/projects", token, seconds, concurrency))
    print(f"authed GET /api/projects, {concurrency} connections, best of 3 x {seconds:g}s (uvicorn, 1 worker each)")
    for name, values in results.items():
        print(f"  {name:24s} {max(values):8.0f} req/s   runs: {', '.join(f'{v:.0f}' for v in values)}")
    with_, without = max(results["with metrics + tracing"]), max(results["without"])
    print(f"  overhead                 {100 * (1 - with_ / without):7.1f} %")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--serve", choices=["observed", "bare"], help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve:
        from cheatcode_api.entrypoint.main import run_event_loop
        from cheatcode_runtime.observability.tracing import configure_tracing

        configure_tracing("api")  # as main() does: spans are real (no exporter unless OTEL_* says so)

        run_event_loop(serve(arguments.serve == "observed"))
    else:
        asyncio.run(main(arguments.seconds, arguments.concurrency))
