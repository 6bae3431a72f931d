"""``/api/inngest`` from outside: the SDK's introspection, a sync against a local stand-in of the
Inngest dev server (the real one cannot be installed here), and a function call that sends its command."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from cheatcode_api.entrypoint.inngest import install_inngest
from cheatcode_api.ports.commands import CommandBus
from cheatcode_contracts import Command, CommandReply
from cheatcode_contracts.billing import ResetQuotas
from cheatcode_contracts.maintenance import MAINTENANCE_TASKS
from tests.support.http_thread import serve_in_thread


class RecordingBus(CommandBus):
    def __init__(self) -> None:
        self.sent: list[Command] = []

    async def send(self, command: Command) -> CommandReply:
        self.sent.append(command)
        return CommandReply.success(0, reset_count=0, reset_details=[])


class Holder:
    def __init__(self, commands: CommandBus) -> None:
        self.commands = commands


@pytest.fixture
def dev_server() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A stand-in of the Inngest dev server: records ``POST /fn/register`` as the real one takes it."""
    registered: list[dict[str, Any]] = []

    async def register(request: Request) -> JSONResponse:
        registered.append(json.loads(await request.body()))
        return JSONResponse({"ok": True, "modified": True})

    with serve_in_thread(Starlette(routes=[Route("/fn/register", register, methods=["POST"])])) as url:
        yield url, registered


def test_introspection_sync_and_a_call(monkeypatch: pytest.MonkeyPatch, dev_server: tuple[str, list[Any]]) -> None:
    url, registered = dev_server
    monkeypatch.setenv("INNGEST_DEV", "1")
    monkeypatch.setenv("INNGEST_BASE_URL", url)
    bus = RecordingBus()
    app = FastAPI()
    install_inngest(app, Holder(bus))  # type: ignore[arg-type]
    with serve_in_thread(app) as base:
        introspection = httpx.get(f"{base}/api/inngest")
        assert introspection.status_code == 200, introspection.text
        body = introspection.json()
        assert body["function_count"] == len(MAINTENANCE_TASKS) and body["mode"] == "dev"

        synced = httpx.put(f"{base}/api/inngest")
        assert synced.status_code == 200, synced.text
        (sync,) = registered
        assert sync["appname"] == "cheatcode-backend"
        ids = [f"cheatcode-backend-{task.fn_id}" for task in MAINTENANCE_TASKS]
        assert [fn["id"] for fn in sync["functions"]] == ids
        assert sync["functions"][0]["triggers"] == [{"cron": "0 * * * *"}]
        assert sync["url"] == f"{base}/api/inngest" and sync["framework"] == "fast_api"

        call = httpx.post(
            f"{base}/api/inngest",
            params={"fnId": "cheatcode-backend-reset-monthly-quotas", "stepId": "step"},
            json={
                "ctx": {"attempt": 0, "disable_immediate_execution": False, "run_id": "run-1", "stack": {"stack": []}},
                "event": {"data": {"cron": "0 * * * *"}, "id": "", "name": "inngest/scheduled.timer", "ts": 0},
                "events": [{"data": {"cron": "0 * * * *"}, "id": "", "name": "inngest/scheduled.timer", "ts": 0}],
                "steps": {},
                "use_api": False,
            },
        )
        assert call.status_code == 200, call.text
        assert [type(c) for c in bus.sent] == [ResetQuotas]


def test_production_mode_refuses_unsigned_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INNGEST_DEV", raising=False)
    monkeypatch.setenv("INNGEST_SIGNING_KEY", "signkey-prod-" + "ab" * 32)
    bus = RecordingBus()
    app = FastAPI()
    install_inngest(app, Holder(bus))  # type: ignore[arg-type]
    with serve_in_thread(app) as base:
        call = httpx.post(
            f"{base}/api/inngest", params={"fnId": "cheatcode-backend-reset-monthly-quotas", "stepId": "step"}, json={}
        )
        assert call.status_code >= 400 and bus.sent == []
