"""The BYOK key commands: store, test, status, remove, and the key a run uses (reference §12.4).

The key is sealed by the secrets box (its own data key, wrapped by the master key) before any
event is written; events carry only its ciphertext and hash. Removing destroys the data key
*first*, then records the removal: whatever happens after, no copy of the ciphertext (log,
read models, backups) opens any more. No log line here ever includes the key.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import SecretStr

from cheatcode_billing.domain import byok
from cheatcode_billing.domain.account import Account
from cheatcode_billing.handlers.deps import BillingDeps
from cheatcode_billing.ports.openrouter_keys import KeyChecker
from cheatcode_contracts import CommandReply, Event
from cheatcode_contracts.billing import (
    ByokKeyRemoved,
    ByokKeyReply,
    CheckByokKey,
    GetByokKeyStatus,
    RemoveByokKey,
    ResolveRunLlmKey,
    RunLlmKey,
    StoreByokKey,
    reply_result,
)
from cheatcode_runtime.errors import Unavailable
from cheatcode_runtime.secrets import (
    KeyStore,
    KeyStoreUnavailableError,
    MasterKeyError,
    SecretBox,
    SecretCorruptError,
    SecretDestroyedError,
)

log = logging.getLogger("cheatcode.billing.byok")

STORAGE_UNAVAILABLE = "BYOK key storage is not available on this server (CHEATCODE_ENCRYPTION_KEY not set)"
KEYSTORE_DOWN = "BYOK key storage is temporarily unavailable, retry later"


@dataclass
class ByokDeps:
    billing: BillingDeps
    keystore: Callable[[], KeyStore]  # built once connected
    box: Callable[[], SecretBox | None]  # None: no master key configured
    checker: KeyChecker

    def sealing_box(self) -> SecretBox:
        box = self.box()
        if box is None:
            raise Unavailable(STORAGE_UNAVAILABLE)
        return box


def _reply(position: int, body: ByokKeyReply | RunLlmKey) -> CommandReply:
    return CommandReply.success(position, **reply_result(body))


async def _destroy(deps: ByokDeps, key_id: str) -> None:
    try:
        await deps.keystore().delete(byok.secret_id(key_id))
    except KeyStoreUnavailableError:
        raise Unavailable(KEYSTORE_DOWN) from None


async def store_key(command: StoreByokKey, deps: ByokDeps) -> CommandReply:
    loaded = await deps.billing.accounts.load(command.user_id)
    refusal = byok.refused(loaded.state)
    if refusal is not None:
        return _reply(loaded.position, refusal)
    api_key = command.api_key.get_secret_value().strip()
    if not byok.well_formed(api_key):
        return _reply(0, ByokKeyReply(allowed=False, denial="format", message=byok.FORMAT_ERROR,
                                      plan_id=loaded.state.plan_id))  # fmt: skip
    check = await deps.checker.check(api_key)
    if not check.success:
        message = f"API key validation failed: {check.error}"
        return _reply(0, ByokKeyReply(allowed=False, denial="validation", message=message,
                                      plan_id=loaded.state.plan_id))  # fmt: skip
    # The same command retried names the same key: its data key is reused, its event stored once.
    key_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"cheatcode:byok:{command.command_id}"))
    try:
        sealed = await deps.sealing_box().seal(byok.secret_id(key_id), api_key.encode())
    except KeyStoreUnavailableError:
        raise Unavailable(KEYSTORE_DOWN) from None
    previous = loaded.state.byok_key
    if previous is not None and previous.key_id != key_id:
        await _destroy(deps, previous.key_id)  # before the log says so: a crash leaves nothing openable
    now = deps.billing.clock()
    display_name = command.display_name.strip()[:200] or "OpenRouter API Key"

    def decide(state: Account) -> list[Event]:
        if byok.denial(state) is not None:
            return []
        return byok.store(state, key_id=key_id, key_hash=sealed.key_hash, ciphertext=sealed.ciphertext,
                          display_name=display_name, now=now)  # fmt: skip

    written = await deps.billing.ledger.update(command.user_id, decide, key=command.command_id)
    for event in written.events:  # a key stored concurrently by another request, replaced here
        if isinstance(event, ByokKeyRemoved) and (previous is None or event.key_id != previous.key_id):
            await _destroy(deps, event.key_id)
    stored = written.loaded.state.byok_key
    if stored is None or stored.key_id != key_id:
        await _destroy(deps, key_id)  # the plan changed meanwhile: nothing refers to this ciphertext
        refusal = byok.refused(written.loaded.state)
        if refusal is not None:
            return _reply(written.position, refusal)
        raise Unavailable("the key could not be stored, retry")
    log.info("BYOK key %s stored for %s", key_id, command.user_id)
    return _reply(written.position, ByokKeyReply(allowed=True, message="OpenRouter API key stored successfully",
                                                 plan_id=written.loaded.state.plan_id, key_id=key_id, has_key=True,
                                                 key_configured=True, display_name=display_name,
                                                 created_at=stored.created_at))  # fmt: skip


async def check_key(command: CheckByokKey, deps: ByokDeps) -> CommandReply:
    loaded = await deps.billing.accounts.load(command.user_id)
    refusal = byok.refused(loaded.state)
    if refusal is not None:
        return _reply(loaded.position, refusal)
    api_key = command.api_key.get_secret_value().strip()
    plan_id = loaded.state.plan_id
    if not byok.well_formed(api_key):
        return _reply(0, ByokKeyReply(allowed=True, plan_id=plan_id, test_success=False, test_error=byok.FORMAT_ERROR))
    check = await deps.checker.check(api_key)
    return _reply(0, ByokKeyReply(allowed=True, plan_id=plan_id, test_success=check.success,
                                  message=check.message or "", test_error=check.error))  # fmt: skip


async def key_status(command: GetByokKeyStatus, deps: ByokDeps) -> CommandReply:
    loaded = await deps.billing.accounts.load(command.user_id)
    refusal = byok.refused(loaded.state)
    return _reply(loaded.position, refusal or byok.status(loaded.state))


async def remove_key(command: RemoveByokKey, deps: ByokDeps) -> CommandReply:
    loaded = await deps.billing.accounts.load(command.user_id)
    refusal = byok.refused(loaded.state)
    if refusal is not None:
        return _reply(loaded.position, refusal)
    current = loaded.state.byok_key
    if current is not None:
        await _destroy(deps, current.key_id)  # crypto-shredding first; the event only records it
    now = deps.billing.clock()

    def decide(state: Account) -> list[Event]:
        return byok.remove(state, now)

    written = await deps.billing.ledger.update(command.user_id, decide, key=command.command_id)
    for event in written.events:
        if isinstance(event, ByokKeyRemoved) and (current is None or event.key_id != current.key_id):
            await _destroy(deps, event.key_id)
    if current is not None:
        log.info("BYOK key %s destroyed for %s", current.key_id, command.user_id)
    return _reply(written.position, ByokKeyReply(allowed=True, message="OpenRouter API key deleted successfully",
                                                 plan_id=written.loaded.state.plan_id))  # fmt: skip


async def resolve_run_key(command: ResolveRunLlmKey, deps: ByokDeps) -> CommandReply:
    """The agent asks before a run's LLM calls. A byok account without a usable key gets
    ``byok`` True and no key: its runs must not fall back to the (uncharged) system key."""
    loaded = await deps.billing.accounts.load(command.user_id)
    state = loaded.state
    if state.plan_id != byok.BYOK_PLAN:
        return _reply(loaded.position, RunLlmKey(byok=False))
    key = state.byok_key
    if key is None:
        return _reply(loaded.position, RunLlmKey(byok=True))
    try:
        plaintext = await deps.sealing_box().open(byok.secret_id(key.key_id), key.ciphertext)
    except KeyStoreUnavailableError:
        raise Unavailable(KEYSTORE_DOWN) from None
    except (SecretDestroyedError, SecretCorruptError, MasterKeyError) as error:
        log.warning("BYOK key %s of %s cannot be opened: %s", key.key_id, command.user_id, type(error).__name__)
        return _reply(loaded.position, RunLlmKey(byok=True, key_id=key.key_id))
    return _reply(loaded.position, RunLlmKey(byok=True, key_id=key.key_id, api_key=SecretStr(plaintext.decode())))
