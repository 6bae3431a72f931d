"""Wiring of agent runs: StartRun/StopRun subscribers and the run worker's durable consumer.

``register_runs`` has the :data:`Registration` shape of ``entrypoint.app``; the worker
starts after the service's subscribers and stops before its broker closes.
"""

from __future__ import annotations

from dataclasses import replace

from cheatcode_agent import SERVICE
from cheatcode_agent.adapters.jetstream_run_output import JetStreamRunOutput
from cheatcode_agent.adapters.jetstream_unfinished_runs import JetStreamUnfinishedRuns
from cheatcode_agent.adapters.kv_project_runs import KvProjectRuns
from cheatcode_agent.adapters.mcp_client import StreamableHttpMcp
from cheatcode_agent.adapters.nats_billing import NatsBilling
from cheatcode_agent.adapters.nats_llm_keys import NatsRunLlmKeys
from cheatcode_agent.adapters.nats_mcp_servers import NatsMcpServers
from cheatcode_agent.adapters.nats_sandbox import NatsSandbox
from cheatcode_agent.adapters.openai_llm import OpenAiLlm, UnconfiguredLlm, choose_endpoint
from cheatcode_agent.config import RunSettings, Settings
from cheatcode_agent.entrypoint.app import AgentDeps, Registration, document_event
from cheatcode_agent.handlers.agent_loop import LoopDeps
from cheatcode_agent.handlers.aggregates import Aggregates
from cheatcode_agent.handlers.reconcile_runs import ReconcileDeps, reconcile_stale_runs
from cheatcode_agent.handlers.run_policy import RunPolicy
from cheatcode_agent.handlers.run_worker import RunWorker
from cheatcode_agent.handlers.runs import RunCommandDeps, start_run, stop_run
from cheatcode_agent.ports.llm import LlmPort
from cheatcode_agent.tools import default_toolbox
from cheatcode_agent.tools.mcp import McpTools
from cheatcode_contracts import build_registry, utc_now
from cheatcode_contracts.runs import EVENTS as RUN_EVENTS, RUN_EVENTS_FILTER, ReconcileStaleRuns, StartRun, StopRun
from cheatcode_runtime.consumer import ConsumerSpec, DurableConsumer
from cheatcode_runtime.nats import CommandClient
from cheatcode_runtime.service import Late, ServiceHost, register_command


def build_llm(settings: RunSettings) -> LlmPort:
    endpoint = choose_endpoint(
        openrouter_api_key=settings.openrouter_api_key, base_url=settings.llm_base_url, api_key=settings.llm_api_key
    )
    if endpoint is None:
        return UnconfiguredLlm()
    return OpenAiLlm(
        base_url=endpoint.base_url,
        api_key=endpoint.api_key,
        max_retries=settings.llm_max_retries,
        timeout=settings.llm_timeout,
        default_headers=endpoint.headers or None,
    )


def run_consumer_spec(settings: Settings, runs: RunSettings) -> ConsumerSpec:
    """The run worker's durable consumer: every replica shares it; names from the settings."""
    return ConsumerSpec(
        stream=settings.events_stream,
        durable=runs.consumer,
        filter_subjects=(RUN_EVENTS_FILTER,),
        ack_wait=runs.ack_wait,  # a dead worker's run is failed by another replica after about this long
        max_ack_pending=100_000,  # one per running run, all replicas together
        description="agent run worker: RunRequested → a run on one replica",
    )


def runs_registration(run_settings: RunSettings) -> Registration:
    """A registration with these settings (tests use it to shorten timeouts)."""

    def register(host: ServiceHost, deps: AgentDeps) -> None:
        register_runs(host, deps, run_settings)

    return register


def register_runs_from_env(host: ServiceHost, deps: AgentDeps) -> None:
    register_runs(host, deps, deps.settings.runs)


def register_runs(host: ServiceHost, deps: AgentDeps, settings: RunSettings) -> None:
    commands: Late[RunCommandDeps] = Late("run command deps")
    consumer: Late[DurableConsumer] = Late("run consumer")
    reconcile: Late[ReconcileDeps] = Late("reconcile deps")
    llm: Late[LlmPort] = Late("llm")
    service = deps.settings

    async def on_connect() -> None:
        client = await host.broker.connect()
        js = client.jetstream()
        store = deps.event_store.get()
        output = JetStreamRunOutput(
            js,
            stream=service.run_output_stream,
            timeout=service.event_store_timeout,
            retry_deadline=service.nats_retry_deadline,
        )
        project_runs = await KvProjectRuns.open(js)
        commands.set(RunCommandDeps(Aggregates.over(store), output, project_runs, settings.default_model))
        unfinished = JetStreamUnfinishedRuns(js, stream=service.events_stream, timeout=service.event_store_timeout)
        reconcile.set(ReconcileDeps(Aggregates.over(store), store, unfinished, output, settings.max_duration, utc_now))
        llm.set(build_llm(settings))
        mcp = McpTools(NatsMcpServers(client), StreamableHttpMcp(), connect_timeout=settings.mcp_connect_timeout)
        loop_deps = LoopDeps(llm.get(), NatsSandbox(client), store, default_toolbox(), settings.limits(), mcp,
                             llm_keys=NatsRunLlmKeys(client))  # fmt: skip
        # Checked before each LLM call; no billing responder means going on at once (fail open).
        loop_deps = replace(loop_deps, billing=NatsBilling(CommandClient(client, backoff=())))
        worker = RunWorker(RunPolicy(loop_deps, output, host.settings.instance_id))
        spec = run_consumer_spec(service, settings)
        consumer.set(DurableConsumer(client, spec, worker, build_registry(), concurrency=settings.max_concurrent))
        await consumer.get().start()

    async def on_shutdown() -> None:
        running, client = consumer.get_or_none(), llm.get_or_none()
        if running is not None:
            # Runs still executing end failed (a restart cannot resume them).
            await running.close(cancel_running=True)
        if client is not None:
            await client.close()

    host.app.after_startup(on_connect)
    host.app.on_shutdown(on_shutdown)
    register_command(host.broker, StartRun, lambda command: start_run(command, commands.get()), service=SERVICE)
    register_command(host.broker, StopRun, lambda command: stop_run(command, commands.get()), service=SERVICE)
    register_command(
        host.broker, ReconcileStaleRuns, lambda command: reconcile_stale_runs(command, reconcile.get()), service=SERVICE
    )
    for event in RUN_EVENTS:
        document_event(host, event)
