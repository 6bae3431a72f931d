"""What each service process gets: its command line and its environment.

The environment is the contract between the supervisor and the services (COMMON.md).
Values the operator already exported win for the optional ones (a real Clerk JWKS, an
LLM key, an admin key, a sandbox root); the wiring of this stack (NATS, database, port)
is always set by the supervisor.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cheatcode_infra import dev_issuer
from cheatcode_infra.nats_auth import SERVICES

# Start order: the API last, so the services it pings are already up.
START_ORDER: tuple[str, ...] = tuple(sorted(SERVICES, key=lambda name: name == "api"))
LLM_SERVICES = frozenset({"agent", "api"})
SECRET_BOX_SERVICES = frozenset({"billing", "integrations"})  # they seal secrets (CHEATCODE_ENCRYPTION_KEY)


def service_module(name: str) -> str:
    return f"cheatcode_{name}"


def missing_reason(name: str) -> str | None:
    """Why ``python -m cheatcode_<name>`` cannot run yet, or None when it can."""
    module = service_module(name)
    try:
        if importlib.util.find_spec(module) is None:
            return f"package {module} is not installed"
        if importlib.util.find_spec(f"{module}.__main__") is None:
            return f"{module} has no __main__ module"
    except Exception as error:  # a half-written package must not stop the others
        return f"{module} cannot be imported: {error!r}"
    return None


def service_argv(name: str) -> list[str]:
    return [sys.executable, "-m", service_module(name)]


@dataclass(frozen=True)
class StackWiring:
    home: Path
    nats_url: str
    nats_passwords: Mapping[str, str]
    database_url: str
    jwks_url: str
    admin_api_key: str
    api_host: str
    api_port: int
    llm_base_url: str | None  # the local mock model, when it runs
    encryption_key: str = ""  # master key list of the secrets box, from secrets/encryption-key
    metrics_ports: Mapping[str, int] = field(default_factory=dict)  # service -> its /metrics port

    def metrics_url(self, name: str) -> str | None:
        port = self.metrics_ports.get(name)
        return f"http://127.0.0.1:{port}/metrics" if port else None


def service_env(name: str, wiring: StackWiring, base: Mapping[str, str]) -> dict[str, str]:
    env = dict(base)
    env.update(
        PYTHONUNBUFFERED="1",
        CHEATCODE_HOME=str(wiring.home),
        CHEATCODE_NATS_URL=wiring.nats_url,
        CHEATCODE_NATS_USER=name,
        CHEATCODE_NATS_PASSWORD=wiring.nats_passwords[name],
    )
    if name in wiring.metrics_ports:
        env.setdefault("CHEATCODE_METRICS_PORT", str(wiring.metrics_ports[name]))
    if name == "api":
        env.update(
            CHEATCODE_DATABASE_URL=wiring.database_url,
            CHEATCODE_API_PORT=str(wiring.api_port),
        )
        env.setdefault("CHEATCODE_API_HOST", wiring.api_host)
        env.setdefault("CHEATCODE_ADMIN_API_KEY", wiring.admin_api_key)
        if not env.get("CHEATCODE_JWKS_URL"):
            env.update(
                CHEATCODE_JWKS_URL=wiring.jwks_url,
                CHEATCODE_JWT_ISSUER=dev_issuer.ISSUER,
                CHEATCODE_JWT_AUTHORIZED_PARTIES=dev_issuer.AUTHORIZED_PARTY,
            )
    if name == "sandbox":
        env.setdefault("CHEATCODE_SANDBOX_ROOT", str(wiring.home / "sandboxes"))
    if name in SECRET_BOX_SERVICES and wiring.encryption_key:
        env.setdefault("CHEATCODE_ENCRYPTION_KEY", wiring.encryption_key)
    if name in LLM_SERVICES and wiring.llm_base_url is not None:
        env.update(LLM_BASE_URL=wiring.llm_base_url, LLM_API_KEY="mock")
    return env


def needs_mock_llm(environ: Mapping[str, str]) -> bool:
    return not environ.get("OPENROUTER_API_KEY") and not environ.get("LLM_BASE_URL")
