"""Registration of the BYOK key commands, listed in ``bootstrap.REGISTRATIONS``.

The key store is billing's own NATS KV bucket (``billing_secret_keys``); the secrets box over it
uses ``CHEATCODE_ENCRYPTION_KEY`` (newest first). With several master keys configured, the data
keys still wrapped by an older one are re-wrapped in the background at start, after which the
old key can be dropped from the setting.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from nats.aio.client import Client

from cheatcode_billing import SERVICE
from cheatcode_billing.adapters.openrouter_keys import OpenRouterKeyChecker
from cheatcode_billing.entrypoint.app import MAX_WORKERS, Deps, Registration
from cheatcode_billing.handlers import byok
from cheatcode_billing.payments_config import PaymentSettings
from cheatcode_contracts import Command, CommandReply
from cheatcode_contracts.billing import (
    CheckByokKey,
    GetByokKeyStatus,
    RemoveByokKey,
    ResolveRunLlmKey,
    StoreByokKey,
)
from cheatcode_runtime.secrets import KeyStore, SecretBox, parse_master_keys
from cheatcode_runtime.secrets.nats_kv import NatsKvKeyStore
from cheatcode_runtime.service import Late, ServiceHost, register_command

log = logging.getLogger("cheatcode.billing.byok")

ByokHandler = Callable[[Any, byok.ByokDeps], Awaitable[CommandReply]]

BYOK_COMMANDS: dict[type[Command], ByokHandler] = {
    StoreByokKey: byok.store_key,
    CheckByokKey: byok.check_key,
    GetByokKeyStatus: byok.key_status,
    RemoveByokKey: byok.remove_key,
    ResolveRunLlmKey: byok.resolve_run_key,
}


def byok_registration(settings: PaymentSettings | None = None) -> Registration:
    def register(host: ServiceHost, deps: Deps) -> None:
        config = settings or PaymentSettings()
        master_keys = parse_master_keys(config.encryption_key.get_secret_value()) if config.encryption_key else ()
        if not master_keys:
            log.warning("CHEATCODE_ENCRYPTION_KEY is not set: BYOK keys cannot be stored or used")
        keystore: Late[KeyStore] = Late("BYOK key store")
        box: Late[SecretBox] = Late("BYOK secrets box")
        checker = OpenRouterKeyChecker(config.openrouter_url, timeout=config.openrouter_key_test_timeout)
        byok_deps = byok.ByokDeps(billing=deps.billing, keystore=keystore.get, box=box.get_or_none, checker=checker)
        rewrap: list[asyncio.Task[int]] = []

        async def on_connect(client: Client) -> None:
            store = await NatsKvKeyStore.open(client.jetstream(), config.secret_keys_bucket)
            keystore.set(store)
            if master_keys:
                box.set(SecretBox(store, master_keys))
                if len(master_keys) > 1:
                    rewrap.append(asyncio.create_task(box.get().rewrap(), name="billing-byok-rewrap"))

        async def close() -> None:
            for task in rewrap:
                task.cancel()
            await checker.close()

        host.on_connect(on_connect)
        host.app.on_shutdown(close)
        for model, handle in BYOK_COMMANDS.items():
            register_command(host.broker, model, _bind(handle, byok_deps), service=SERVICE, max_workers=MAX_WORKERS)

    return register


register_byok = byok_registration()


def _bind(handle: ByokHandler, deps: byok.ByokDeps) -> Callable[[Any], Awaitable[CommandReply]]:
    return lambda command: handle(command, deps)
