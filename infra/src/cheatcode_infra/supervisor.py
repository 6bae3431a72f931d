"""``cheatcode up``: the whole stack on this machine, every part its own process.

Start order: NATS (with per-service users) → streams (as ``provisioner``) → PostgreSQL →
dev JWT issuer → mock model (when no LLM is configured) → services, API last. Stop
order is the reverse. Everything lives under the home dir, so a second run reuses it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

from cheatcode_contracts.streams import ALL_STREAMS
from cheatcode_infra import nats_auth, preflight, stack_env
from cheatcode_infra.dev_issuer import DevIssuer, write_jwks_url
from cheatcode_infra.free_ports import free_port
from cheatcode_infra.home import StackHome
from cheatcode_infra.jwks_server import JwksServer
from cheatcode_infra.nats_server import NatsServer
from cheatcode_infra.postgres_server import PostgresServer
from cheatcode_infra.processes import ChildSpec, SupervisedChild
from cheatcode_infra.secret_files import read_or_create_secret
from cheatcode_runtime.nats import NatsSettings, connect, ensure_streams

log = logging.getLogger("cheatcode.up")
DATABASE = "cheatcode"
READY_LINE = "cheatcode stack is up"


@dataclass(frozen=True)
class UpConfig:
    home: StackHome
    api_port: int = 8000
    api_host: str = "127.0.0.1"
    stop_timeout: float = 10.0
    with_mock_llm: bool = True  # only when the `mock-llm` subcommand exists and no LLM is configured
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))


class Supervisor:
    def __init__(self, config: UpConfig) -> None:
        self.config = config
        self.home = config.home
        self._stop = asyncio.Event()
        self._children: list[SupervisedChild] = []

    def request_stop(self) -> None:
        if not self._stop.is_set():
            log.info("stopping the stack")
        self._stop.set()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.request_stop)
        async with AsyncExitStack() as stack:
            stack.enter_context(preflight.exclusive_home(self.home.root))
            preflight.ensure_port_free(self.config.api_host, self.config.api_port, "API", "CHEATCODE_API_PORT")
            wiring = await self._start_everything(stack)
            stack.callback(self.home.state_file.unlink, missing_ok=True)
            self._write_state(wiring)
            self._announce(wiring)
            await self._stop.wait()
        log.info("stack stopped")

    async def _start_everything(self, stack: AsyncExitStack) -> stack_env.StackWiring:
        self.home.ensure()
        nats_url, passwords = await self._start_nats(stack)
        database_url = await self._start_postgres(stack)
        jwks_url = await self._start_dev_issuer(stack)
        llm_base_url = await self._start_mock_llm(stack)
        wiring = stack_env.StackWiring(
            home=self.home.root,
            nats_url=nats_url,
            nats_passwords=passwords,
            database_url=database_url,
            jwks_url=jwks_url,
            admin_api_key=read_or_create_secret(self.home.secrets / "admin-api-key", 32),
            api_host=self.config.api_host,
            api_port=self.config.api_port,
            llm_base_url=llm_base_url,
        )
        stack.push_async_callback(self._stop_children)
        for name in stack_env.START_ORDER:
            self._start_service(name, wiring)
        await asyncio.gather(*(child.wait_first_attempt() for child in self._children))
        return wiring

    async def _start_nats(self, stack: AsyncExitStack) -> tuple[str, dict[str, str]]:
        passwords = nats_auth.write_config(self.home.nats_config, self.home.jetstream, self.home.secrets)
        server = NatsServer(store_dir=self.home.jetstream, config_file=self.home.nats_config)
        child = self._child("nats", server.command(), dict(self.config.environ))
        child.start()
        stack.push_async_callback(child.stop)  # stopped after everything else
        await asyncio.to_thread(server.wait_ready, 30.0)
        log.info("nats: ready on %s", server.url)
        settings = NatsSettings(url=server.url, user=nats_auth.PROVISIONER, password=passwords[nats_auth.PROVISIONER])
        client = await connect(settings, name="cheatcode-provisioner")
        try:
            await ensure_streams(client.jetstream(), ALL_STREAMS)
        finally:
            await client.close()
        log.info("nats: streams %s provisioned", ", ".join(spec.name for spec in ALL_STREAMS))
        return server.url, passwords

    async def _start_postgres(self, stack: AsyncExitStack) -> str:
        server = PostgresServer(data_dir=self.home.postgres, log_file=self.home.log_file("postgres"))
        await asyncio.to_thread(server.start)
        stack.push_async_callback(self._stop_postgres, server)
        database_url = await server.ensure_database(DATABASE)
        log.info("postgres: ready on 127.0.0.1:%d (database %s)", server.port, DATABASE)
        return database_url

    async def _start_dev_issuer(self, stack: AsyncExitStack) -> str:
        issuer = await asyncio.to_thread(DevIssuer.load_or_create, self.home.dev_issuer)
        server = JwksServer(issuer.jwks())
        await server.start()
        stack.push_async_callback(server.stop)
        write_jwks_url(self.home.dev_issuer, server.url)
        log.info("dev issuer: JWKS at %s (kid %s)", server.url, issuer.kid)
        return server.url

    async def _start_mock_llm(self, stack: AsyncExitStack) -> str | None:
        from cheatcode_infra.cli import command_names

        if not self.config.with_mock_llm or not stack_env.needs_mock_llm(self.config.environ):
            return None
        if "mock-llm" not in command_names():
            log.info("mock-llm: not available yet; agent runs need OPENROUTER_API_KEY or LLM_BASE_URL")
            return None
        port = free_port()
        argv = [sys.executable, "-m", "cheatcode_infra", "mock-llm", "--port", str(port)]
        child = self._child("mock-llm", argv, {**self.config.environ, "PYTHONUNBUFFERED": "1"})
        child.start()
        stack.push_async_callback(child.stop)
        return f"http://127.0.0.1:{port}/v1"

    @staticmethod
    async def _stop_postgres(server: PostgresServer) -> None:
        await asyncio.to_thread(server.stop)
        log.info("postgres: stopped")

    def _start_service(self, name: str, wiring: stack_env.StackWiring) -> None:
        reason = stack_env.missing_reason(name)
        if reason is not None:
            log.warning("%s: skipped (%s)", name, reason)
            return
        env = stack_env.service_env(name, wiring, self.config.environ)
        self._child(name, stack_env.service_argv(name), env).start()

    def _child(self, name: str, argv: list[str], env: dict[str, str]) -> SupervisedChild:
        spec = ChildSpec(name=name, argv=argv, env=env, log_file=self.home.log_file(name))
        child = SupervisedChild(spec, stop_timeout=self.config.stop_timeout)
        self._children.append(child)
        return child

    async def _stop_children(self) -> None:
        """Services (and the mock model) at once; NATS is stopped last by its own callback."""
        services = [child for child in self._children if child.spec.name != "nats"]
        await asyncio.gather(*(child.stop() for child in services))

    def _write_state(self, wiring: stack_env.StackWiring) -> None:
        state = {
            "supervisor_pid": os.getpid(),
            "api_url": f"http://{wiring.api_host}:{wiring.api_port}",
            "nats_url": wiring.nats_url,
            "database_url": wiring.database_url,
            "jwks_url": wiring.jwks_url,
            "llm_base_url": wiring.llm_base_url,
            "children": {child.spec.name: child.pid for child in self._children},
        }
        self.home.state_file.write_text(json.dumps(state, indent=2) + "\n")

    def _announce(self, wiring: stack_env.StackWiring) -> None:
        token_hint = ".venv/bin/cheatcode dev-token --user <id>"
        if self.home.root != Path.cwd() / ".cheatcode":
            token_hint = f"CHEATCODE_HOME={self.home.root} {token_hint}"
        print(
            f"{READY_LINE}\n"
            f"  API        http://{wiring.api_host}:{wiring.api_port}/api/health\n"
            f"  token      {token_hint} [--email <e>]\n"
            f"  admin key  {self.home.secrets / 'admin-api-key'}\n"
            f"  logs       {self.home.logs}/\n"
            f"Ctrl-C stops everything.",
            flush=True,
        )


def setup_logging(home: StackHome) -> None:
    home.logs.mkdir(parents=True, exist_ok=True)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(message)s")
    logger = logging.getLogger("cheatcode.up")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    for handler in (logging.StreamHandler(sys.stderr), logging.FileHandler(home.log_file("supervisor"))):
        handler.setFormatter(formatter)
        logger.addHandler(handler)
