"""Registration of the Polar commands (checkout, webhook), listed in ``bootstrap.REGISTRATIONS``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from cheatcode_billing import SERVICE
from cheatcode_billing.adapters.polar import PolarCheckouts
from cheatcode_billing.adapters.polar_webhooks import StandardWebhookVerifier
from cheatcode_billing.entrypoint.app import MAX_WORKERS, Deps, Registration
from cheatcode_billing.handlers import payments
from cheatcode_billing.payments_config import PaymentSettings
from cheatcode_contracts import Command, CommandReply
from cheatcode_contracts.billing import CreateCheckout, HandlePolarWebhook
from cheatcode_runtime.service import ServiceHost, register_command

PaymentHandler = Callable[[Any, payments.PaymentDeps], Awaitable[CommandReply]]

PAYMENT_COMMANDS: dict[type[Command], PaymentHandler] = {
    CreateCheckout: payments.create_checkout,
    HandlePolarWebhook: payments.handle_webhook,
}


def build_payment_deps(deps: Deps, settings: PaymentSettings) -> payments.PaymentDeps:
    token = settings.polar_access_token.get_secret_value() if settings.polar_access_token else ""
    secret = settings.polar_webhook_secret.get_secret_value() if settings.polar_webhook_secret else ""
    return payments.PaymentDeps(
        billing=deps.billing,
        checkouts=PolarCheckouts(token, settings.polar_server_url, timeout=settings.polar_timeout) if token else None,
        verifier=StandardWebhookVerifier(secret) if secret else None,
        plan_products=settings.product_ids(),
        success_url=settings.polar_success_url,
    )


def payments_registration(settings: PaymentSettings | None = None) -> Registration:
    """The registration for ``settings`` (default: read from the environment at build time)."""

    def register(host: ServiceHost, deps: Deps) -> None:
        payment_deps = build_payment_deps(deps, settings or PaymentSettings())
        for model, handle in PAYMENT_COMMANDS.items():
            register_command(host.broker, model, _bind(handle, payment_deps), service=SERVICE, max_workers=MAX_WORKERS)

        async def close() -> None:
            if payment_deps.checkouts is not None:
                await payment_deps.checkouts.close()

        host.app.on_shutdown(close)

    return register


register_payments = payments_registration()


def _bind(handle: PaymentHandler, deps: payments.PaymentDeps) -> Callable[[Any], Awaitable[CommandReply]]:
    return lambda command: handle(command, deps)
