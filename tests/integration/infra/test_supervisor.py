"""``cheatcode up`` as a real process: everything comes up, stops cleanly, and keeps its data."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import jwt
import nats
import pytest
from nats.aio.client import Client

from cheatcode_contracts.streams import ALL_STREAMS, EVENTS
from cheatcode_infra.dev_issuer import ISSUER
from tests.support.stack import Stack, StackError, processes_mentioning


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(tmp_path_factory.mktemp("stack")) / "home"


@pytest.fixture(scope="module")
def first_run(home: Path) -> Iterator[Stack]:
    stack = Stack(home)
    stack.start(wait_for_api=False)
    yield stack
    stack.stop()


async def _connect(stack: Stack, user: str) -> Client:
    return await nats.connect(stack.state()["nats_url"], user=user, password=stack.nats_password(user))


async def test_nats_runs_with_per_service_users_and_provisioned_streams(first_run: Stack) -> None:
    client = await _connect(first_run, "agent")
    try:
        js = client.jetstream()
        for spec in ALL_STREAMS:
            assert (await js.stream_info(spec.name)).config.name == spec.name
        await js.publish("cc.evt.project.kept", b"first run", stream=EVENTS.name, timeout=5)
    finally:
        await client.close()
    with pytest.raises(nats.errors.Error):
        await nats.connect(first_run.state()["nats_url"], allow_reconnect=False, connect_timeout=2)


async def test_postgres_serves_the_cheatcode_database(first_run: Stack) -> None:
    url = first_run.state()["database_url"]
    assert url.endswith("/cheatcode")
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("CREATE TABLE kept (body text); INSERT INTO kept VALUES ('first run')")
    finally:
        await connection.close()


async def test_dev_issuer_serves_a_jwks_that_verifies_dev_tokens(first_run: Stack) -> None:
    jwks_url = first_run.state()["jwks_url"]
    assert (first_run.paths.dev_issuer / "jwks_url").read_text().strip() == jwks_url
    async with httpx.AsyncClient() as client:
        assert (await client.get(jwks_url)).json()["keys"]
    token = first_run.token("user_1", email="u@example.com")
    key = await asyncio.to_thread(lambda: jwt.PyJWKClient(jwks_url).get_signing_key_from_jwt(token).key)
    assert jwt.decode(token, key, algorithms=["RS256"], issuer=ISSUER)["sub"] == "user_1"


def test_secrets_are_owner_only(first_run: Stack) -> None:
    secrets = sorted(first_run.paths.secrets.iterdir())
    assert {path.name for path in secrets} >= {"admin-api-key", "nats-provisioner.password", "nats-api.password"}
    assert all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in secrets)
    assert stat.S_IMODE(first_run.paths.nats_config.stat().st_mode) == 0o600


def test_one_log_per_process_and_the_console_says_where(first_run: Stack) -> None:
    names = {path.stem for path in first_run.paths.logs.glob("*.log")}
    assert {"supervisor", "nats", "postgres"} <= names
    console = first_run.console_log.read_text()
    for name, log_file in first_run.state()["logs"].items():
        assert f"log {log_file}" in console, name
    assert set(first_run.state()["children"]) >= {"nats", "postgres"}


def test_sigterm_stops_every_process(first_run: Stack, home: Path) -> None:
    assert processes_mentioning(home)  # the check below can see them while they run
    assert first_run.stop() == 0
    assert processes_mentioning(home) == {}
    assert not first_run.paths.state_file.exists()


async def test_second_run_reuses_everything_and_restarts_a_dead_child(home: Path) -> None:
    first_key = (home / "dev-issuer" / "private_key.pem").read_bytes()
    stack = Stack(home)
    stack.start(wait_for_api=False)
    try:
        assert (home / "dev-issuer" / "private_key.pem").read_bytes() == first_key
        await _assert_data_kept(stack)
        await _assert_nats_restarted_after_crash(stack)
        await _assert_postgres_restarted_after_kill(stack)
    finally:
        assert stack.stop() == 0
    assert processes_mentioning(home) == {}


async def _assert_data_kept(stack: Stack) -> None:
    connection = await asyncpg.connect(stack.state()["database_url"])
    try:
        assert await connection.fetchval("SELECT body FROM kept") == "first run"
    finally:
        await connection.close()
    client = await _connect(stack, "api")
    try:
        message = await client.jetstream().get_last_msg(EVENTS.name, "cc.evt.project.kept")
        assert message.data == b"first run"
    finally:
        await client.close()


async def _assert_nats_restarted_after_crash(stack: Stack) -> None:
    state: dict[str, Any] = stack.state()
    reconnected = asyncio.Event()

    async def on_reconnect() -> None:
        reconnected.set()

    client = await nats.connect(
        state["nats_url"],
        user="api",
        password=stack.nats_password("api"),
        reconnected_cb=on_reconnect,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.2,
    )
    try:
        os.kill(state["children"]["nats"], signal.SIGKILL)
        await asyncio.wait_for(reconnected.wait(), 30)
        message = await client.jetstream().get_last_msg(EVENTS.name, "cc.evt.project.kept")
        assert message.data == b"first run"
    finally:
        await client.close()
    assert "nats: exited unexpectedly" in (stack.paths.logs / "supervisor.log").read_text()
    await _until(lambda: stack.state()["children"]["nats"] != state["children"]["nats"], "stack.json's new NATS pid")
    assert stack.state()["nats_url"] == state["nats_url"]  # same port: every client's URL stays true
    assert stack.state()["restarts"]["nats"] == 1


async def _until(condition: Any, what: str, within: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {within:.0f}s: {what}")
        await asyncio.sleep(0.1)


async def _assert_postgres_restarted_after_kill(stack: Stack) -> None:
    """kill -9 of the postmaster: the supervisor restarts it, the data survives, within 30 s."""
    state: dict[str, Any] = stack.state()
    postmaster = state["children"]["postgres"]
    command = await asyncio.to_thread(Path(f"/proc/{postmaster}/cmdline").read_bytes)
    assert b"postgres" in command  # the postmaster itself, not a wrapper
    killed_at = asyncio.get_running_loop().time()
    os.kill(postmaster, signal.SIGKILL)
    await _until(lambda: stack.state()["children"]["postgres"] != postmaster, "stack.json's new postmaster pid")
    connection = None
    while connection is None:
        try:
            connection = await asyncpg.connect(state["database_url"], timeout=2)
        except (OSError, asyncpg.PostgresError, TimeoutError):
            assert asyncio.get_running_loop().time() - killed_at < 30, "PostgreSQL not back within 30 s"
            await asyncio.sleep(0.1)
    try:
        assert await connection.fetchval("SELECT body FROM kept") == "first run"
    finally:
        await connection.close()
    assert stack.state()["database_url"] == state["database_url"]
    assert "postgres: exited unexpectedly" in (stack.paths.logs / "supervisor.log").read_text()


def test_a_busy_api_port_fails_fast_with_a_clear_message(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        stack = Stack(tmp_path / "home", api_port=taken.getsockname()[1])
        with pytest.raises(StackError, match="CHEATCODE_API_PORT"):
            stack.start(wait_for_api=False, timeout=30)
    assert stack.stop() == 1
    assert "CHEATCODE_API_PORT" in (tmp_path / "home" / "logs" / "supervisor.log").read_text()
    assert processes_mentioning(tmp_path / "home") == {}


def test_a_second_up_on_the_same_home_is_refused(tmp_path: Path) -> None:
    first = Stack(tmp_path / "home")
    first.start(wait_for_api=False)
    try:
        second = Stack(tmp_path / "home")
        with pytest.raises(StackError, match="another `cheatcode up`"):
            second.start(wait_for_api=False, timeout=30)
        assert second.stop() == 1
        assert first.process is not None and first.process.poll() is None  # the first one is untouched
    finally:
        assert first.stop() == 0
