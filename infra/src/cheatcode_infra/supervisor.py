"""``cheatcode up``: the whole stack on this machine, every part its own process.

Start order: NATS (one server, or a loopback cluster of N, with per-service users) →
streams and KV buckets (as ``provisioner``, at N replicas) → PostgreSQL → dev JWT issuer →
mock model (when no LLM is configured) → services, API last. Stop order is the reverse.
Every process, NATS nodes and PostgreSQL included, is a supervised child: restarted with
backoff when it dies, after which ``stack.json`` is rewritten with its new pid.
Everything lives under the home dir, so a second run reuses it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import signal
import sys
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

from cheatcode_contracts.streams import ALL_STREAMS
from cheatcode_infra import mail_sink, nats_auth, nats_cluster, preflight, stack_env, system_deps
from cheatcode_infra.dev_issuer import DevIssuer, write_jwks_url
from cheatcode_infra.free_ports import free_port
from cheatcode_infra.home import StackHome
from cheatcode_infra.jwks_server import JwksServer
from cheatcode_infra.postgres_server import PostgresServer
from cheatcode_infra.processes import ChildSpec, SupervisedChild
from cheatcode_infra.provisioning import provision
from cheatcode_infra.secret_files import read_or_create_encryption_key, read_or_create_secret
from cheatcode_runtime.nats import NatsSettings, connect

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
    nats_cluster: int = 1  # NATS servers; more than one is a loopback cluster, streams at that many replicas
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))


class Supervisor:
    def __init__(self, config: UpConfig) -> None:
        self.config = config
        self.home = config.home
        self._stop = asyncio.Event()
        self._children: dict[str, SupervisedChild] = {}  # every process, in start order
        self._services: list[SupervisedChild] = []
        self._nats_urls: list[str] = []
        self._wiring: stack_env.StackWiring | None = None  # set once up: from then on restarts rewrite stack.json

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
            self._wiring = wiring
            self._write_state()
            self._announce(wiring)
            await self._stop.wait()
        log.info("stack stopped")

    async def _start_everything(self, stack: AsyncExitStack) -> stack_env.StackWiring:
        self.home.ensure()
        _warn_missing_system_packages()
        passwords = await self._start_nats(stack)
        database_url = await self._start_postgres(stack)
        jwks_url = await self._start_dev_issuer(stack)
        llm_base_url = await self._start_mock_llm(stack)
        self.config.environ.update(await self._start_mail_sink(stack))  # SMTP for the services
        self.config.environ.update(await self._start_polar_double(stack))  # Polar for billing, when none is set
        wiring = stack_env.StackWiring(
            home=self.home.root,
            nats_url=",".join(self._nats_urls),
            nats_passwords=passwords,
            database_url=database_url,
            jwks_url=jwks_url,
            admin_api_key=read_or_create_secret(self.home.secrets / "admin-api-key", 32),
            api_host=self.config.api_host,
            api_port=self.config.api_port,
            llm_base_url=llm_base_url,
            encryption_key=read_or_create_encryption_key(self.home.secrets / "encryption-key"),
            metrics_ports={name: free_port() for name in stack_env.START_ORDER},
        )
        stack.push_async_callback(self._stop_services)
        for name in stack_env.START_ORDER:
            self._start_service(name, wiring)
        await asyncio.gather(*(child.wait_first_attempt() for child in self._children.values()))
        return wiring

    async def _start_nats(self, stack: AsyncExitStack) -> dict[str, str]:
        size = self.config.nats_cluster
        passwords = nats_auth.load_passwords(self.home.secrets)
        nodes = nats_cluster.configure(self.home, size, passwords)
        for node in nodes:
            child = self._child(node.name, node.server.command(), dict(self.config.environ))
            child.start()
            stack.push_async_callback(child.stop)  # stopped after everything else
        clustered = size > 1
        await asyncio.gather(*(asyncio.to_thread(n.server.wait_ready, 30.0, clustered=clustered) for n in nodes))
        self._nats_urls = nats_cluster.client_urls(nodes)
        log.info("nats: ready on %s", ", ".join(self._nats_urls))
        provisioner = nats_auth.PROVISIONER
        settings = NatsSettings(url=",".join(self._nats_urls), user=provisioner, password=passwords[provisioner])
        client = await connect(settings, name="cheatcode-provisioner")
        try:
            await provision(client, replicas=size)
        finally:
            await client.close()
        log.info("nats: streams %s provisioned at %d replica(s)", ", ".join(s.name for s in ALL_STREAMS), size)
        return passwords

    async def _start_postgres(self, stack: AsyncExitStack) -> str:
        server = PostgresServer(data_dir=self.home.postgres, log_file=self.home.log_file("postgres"))
        await asyncio.to_thread(server.prepare)
        # SIGINT is PostgreSQL's fast shutdown. Its backends are not in its process group (each
        # is a session leader): they follow the postmaster's death on their own.
        child = self._child("postgres", server.command(), dict(self.config.environ), stop_signal=signal.SIGINT)
        child.start()
        stack.push_async_callback(child.stop)
        await server.wait_ready(60.0)
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

    async def _start_mail_sink(self, stack: AsyncExitStack) -> dict[str, str]:
        """Without ``CHEATCODE_SMTP_HOST``: a local SMTP sink keeping .eml files under ``$CHEATCODE_HOME/mail``."""
        sink = mail_sink.plan(self.config.environ, self.home.root)
        if sink is None:
            return {}
        child = self._child("mail-sink", sink.argv, {**self.config.environ, "PYTHONUNBUFFERED": "1"})
        child.start()
        stack.push_async_callback(child.stop)
        log.info("mail sink: %s (as .eml files)", sink.directory)
        return sink.env

    async def _start_polar_double(self, stack: AsyncExitStack) -> dict[str, str]:
        """Without ``POLAR_ACCESS_TOKEN``: the local Polar double (cheatcode_infra.doubles.polar_local)."""
        from cheatcode_infra.doubles import polar_local

        api_url = f"http://{self.config.api_host}:{self.config.api_port}"
        local = polar_local.plan(self.config.environ, self.home.secrets, api_url)
        if local is None:
            return {}
        child = self._child("polar-double", local.argv, {**self.config.environ, **local.env, "PYTHONUNBUFFERED": "1"})
        child.start()
        stack.push_async_callback(child.stop)
        log.info(
            "polar: local double on %s (webhook secret in %s)", local.url, self.home.secrets / "polar-webhook-secret"
        )
        return local.env

    def _start_service(self, name: str, wiring: stack_env.StackWiring) -> None:
        reason = stack_env.missing_reason(name)
        if reason is not None:
            log.warning("%s: skipped (%s)", name, reason)
            return
        env = stack_env.service_env(name, wiring, self.config.environ)
        child = self._child(name, stack_env.service_argv(name), env)
        self._services.append(child)
        child.start()

    def _child(
        self, name: str, argv: list[str], env: dict[str, str], *, stop_signal: signal.Signals = signal.SIGTERM
    ) -> SupervisedChild:
        spec = ChildSpec(name=name, argv=argv, env=env, log_file=self.home.log_file(name), stop_signal=stop_signal)
        child = SupervisedChild(spec, stop_timeout=self.config.stop_timeout, on_start=self._child_started)
        self._children[name] = child
        return child

    def _child_started(self, _pid: int) -> None:
        if self._wiring is not None:  # a restart once up: the pids in stack.json must stay true
            self._write_state()

    async def _stop_services(self) -> None:
        """Services at once; the mock model, PostgreSQL and NATS are stopped after them by their own callbacks."""
        await asyncio.gather(*(child.stop() for child in self._services))

    def _write_state(self) -> None:
        """Endpoints, and each process's pid, log and restarts; replaced whole, never seen half-written."""
        wiring = self._wiring
        if wiring is None:
            return
        state = {
            "supervisor_pid": os.getpid(),
            "api_url": f"http://{wiring.api_host}:{wiring.api_port}",
            "nats_url": wiring.nats_url,  # comma-separated when clustered, as the services get it
            "nats_urls": self._nats_urls,
            "database_url": wiring.database_url,
            "jwks_url": wiring.jwks_url,
            "llm_base_url": wiring.llm_base_url,
            "children": {name: child.pid for name, child in self._children.items()},
            "logs": {name: str(child.spec.log_file) for name, child in self._children.items()},
            "restarts": {name: child.restarts for name, child in self._children.items()},
            "metrics": {name: url for name in self._children if (url := wiring.metrics_url(name))},
        }
        partial = self.home.state_file.with_name(f"{self.home.state_file.name}.tmp")
        partial.write_text(json.dumps(state, indent=2) + "\n")
        partial.replace(self.home.state_file)

    def _announce(self, wiring: stack_env.StackWiring) -> None:
        token_hint = ".venv/bin/cheatcode dev-token --user <id>"
        if self.home.root != Path.cwd() / ".cheatcode":
            token_hint = f"CHEATCODE_HOME={self.home.root} {token_hint}"
        # One line per process and where its log is; a metrics URL joins a line once the process serves one.
        width = max(len(name) for name in self._children)
        processes = [_process_line(name, child, width, wiring) for name, child in self._children.items()]
        print(
            f"{READY_LINE}\n"
            f"  API        http://{wiring.api_host}:{wiring.api_port}/api/health\n"
            f"  NATS       {wiring.nats_url}\n"
            f"  token      {token_hint} [--email <e>]\n"
            f"  admin key  {self.home.secrets / 'admin-api-key'}\n"
            f"  state      {self.home.state_file} (pids rewritten whenever a process is restarted)\n"
            f"  processes  (each restarted when it dies; supervisor log {self.home.log_file('supervisor')})\n"
            + "\n".join(processes)
            + "\nCtrl-C stops everything.",
            flush=True,
        )


def _process_line(name: str, child: SupervisedChild, width: int, wiring: stack_env.StackWiring) -> str:
    url = wiring.metrics_url(name)
    return f"    {name:<{width}}  log {child.spec.log_file}" + (f"  metrics {url}" if url else "")


def _warn_missing_system_packages() -> None:
    """``make up`` installs them first; a bare ``cheatcode up`` starts anyway and says what is missing."""
    for package in system_deps.REQUIRED:
        if shutil.which(package.executable) is None:
            log.warning("%s is missing: %s; run `make up`, or: sudo apt-get install -y %s",
                        package.executable, package.why, package.apt_package)  # fmt: skip


def setup_logging(home: StackHome) -> None:
    home.logs.mkdir(parents=True, exist_ok=True)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(message)s")
    logger = logging.getLogger("cheatcode.up")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    for handler in (logging.StreamHandler(sys.stderr), logging.FileHandler(home.log_file("supervisor"))):
        handler.setFormatter(formatter)
        logger.addHandler(handler)
