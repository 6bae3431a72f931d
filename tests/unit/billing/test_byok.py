"""BYOK keys: the plan gate, the format check, sealing, and crypto-shredding on removal.

The key checker here is the real adapter's port filled by a small stand-in for OpenRouter's
answer (the adapter itself is tested against the OpenRouter double in tests/integration).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from cheatcode_billing.adapters.memory import FixedPrices, LogAccountDirectory
from cheatcode_billing.domain import byok as domain
from cheatcode_billing.domain.account import change_plan
from cheatcode_billing.handlers import byok
from cheatcode_billing.handlers.deps import BillingDeps
from cheatcode_billing.ports.openrouter_keys import KeyCheck, KeyChecker
from cheatcode_contracts.billing import (
    ByokKeyReply,
    ByokKeyStored,
    CheckByokKey,
    GetByokKeyStatus,
    RemoveByokKey,
    ResolveRunLlmKey,
    RunLlmKey,
    StoreByokKey,
)
from cheatcode_runtime.eventstore import InMemoryEventStore
from cheatcode_runtime.secrets import InMemoryKeyStore, SecretBox, SecretDestroyedError, generate_master_key

KEY = "sk-or-v1-" + "ab12" * 16
OTHER = "sk-or-v1-" + "cd34" * 16
NOW = datetime(2026, 12, 1, tzinfo=UTC)


class AnswersFrom(KeyChecker):
    """OpenRouter's verdict per key, as the adapter reports it."""

    def __init__(self, valid: set[str]) -> None:
        self.valid, self.asked = valid, 0

    async def check(self, api_key: str) -> KeyCheck:
        self.asked += 1
        if api_key in self.valid:
            return KeyCheck(True, message="OpenRouter API key is valid and working")
        return KeyCheck(False, error="Invalid OpenRouter API key or expired session")


class World:
    def __init__(self, *, master: bool = True) -> None:
        self.store = InMemoryEventStore()
        self.keystore = InMemoryKeyStore()
        self.master = generate_master_key()
        self.box = SecretBox(self.keystore, [self.master]) if master else None
        self.checker = AnswersFrom({KEY, OTHER})
        directory = LogAccountDirectory(self.store)
        billing = BillingDeps(store=lambda: self.store, prices=FixedPrices(), directory=lambda: directory,
                              clock=lambda: NOW)  # fmt: skip
        self.deps = byok.ByokDeps(billing=billing, keystore=lambda: self.keystore, box=lambda: self.box,
                                  checker=self.checker)  # fmt: skip

    async def on_plan(self, user: str, plan_id: str) -> None:
        def decide(state):  # type: ignore[no-untyped-def]
            return change_plan(state, plan_id, NOW, reason="test", source="admin")  # type: ignore[arg-type]

        await self.deps.billing.ledger.update(user, decide, key=f"plan-{user}-{plan_id}")

    def log_text(self) -> str:
        return "\n".join(json.dumps(e.event.model_dump(mode="json")) for e in self.store.log)


async def reply(handler, command, world: World) -> ByokKeyReply:  # type: ignore[no-untyped-def]
    result = await handler(command, world.deps)
    assert result.ok, result.error
    return ByokKeyReply.model_validate(result.result)


async def run_key(world: World, user: str) -> RunLlmKey:
    result = await byok.resolve_run_key(ResolveRunLlmKey(user_id=user), world.deps)
    return RunLlmKey.model_validate(result.result)


def test_the_format_is_sk_or_v1_and_64_hex() -> None:
    assert domain.well_formed(KEY) and domain.well_formed(KEY.upper().replace("SK-OR-V1-", "sk-or-v1-"))
    for bad in ("", "sk-or-v1-abc", KEY + "0", KEY.replace("ab12", "zz12", 1), "sk-or-v2-" + "a" * 64):
        assert not domain.well_formed(bad)


@pytest.mark.parametrize("plan_id", ["free", "pro", "premium"])
async def test_every_key_command_is_refused_off_the_byok_plan(plan_id: str) -> None:
    world = World()
    if plan_id != "free":
        await world.on_plan("u", plan_id)
    commands = (
        StoreByokKey(user_id="u", api_key=SecretStr(KEY)),
        CheckByokKey(user_id="u", api_key=SecretStr(KEY)),
        GetByokKeyStatus(user_id="u"),
        RemoveByokKey(user_id="u"),
    )
    for command in commands:
        handler = {StoreByokKey: byok.store_key, CheckByokKey: byok.check_key, GetByokKeyStatus: byok.key_status,
                   RemoveByokKey: byok.remove_key}[type(command)]  # fmt: skip
        answer = await reply(handler, command, world)
        assert (answer.allowed, answer.denial) == (False, "plan")
        assert answer.message == f"BYOK functionality requires upgrade to BYOK plan. Current plan: {plan_id}"
    assert world.checker.asked == 0
    assert not any(isinstance(e.event, ByokKeyStored) for e in world.store.log)


