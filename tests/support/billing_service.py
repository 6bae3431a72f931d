"""The billing service in this process (its faststream app), with payment settings of the test's choosing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from nats.aio.client import Client

from cheatcode_billing.config import Settings
from cheatcode_billing.entrypoint.app import document_events, register_accounts
from cheatcode_billing.entrypoint.bootstrap import build
from cheatcode_billing.entrypoint.byok import byok_registration
from cheatcode_billing.entrypoint.payments import payments_registration
from cheatcode_billing.payments_config import PaymentSettings
from cheatcode_contracts.subjects import ping_subject
from cheatcode_runtime.nats import NatsSettings
from tests.support.requests import request_when_ready


@asynccontextmanager
async def running_billing(nats_url: str, client: Client, payments: PaymentSettings) -> AsyncIterator[None]:
    """Accounts, payments and BYOK commands (no metering consumer), answering on ``nats_url``."""
    settings = Settings(instance_id="billing-test", nats=NatsSettings(url=nats_url))
    registrations = (register_accounts, document_events, payments_registration(payments), byok_registration(payments))
    host = build(settings, registrations)
    await host.app.start()
    try:
        await request_when_ready(client, ping_subject("billing"), b"")
        yield
    finally:
        await host.app.stop()
