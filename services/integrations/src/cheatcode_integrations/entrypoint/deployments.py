"""Deployments' subscribers: the three commands and the worker's durable consumer.

One durable consumer of ``cc.evt.deployment.*`` is shared by every replica (JetStream hands each
message to one of them); the worker keeps its message alive with heartbeats while it deploys, so
a killed replica's deployment is delivered again after ``ack_wait`` and resumed by another one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from cheatcode_contracts import CommandReply, build_registry
from cheatcode_contracts.deployments import (
    DEPLOYMENT_EVENTS_FILTER,
    GetDeploymentSettings,
    Redeploy,
    RequestDeployment,
)
from cheatcode_integrations import SERVICE
from cheatcode_integrations.entrypoint.app import Deps
from cheatcode_integrations.handlers import deployments as handlers
from cheatcode_integrations.handlers.deployment_deps import DeploymentDeps
from cheatcode_integrations.handlers.deployment_worker import DeploymentWorker
from cheatcode_runtime.consumer import ConsumerSpec, Delivery, DurableConsumer
from cheatcode_runtime.service import ServiceHost, register_command

DeploymentHandler = Callable[[Any, DeploymentDeps], Awaitable[CommandReply]]


def deployment_spec(deps: Deps) -> ConsumerSpec:
    settings = deps.settings
    return ConsumerSpec(
        stream=settings.events_stream,
        durable=settings.deploy.durable,
        filter_subjects=(DEPLOYMENT_EVENTS_FILTER,),
        ack_wait=settings.deploy.ack_wait_seconds,
        retry_delay=2.0,
        description="integrations: runs each deployment request once (debounced, per-user serial, resumable)",
    )


def register_deployments(host: ServiceHost, deps: Deps) -> None:
    feature = deps.deployments

    def bind(
        handle: Callable[[Any, DeploymentDeps], Awaitable[CommandReply]],
    ) -> Callable[[Any], Awaitable[CommandReply]]:
        return lambda command: handle(command, feature.get())

    register_command(host.broker, RequestDeployment, bind(handlers.request_deployment), service=SERVICE, max_workers=16)
    # A redeploy's reply waits for Vercel's build: many may wait at once.
    register_command(host.broker, Redeploy, bind(handlers.redeploy), service=SERVICE, max_workers=64)
    register_command(host.broker, GetDeploymentSettings, bind(handlers.deployment_settings), service=SERVICE)

    consumers: list[DurableConsumer] = []

    async def start() -> None:
        worker = DeploymentWorker(feature.get())

        async def handle(delivery: Delivery) -> None:
            await worker.handle(delivery)

        consumer = DurableConsumer(
            deps.nats.get(),
            deployment_spec(deps),
            handle,
            build_registry(),
            concurrency=deps.settings.deploy.concurrency,
        )
        await consumer.start()
        consumers.append(consumer)

    async def stop() -> None:
        for consumer in consumers:
            await consumer.close()

    host.app.after_startup(start)
    host.app.on_shutdown(stop)
