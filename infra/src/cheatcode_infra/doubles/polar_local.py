"""``make up`` without ``POLAR_ACCESS_TOKEN``: the local Polar double, wired into billing.

Like the mock model for the LLM, it lets a newcomer go through a paid upgrade end to end: the
checkout URL opens the double's page, its "Pay" button sends the signed ``subscription.created``
and ``subscription.active`` webhooks to the API. The access token and the webhook secret are
generated once into ``$CHEATCODE_HOME/secrets`` (``polar-local-token``, ``polar-webhook-secret``),
so a test or a curl can sign deliveries too. The products are :data:`polar.LOCAL_PRODUCTS`.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cheatcode_infra.doubles.polar import LOCAL_PRODUCTS
from cheatcode_infra.free_ports import free_port
from cheatcode_infra.secret_files import read_or_create_secret

WEBHOOK_SECRET_FILE = "polar-webhook-secret"
TOKEN_FILE = "polar-local-token"
PRODUCT_ENV = {"pro": "POLAR_PRODUCT_ID_PRO", "premium": "POLAR_PRODUCT_ID_PREMIUM", "byok": "POLAR_PRODUCT_ID_BYOK"}


@dataclass(frozen=True)
class LocalPolar:
    argv: list[str]
    env: dict[str, str]  # what billing (and the double itself) read
    url: str


def plan(environ: Mapping[str, str], secrets_dir: Path, api_base_url: str) -> LocalPolar | None:
    """The double to start, or None when a real Polar is configured."""
    if environ.get("POLAR_ACCESS_TOKEN"):
        return None
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        "POLAR_SERVER_URL": url,
        "POLAR_ACCESS_TOKEN": read_or_create_secret(secrets_dir / TOKEN_FILE, 24),
        "POLAR_WEBHOOK_SECRET": environ.get("POLAR_WEBHOOK_SECRET")
        or read_or_create_secret(secrets_dir / WEBHOOK_SECRET_FILE, 32),
    }
    for product in LOCAL_PRODUCTS:
        plan_id = product.product_id.removeprefix("prod_local_")
        env[PRODUCT_ENV[plan_id]] = product.product_id
    webhook_url = f"{api_base_url.rstrip('/')}/api/webhooks/polar"
    argv = [sys.executable, "-m", "cheatcode_infra", "polar-double", "--port", str(port), "--webhook-url", webhook_url]
    return LocalPolar(argv=argv, env=env, url=url)
