"""Welcome email, feature flags and /api/inngest from outside (issue 11's "done when"), against
``cheatcode up`` with SMTP at a local SMTP server, ``FEATURE_FLAGS_ENABLED=true`` and ``INNGEST_DEV=1``
with ``INNGEST_BASE_URL`` at a stand-in of the Inngest dev server."""

from __future__ import annotations

import email
import email.policy
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from cheatcode_contracts.maintenance import MAINTENANCE_TASKS
from cheatcode_infra.free_ports import free_port
from cheatcode_infra.mail_sink import start as start_mail_sink
from tests.support.http_thread import serve_in_thread
from tests.support.stack import Stack

pytestmark = [pytest.mark.e2e]
SUBJECT = "Welcome to Cheatcode AI — Build Apps & Websites Seamlessly!"


@pytest.fixture(scope="module")
def smtp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    directory = Path(tmp_path_factory.mktemp("smtp"))
    port = free_port()
    controller = start_mail_sink(directory, "127.0.0.1", port)
    yield port, directory
    controller.stop()


@pytest.fixture(scope="module")
def inngest_dev() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    registered: list[dict[str, Any]] = []

    async def register(request: Request) -> JSONResponse:
        registered.append(json.loads(await request.body()))
        return JSONResponse({"ok": True, "modified": True})

    with serve_in_thread(Starlette(routes=[Route("/fn/register", register, methods=["POST"])])) as url:
        yield url, registered


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, smtp: tuple[int, Path], inngest_dev: tuple[str, list[Any]]
) -> Iterator[Stack]:
    env = {
        "CHEATCODE_SMTP_HOST": "127.0.0.1",
        "CHEATCODE_SMTP_PORT": str(smtp[0]),
        "CHEATCODE_SMTP_STARTTLS": "false",
        "CHEATCODE_EMAIL_FROM": "hello@cheatcode.test",
        "CHEATCODE_EMAIL_ACK_WAIT_SECONDS": "3",  # a killed worker's email is redelivered after this
        "FEATURE_FLAGS_ENABLED": "true",
        "INNGEST_DEV": "1",
        "INNGEST_BASE_URL": inngest_dev[0],
    }
    running = Stack(Path(tmp_path_factory.mktemp("e2e-email")) / "home", env=env)
    running.start(timeout=90)
    yield running
    running.stop()


def messages(directory: Path) -> list[EmailMessage]:
    found = []
    for path in sorted(directory.glob("*.eml")):
        parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        found.append(parsed)
    return found


def test_the_welcome_email_arrives_once_even_when_integrations_is_killed(stack: Stack, smtp: tuple[int, Path]) -> None:
    admin = {"X-Admin-Api-Key": stack.admin_api_key}
    bad = httpx.post(f"{stack.base_url}/api/send-welcome-email", json={"email": "not-an-address"}, headers=admin)
    assert bad.status_code == 422
    anonymous = httpx.post(f"{stack.base_url}/api/send-welcome-email", json={"email": "a@example.com"})
    assert anonymous.status_code in (401, 403)

    answer = httpx.post(
        f"{stack.base_url}/api/send-welcome-email", json={"email": "grace.hopper@example.com"}, headers=admin
    )
    assert answer.status_code == 200 and answer.json()["success"] is True
    os.kill(int(stack.state()["children"]["integrations"]), signal.SIGKILL)

    deadline = time.monotonic() + 45
    while not messages(smtp[1]) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(3)  # the restarted worker has had its chance to send a duplicate
    sent = [m for m in messages(smtp[1]) if "grace.hopper@example.com" in str(m["To"])]
    assert len(sent) == 1, [str(m["To"]) for m in messages(smtp[1])]
    (message,) = sent
    assert message["Subject"] == SUBJECT and "Grace.Hopper" in str(message["To"])
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None and html is not None
    assert "Grace.Hopper" in plain.get_content() and "Grace.Hopper" in html.get_content()
    assert "Build Anything" in plain.get_content() and "https://www.trycheatcode.com/" in html.get_content()


def cli(stack: Stack, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "cheatcode_infra", "flags", "--home", str(stack.home), *args],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_flags_set_with_the_cli_appear_within_a_second(stack: Stack) -> None:
    url = f"{stack.base_url}/api/feature-flags"
    cli(stack, "set", "new_editor", "on", "--description", "the new editor")
    started = time.monotonic()
    while httpx.get(url).json()["flags"].get("new_editor") is not True:
        assert time.monotonic() - started < 1.0, "the flag did not appear within 1 s"
        time.sleep(0.02)
    one = httpx.get(f"{url}/new_editor").json()
    assert one["flag_name"] == "new_editor" and one["enabled"] is True
    assert one["details"]["enabled"] == "true" and one["details"]["description"] == "the new editor"
    cli(stack, "set", "new_editor", "off")
    started = time.monotonic()
    while httpx.get(url).json()["flags"].get("new_editor") is not False:
        assert time.monotonic() - started < 1.0
        time.sleep(0.02)
    assert httpx.get(f"{url}/new_editor").json()["details"]["description"] == "the new editor"  # kept
    assert json.loads(cli(stack, "list").splitlines()[0])["name"] == "new_editor"
    cli(stack, "unset", "new_editor")
    started = time.monotonic()
    while "new_editor" in httpx.get(url).json()["flags"]:
        assert time.monotonic() - started < 1.0
        time.sleep(0.02)
    missing = httpx.get(f"{url}/missing").json()
    assert missing == {"flag_name": "missing", "enabled": False, "details": None}


def test_inngest_introspection_and_sync(stack: Stack, inngest_dev: tuple[str, list[dict[str, Any]]]) -> None:
    introspection = httpx.get(f"{stack.base_url}/api/inngest")
    assert introspection.status_code == 200 and introspection.json()["function_count"] == len(MAINTENANCE_TASKS)
    synced = httpx.put(f"{stack.base_url}/api/inngest")
    assert synced.status_code == 200, synced.text
    sync = inngest_dev[1][-1]
    assert sync["appname"] == "cheatcode-backend"
    assert [fn["id"] for fn in sync["functions"]] == [f"cheatcode-backend-{task.fn_id}" for task in MAINTENANCE_TASKS]
