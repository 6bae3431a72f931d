"""The email outbox's subscribers: the admin command and two durable consumers.

* ``integrations-email-outbox`` on ``cc.evt.email.*``: sends each requested email once;
* ``integrations-welcome`` on ``cc.evt.account.*``: billing's ``subscription.created`` → the welcome email.
"""

from __future__ import annotations

from cheatcode_contracts import CommandReply, build_registry
from cheatcode_contracts.billing import ACCOUNT_EVENTS_FILTER
from cheatcode_contracts.email import EMAIL_EVENTS_FILTER, SendWelcomeEmail
from cheatcode_integrations import SERVICE
from cheatcode_integrations.entrypoint.app import Deps
from cheatcode_integrations.handlers.email_outbox import OutboxWorker, on_account_event, send_welcome
from cheatcode_runtime.consumer import ConsumerSpec, Delivery, DurableConsumer
from cheatcode_runtime.service import ServiceHost, register_command


def outbox_spec(deps: Deps) -> ConsumerSpec:
    settings = deps.settings
    return ConsumerSpec(
        stream=settings.events_stream,
        durable=settings.email.outbox_durable,
        filter_subjects=(EMAIL_EVENTS_FILTER,),
        ack_wait=settings.email.ack_wait_seconds,
        retry_delay=5.0,
        description="integrations: sends each requested email once (EmailSent is recorded before the ack)",
    )


def welcome_spec(deps: Deps) -> ConsumerSpec:
    settings = deps.settings
    return ConsumerSpec(
        stream=settings.events_stream,
        durable=settings.email.welcome_durable,
        filter_subjects=(ACCOUNT_EVENTS_FILTER,),
        ack_wait=30.0,
        retry_delay=2.0,
        description="integrations: a user's first subscription.created queues their welcome email",
    )


def register_email(host: ServiceHost, deps: Deps) -> None:
    feature = deps.email

    async def send(command: SendWelcomeEmail) -> CommandReply:
        return await send_welcome(command, feature.get())

    register_command(host.broker, SendWelcomeEmail, send, service=SERVICE)
    consumers: list[DurableConsumer] = []

    async def start() -> None:
        worker = OutboxWorker(feature.get())

        async def welcome(delivery: Delivery) -> None:
            await on_account_event(delivery, feature.get())

        client, registry = deps.nats.get(), build_registry()
        for spec, handler in ((outbox_spec(deps), worker.handle), (welcome_spec(deps), welcome)):
            consumer = DurableConsumer(client, spec, handler, registry, concurrency=4)
            await consumer.start()
            consumers.append(consumer)

    async def stop() -> None:
        for consumer in consumers:
            await consumer.close()

    host.app.after_startup(start)
    host.app.on_shutdown(stop)