async def test_store_checks_format_then_openrouter_and_seals_the_key() -> None:
    world = World()
    await world.on_plan("u", "byok")
    bad = await reply(byok.store_key, StoreByokKey(user_id="u", api_key=SecretStr("sk-or-v1-short")), world)
    assert (bad.allowed, bad.denial) == (False, "format") and world.checker.asked == 0
    unknown = "sk-or-v1-" + "ef56" * 16
    refused = await reply(byok.store_key, StoreByokKey(user_id="u", api_key=SecretStr(unknown)), world)
    assert (refused.denial, refused.message) == (
        "validation", "API key validation failed: Invalid OpenRouter API key or expired session")  # fmt: skip
    stored = await reply(byok.store_key, StoreByokKey(user_id="u", api_key=SecretStr(KEY), display_name="Mine"), world)
    assert stored.allowed and stored.key_id and stored.message == "OpenRouter API key stored successfully"
    assert KEY not in world.log_text() and KEY not in stored.model_dump_json()
    event = next(e.event for e in world.store.log if isinstance(e.event, ByokKeyStored))
    assert event.key_hash == __import__("hashlib").sha256(KEY.encode()).hexdigest()
    status = await reply(byok.key_status, GetByokKeyStatus(user_id="u"), world)
    assert (status.has_key, status.key_configured, status.display_name) == (True, True, "Mine")
    assert (await run_key(world, "u")).api_key == SecretStr(KEY)
    assert (await run_key(world, "u")).api_key.get_secret_value() == KEY  # type: ignore[union-attr]


async def test_remove_destroys_the_data_key_so_nothing_in_the_log_opens_again() -> None:
    world = World()
    await world.on_plan("u", "byok")
    stored = await reply(byok.store_key, StoreByokKey(user_id="u", api_key=SecretStr(KEY)), world)
    ciphertexts = [e.event.ciphertext for e in world.store.log if isinstance(e.event, ByokKeyStored)]
    removed = await reply(byok.remove_key, RemoveByokKey(user_id="u"), world)
    assert removed.message == "OpenRouter API key deleted successfully"
    assert [s async for s in world.keystore.secret_ids()] == []
    # Even the master key and the whole log together cannot open the ciphertext any more.
    with pytest.raises(SecretDestroyedError):
        await SecretBox(world.keystore, [world.master]).open(domain.secret_id(stored.key_id or ""), ciphertexts[0])
    assert (await reply(byok.key_status, GetByokKeyStatus(user_id="u"), world)).has_key is False
    run = await run_key(world, "u")
    assert run.byok is True and run.api_key is None


async def test_replacing_a_key_destroys_the_old_data_key() -> None:
    world = World()
    await world.on_plan("u", "byok")
    first = await reply(byok.store_key, StoreByokKey(user_id="u", api_key=SecretStr(KEY)), world)
    second = await reply(byok.store_key, StoreByokKey(user_id="u", api_key=SecretStr(OTHER)), world)
    assert first.key_id != second.key_id
    assert [s async for s in world.keystore.secret_ids()] == [domain.secret_id(second.key_id or "")]
    assert (await run_key(world, "u")).api_key == SecretStr(OTHER)


async def test_a_retried_store_command_stores_one_key() -> None:
    world = World()
    await world.on_plan("u", "byok")
    command = StoreByokKey(user_id="u", api_key=SecretStr(KEY))
    one = await reply(byok.store_key, command, world)
    two = await reply(byok.store_key, command, world)
    assert one.key_id == two.key_id
    assert sum(isinstance(e.event, ByokKeyStored) for e in world.store.log) == 1


async def test_the_test_command_reports_without_storing() -> None:
    world = World()
    await world.on_plan("u", "byok")
    ok = await reply(byok.check_key, CheckByokKey(user_id="u", api_key=SecretStr(KEY)), world)
    assert (ok.test_success, ok.message) == (True, "OpenRouter API key is valid and working")
    bad = await reply(byok.check_key, CheckByokKey(user_id="u", api_key=SecretStr("nope")), world)
    assert bad.test_success is False and bad.test_error == domain.FORMAT_ERROR
    assert not any(isinstance(e.event, ByokKeyStored) for e in world.store.log)


async def test_non_byok_runs_use_the_system_key() -> None:
    world = World()
    assert await run_key(world, "someone") == RunLlmKey(byok=False)


async def test_without_a_master_key_storing_is_unavailable() -> None:
    from cheatcode_runtime.errors import Unavailable

    world = World(master=False)
    await world.on_plan("u", "byok")
    with pytest.raises(Unavailable):
        await byok.store_key(StoreByokKey(user_id="u", api_key=SecretStr(KEY)), world.deps)
