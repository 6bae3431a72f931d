"""``execute``: every outcome of a handler becomes a reply; conflicts are retried a bounded number of times."""

from __future__ import annotations

import os

import pytest

from cheatcode_contracts import CommandReply, ErrorCode
from cheatcode_runtime.eventstore import ConcurrencyError, EventStoreUnavailableError
from cheatcode_runtime.nats import NatsSettings
from cheatcode_runtime.service import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    Late,
    NotFound,
    ServiceSettings,
    Unavailable,
    execute,
)


@pytest.mark.parametrize(
    "error, code",
    [
        (NotFound("x"), ErrorCode.NOT_FOUND),
        (Forbidden("x"), ErrorCode.FORBIDDEN),
        (Conflict("x"), ErrorCode.CONFLICT),
        (Invalid("x"), ErrorCode.INVALID),
        (Unavailable("x"), ErrorCode.UNAVAILABLE),
    ],
)
async def test_domain_errors_map_to_their_codes(error: DomainError, code: ErrorCode) -> None:
    async def handler() -> CommandReply:
        raise error

    assert await execute(handler) == CommandReply.failure(code, "x")


async def test_conflicts_are_retried_until_success() -> None:
    calls = 0

    async def handler() -> CommandReply:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise ConcurrencyError("s", calls)
        return CommandReply.success(position=9)

    assert await execute(handler, retries=2) == CommandReply.success(position=9)
    assert calls == 3


async def test_unavailable_store_and_bugs_become_replies() -> None:
    async def down() -> CommandReply:
        raise EventStoreUnavailableError("down")

    async def bug() -> CommandReply:
        raise KeyError("secret internals")

    unavailable, internal = await execute(down), await execute(bug)
    assert unavailable.error is not None and unavailable.error.code is ErrorCode.UNAVAILABLE
    assert internal == CommandReply.failure(ErrorCode.INTERNAL, "internal error")


def test_late_values_fail_clearly_until_set() -> None:
    late: Late[int] = Late("answer")
    with pytest.raises(RuntimeError, match="answer is not ready"):
        late.get()
    late.set(42)
    assert late.get() == 42


def test_service_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHEATCODE_INSTANCE_ID", "agent-7")
    monkeypatch.setenv("CHEATCODE_NATS_URL", "nats://10.0.0.1:4333")
    monkeypatch.setenv("CHEATCODE_NATS_USER", "agent")
    monkeypatch.setenv("CHEATCODE_NATS_PASSWORD", "s3cret")
    settings = ServiceSettings()
    assert settings.instance_id == "agent-7"
    assert (settings.nats.url, settings.nats.user) == ("nats://10.0.0.1:4333", "agent")
    assert settings.nats.password is not None and settings.nats.password.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(settings)


def test_instance_id_defaults_to_host_and_pid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHEATCODE_INSTANCE_ID", raising=False)
    assert ServiceSettings(nats=NatsSettings()).instance_id.endswith(f"-{os.getpid()}")
