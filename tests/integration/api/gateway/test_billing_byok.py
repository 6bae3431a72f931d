"""BYOK over HTTP: 403 off the byok plan, the key sealed, never returned, unrecoverable after DELETE.

API + billing (secrets box over its real NATS KV bucket) + the OpenRouter key-check double.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from nats.aio.client import Client
from pydantic import SecretStr

from cheatcode_billing.domain.byok import secret_id
from cheatcode_billing.payments_config import PaymentSettings
from cheatcode_contracts.billing import ByokKeyStored, ChangePlan, ResolveRunLlmKey, RunLlmKey, account_subject
from cheatcode_infra.doubles.openrouter_keys import OpenRouterKeysDouble
from cheatcode_infra.doubles.serving import BackgroundServer
from cheatcode_infra.nats_server import NatsServer
from cheatcode_runtime.secrets import SecretBox, SecretDestroyedError, generate_master_key
from cheatcode_runtime.secrets.nats_kv import NatsKvKeyStore
from tests.integration.api.gateway.conftest import api_settings, running_api, token
from tests.support.billing_service import running_billing
from tests.support.clerk_double import JwksDouble
from tests.support.requests import send_command

MASTER = generate_master_key()
BUCKET = "billing_secret_keys_byok_http"
KEY = "sk-or-v1-" + "7e57" * 16
PATHS = [("POST", ""), ("GET", "/status"), ("DELETE", ""), ("POST", "/test")]


@pytest.fixture(scope="module")
async def openrouter() -> AsyncIterator[OpenRouterKeysDouble]:
    double = OpenRouterKeysDouble()
    server = BackgroundServer(double.app())
    await server.start()
    double.url = f"{server.url}/api/v1"  # type: ignore[attr-defined]
    yield double
    await server.stop()


@pytest.fixture(scope="module")
async def api(
    nats_server: NatsServer, nats_client: Client, database_url: str, jwks: JwksDouble, openrouter: OpenRouterKeysDouble
) -> AsyncIterator[httpx.AsyncClient]:
    payments = PaymentSettings(
        encryption_key=SecretStr(MASTER),
        secret_keys_bucket=BUCKET,
        openrouter_url=openrouter.url,  # type: ignore[attr-defined]
    )
    async with (
        running_billing(nats_server.url, nats_client, payments),
        running_api(api_settings(nats_server, database_url, jwks)) as (client, _),
    ):
        yield client


async def call(api: httpx.AsyncClient, method: str, path: str, user: str, body: object = None) -> httpx.Response:
    url = f"/api/billing/openrouter-key{path}"
    return await api.request(method, url, json=body if method == "POST" else None, headers=token(user))


async def on_byok(nats_client: Client, user: str) -> None:
    reply = await send_command(nats_client, ChangePlan(user_id=user, plan_id="byok", reason="test", source="admin"))
    assert reply.ok, reply.error


async def log_bytes(nats_client: Client, user: str) -> bytes:
    """Every stored message of the user's account, raw."""
    js = nats_client.jetstream()
    sub = await js.subscribe(account_subject(user), ordered_consumer=True)
    data = b""
    try:
        while True:
            try:
                msg = await sub.next_msg(timeout=0.5)
            except Exception:
                return data
            data += msg.data + b"\n"
    finally:
        await sub.unsubscribe()


@pytest.mark.parametrize(("method", "path"), PATHS)
async def test_every_key_route_is_403_off_the_byok_plan(api: httpx.AsyncClient, method: str, path: str) -> None:
    response = await call(api, method, path, "free_user", {"api_key": KEY})
    assert response.status_code == 403
    assert response.json() == {"detail": "BYOK functionality requires upgrade to BYOK plan. Current plan: free"}


async def test_bad_keys_are_400_and_no_input_is_echoed(api: httpx.AsyncClient, nats_client: Client) -> None:
    await on_byok(nats_client, "byok_bad")
    short = await call(api, "POST", "", "byok_bad", {"api_key": "sk-or-v1-123"})
    assert short.status_code == 400 and "format" in short.json()["detail"]
    unknown = await call(api, "POST", "", "byok_bad", {"api_key": "sk-or-v1-dead" + "0" * 60})
    assert unknown.status_code == 400
    assert unknown.json() == {"detail": "API key validation failed: Invalid OpenRouter API key or expired session"}
    wrong_type = await call(api, "POST", "", "byok_bad", {"api_key": 12, "display_name": KEY})
    assert wrong_type.status_code == 422 and KEY not in wrong_type.text


async def test_a_byok_key_works_is_never_returned_and_is_gone_for_good_after_delete(
    api: httpx.AsyncClient, nats_client: Client, database_url: str, openrouter: OpenRouterKeysDouble
) -> None:
    user = "byok_user"
    await on_byok(nats_client, user)
    tested = await call(api, "POST", "/test", user, {"api_key": KEY})
    assert tested.json() == {"success": True, "message": "OpenRouter API key is valid and working", "error": None}
    stored = await call(api, "POST", "", user, {"api_key": KEY, "display_name": "Work key"})
    assert stored.status_code == 200, stored.text
    assert stored.json()["success"] is True and stored.json()["message"] == "OpenRouter API key stored successfully"
    status = await call(api, "GET", "/status", user)
    assert status.json()["has_key"] is True and status.json()["display_name"] == "Work key"
    for response in (tested, stored, status):
        assert KEY not in response.text
    assert openrouter.requests[-1] == KEY  # the live check used it

    # The agent's view: the run's key, decrypted (only the agent may send this command).
    run = RunLlmKey.model_validate((await send_command(nats_client, ResolveRunLlmKey(user_id=user))).result)
    assert run.byok and run.api_key is not None and run.api_key.get_secret_value() == KEY

    # The log holds the ciphertext and a hash, never the key.
    raw = await log_bytes(nats_client, user)
    assert KEY.encode() not in raw
    stored_events = [json.loads(line) for line in raw.splitlines() if b'"ciphertext"' in line]
    assert len(stored_events) == 1
    event = ByokKeyStored.model_validate(stored_events[0])

    deleted = await call(api, "DELETE", "", user)
    assert deleted.json() == {"success": True, "message": "OpenRouter API key deleted successfully"}
    assert (await call(api, "GET", "/status", user)).json()["has_key"] is False

    # Crypto-shredding: with the master key and everything the log and read models hold, nothing opens.
    keystore = await NatsKvKeyStore.open(nats_client.jetstream(), BUCKET)
    with pytest.raises(SecretDestroyedError):
        await SecretBox(keystore, [MASTER]).open(secret_id(event.key_id), event.ciphertext)
    assert KEY.encode() not in await log_bytes(nats_client, user)
    connection = await asyncpg.connect(database_url)
    try:
        tables = [
            r["tablename"]
            for r in await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]
        for table in tables:
            rows = await connection.fetch(
                f'SELECT t::text AS row FROM "{table}" t'
            )  # table names come from the catalog
            assert not any(KEY in r["row"] for r in rows), table
    finally:
        await connection.close()
    run = RunLlmKey.model_validate((await send_command(nats_client, ResolveRunLlmKey(user_id=user))).result)
    assert run.byok and run.api_key is None
