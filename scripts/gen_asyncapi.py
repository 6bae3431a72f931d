"""Write the AsyncAPI 3.0 document of every faststream service to ``docs/asyncapi/<service>.json``.

Each service's app is built by its own composition root, without connecting, from fixed
settings: the documents describe the code, not the machine they were generated on.
``tests/unit/docs/test_asyncapi_drift.py`` fails when the committed files differ.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from faststream import FastStream

from cheatcode_runtime.nats import NatsSettings

DOCS_DIR = Path(__file__).resolve().parent.parent / "docs" / "asyncapi"
DOCS_NATS = NatsSettings(url="nats://localhost:4222")
# Variables that could change what a composition root builds.
MACHINE_ENV_PREFIXES = ("CHEATCODE_", "LLM_", "OPENROUTER_")


def agent_app(root: Path) -> FastStream:
    from cheatcode_agent.config import Settings
    from cheatcode_agent.entrypoint.bootstrap import build

    return build(Settings(instance_id="docs", nats=DOCS_NATS)).app


def sandbox_app(root: Path) -> FastStream:
    from cheatcode_sandbox.config import Settings
    from cheatcode_sandbox.entrypoint.bootstrap import build

    return build(Settings(instance_id="docs", nats=DOCS_NATS, sandbox_root=root)).host.app


def billing_app(root: Path) -> FastStream:
    from cheatcode_billing.config import Settings
    from cheatcode_billing.entrypoint.bootstrap import build

    return build(Settings(instance_id="docs", nats=DOCS_NATS)).app


def integrations_app(root: Path) -> FastStream:
    from cheatcode_integrations.config import Settings
    from cheatcode_integrations.entrypoint.bootstrap import build

    return build(Settings(instance_id="docs", nats=DOCS_NATS)).app


# The API has no faststream app: it sends commands and reads streams with nats-py.
APPS: dict[str, Callable[[Path], FastStream]] = {
    "agent": agent_app,
    "sandbox": sandbox_app,
    "billing": billing_app,
    "integrations": integrations_app,
}


@contextmanager
def without_machine_env() -> Iterator[None]:
    saved = {key: value for key, value in os.environ.items() if key.startswith(MACHINE_ENV_PREFIXES)}
    for key in saved:
        del os.environ[key]
    try:
        yield
    finally:
        os.environ.update(saved)


@contextmanager
def quiet() -> Iterator[None]:
    """Building a service may log about the machine (the sandbox checks bwrap): not docs news."""
    logging.disable(logging.CRITICAL)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)


def render(app: FastStream) -> str:
    document = json.loads(app.schema.to_specification().to_json())
    # Sorted: faststream keeps subscribers in a WeakSet, so its own order changes between runs.
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_all() -> dict[str, str]:
    """``{service: document text}`` for every service, built in a throwaway directory."""
    with without_machine_env(), quiet(), tempfile.TemporaryDirectory(prefix="asyncapi-") as scratch:
        return {service: render(build(Path(scratch))) for service, build in APPS.items()}


def main() -> int:
    DOCS_DIR.mkdir(parents=True, exist_ok=True)
    for service, text in render_all().items():
        path = DOCS_DIR / f"{service}.json"
        path.write_text(text)
        print(f"wrote {path.relative_to(DOCS_DIR.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
