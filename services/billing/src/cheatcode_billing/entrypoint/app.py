"""The billing service's subscribers, as registration functions listed in ``bootstrap.REGISTRATIONS``.

* ``cc.cmd.billing.account.*`` (queue group ``billing``): the account commands.
* the durable JetStream consumer ``billing-usage`` on ``cc.evt.llm_usage.*``: metering
  (``entrypoint/metering.py``).

The ping responder comes with every service host.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from nats.aio.client import Client

from cheatcode_billing import SERVICE
from cheatcode_billing.config import Settings
from cheatcode_billing.handlers import accounts, prices
from cheatcode_billing.handlers.deps import BillingDeps
from cheatcode_contracts import Command, CommandReply, Event, billing
from cheatcode_contracts.subjects import EVENTS_PREFIX
from cheatcode_runtime.eventstore import EventStore
from cheatcode_runtime.service import Late, ServiceHost, register_command

MAX_WORKERS = 16  # a quota reset visits every account; the run gate must not wait behind it


@dataclass(frozen=True)
class Deps:
    """What handlers need; resources that need a live connection are ``Late`` values."""

    settings: Settings
    event_store: Late[EventStore]
    nats: Late[Client]
    billing: BillingDeps


Registration = Callable[[ServiceHost, Deps], None]
Handler = Callable[[Any, BillingDeps], Awaitable[CommandReply]]

ACCOUNT_COMMANDS: dict[type[Command], Handler] = {
    billing.CheckRunAllowed: accounts.check_run_allowed,
    billing.GetAccountStatus: accounts.get_account_status,
    billing.ChangePlan: accounts.change_plan,
    billing.ResetQuotas: accounts.reset_quotas,
    billing.GetPriceCache: prices.price_cache_info,
    billing.WarmPriceCache: prices.warm_price_cache,
    billing.ClearPriceCache: prices.clear_price_cache,
}


def serve(host: ServiceHost, deps: Deps, commands: dict[type[Command], Handler]) -> None:
    for model, handle in commands.items():
        register_command(host.broker, model, _bind(handle, deps.billing), service=SERVICE, max_workers=MAX_WORKERS)


def register_accounts(host: ServiceHost, deps: Deps) -> None:
    serve(host, deps, ACCOUNT_COMMANDS)


def document_events(host: ServiceHost, deps: Deps) -> None:
    """Publishers for the AsyncAPI docs only: appends go through the event store, not these."""
    for event in billing.EVENTS:
        document_event(host, event)


def document_event(host: ServiceHost, event: type[Event]) -> None:
    host.broker.publisher(
        f"{EVENTS_PREFIX}.{event.aggregate_kind}.{{{event.aggregate_field}}}",
        title=event.type_name,
        description=(event.__doc__ or "").strip() or None,
        schema=event,
    )


def _bind(handle: Handler, deps: BillingDeps) -> Callable[[Any], Awaitable[CommandReply]]:
    return lambda command: handle(command, deps)
