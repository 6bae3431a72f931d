"""NATS users and their permissions: one user per service, least privilege.

``GRANTS`` is the whole policy in one table. Every service also gets the common rights
(its own ping subject, replies to requests it received, its inbox, and the JetStream
API for reading and consuming), but only ``provisioner`` may create, update, delete or
purge streams, except that a service may create the KV buckets it owns. A subject not
granted is refused by the server, so code that gets hold of one service's credentials
can publish only what that service may.

Operators' tools log in as their own users: ``provisioner`` (``cheatcode provision``)
administers streams, ``reader`` (``cheatcode events``) may only read them.

Adding a service or a right: one entry in ``GRANTS``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from cheatcode_contracts import Command, billing, composio, sandbox
from cheatcode_contracts.catalog import subject_for
from cheatcode_contracts.maintenance import MAINTENANCE_TASKS
from cheatcode_contracts.streams import ALL_STREAMS
from cheatcode_contracts.subjects import (
    COMMAND_PREFIX,
    PING_PREFIX,
    RUN_OUTPUT_PREFIX,
    aggregate_kind_filter,
    ping_subject,
    service_commands_filter,
)
from cheatcode_infra.secret_files import read_or_create_secret, write_private

PROVISIONER = "provisioner"
READER = "reader"
INBOX = "_INBOX.>"

# JetStream API a service needs to read streams, run consumers and use KV buckets.
JETSTREAM_CLIENT_API: tuple[str, ...] = (
    "$JS.API.INFO",
    "$JS.API.STREAM.INFO.*",
    "$JS.API.STREAM.NAMES",
    "$JS.API.STREAM.MSG.GET.*",
    "$JS.API.DIRECT.GET.>",
    "$JS.API.CONSUMER.>",
    "$JS.ACK.>",
    "$JS.FC.>",
)


def key_value_rights(bucket: str) -> tuple[str, ...]:
    """Create one's own KV bucket (a stream ``KV_<bucket>``) and write its keys.

    Reading any bucket goes through the JetStream read API above; deleting one is for
    the provisioner only.
    """
    return (f"$JS.API.STREAM.CREATE.KV_{bucket}", f"$KV.{bucket}.>")


@dataclass(frozen=True)
class Grant:
    """What one service may publish and subscribe to, on top of ``COMMON``."""

    publish: tuple[str, ...] = ()
    subscribe: tuple[str, ...] = ()
    kv_buckets: tuple[str, ...] = ()  # KV buckets this service owns (creates and writes)
    # Messages it may send back to one request: more than the reply for a service whose long
    # commands send heartbeats on the reply subject (``cheatcode_runtime.nats.heartbeats``).
    responses_per_request: int = 1
    publish_deny: tuple[str, ...] = ()  # carved out of ``publish`` (the server checks deny first)
    why: str = ""


# A blocking sandbox command (at most MAX_TIMEOUT_SECONDS) sends a heartbeat every HEARTBEAT_SECONDS.
LONG_COMMAND_RESPONSES = (
    int((sandbox.MAX_TIMEOUT_SECONDS + sandbox.SANDBOX_REPLY_SECONDS) / sandbox.HEARTBEAT_SECONDS) + 2
)


def _events(*kinds: str) -> tuple[str, ...]:
    return tuple(aggregate_kind_filter(kind) for kind in kinds)


# Commands whose replies hold decrypted secrets (a run's MCP connection headers, a BYOK user's
# OpenRouter key): the agent only.
_AGENT_ONLY: tuple[type[Command], ...] = (*composio.AGENT_ONLY, billing.RUN_LLM_KEY_COMMAND)
AGENT_ONLY_COMMANDS: tuple[str, ...] = tuple(subject_for(command) for command in _AGENT_ONLY)

GRANTS: dict[str, Grant] = {
    "api": Grant(
        publish=(f"{COMMAND_PREFIX}.>", f"{PING_PREFIX}.*"),
        publish_deny=AGENT_ONLY_COMMANDS,
        kv_buckets=("api_models", "api_rate_limits", "api_idempotency"),
        why="sends commands to every service and pings them for /api/health/deep; reads via consumers; "
        "shares the model catalog cache",
    ),
    "agent": Grant(
        publish=(
            *_events("project", "thread", "run", "llm_usage"),
            f"{RUN_OUTPUT_PREFIX}.>",
            service_commands_filter("sandbox"),
            service_commands_filter("billing"),
            *AGENT_ONLY_COMMANDS,
        ),
        subscribe=(service_commands_filter("agent"),),
        kv_buckets=("agent_project_runs",),
        why="owns projects, threads and runs; streams run output; drives the sandbox and meters usage",
    ),
    "sandbox": Grant(
        # Its own command subjects too: a replica forwards requests to (and pings) the replica hosting a sandbox.
        publish=(*_events("sandbox"), service_commands_filter("sandbox")),
        subscribe=(service_commands_filter("sandbox"),),
        responses_per_request=LONG_COMMAND_RESPONSES,
        why="owns workspaces; forwards per-sandbox requests between its replicas; publishes no other aggregates; "
        "sends heartbeats while a blocking command runs",
    ),
    "billing": Grant(
        publish=_events("account"),
        subscribe=(service_commands_filter("billing"),),
        kv_buckets=("billing_secret_keys",),  # wrapped data keys of BYOK secrets (cheatcode_runtime.secrets)
        why="owns accounts: plans, quotas, metered usage, BYOK keys; consumes llm_usage events (durable consumer)",
    ),
    "integrations": Grant(
        publish=(
            *_events("integration", "deployment", "credential_profiles", "email"),
            # deployments read workspaces; the maintenance scheduler sends every MAINTENANCE_TASKS command
            *(subject_for(command) for command in (sandbox.ListFiles, sandbox.ReadFile)),
            *(subject_for(task.command()) for task in MAINTENANCE_TASKS),
        ),
        subscribe=(service_commands_filter("integrations"),),
        kv_buckets=(
            *("integrations_secret_keys", "composio_toolkits"),  # profiles' data keys; toolkit cache
            *("deployment_leases", "feature_flags", "integrations_schedule"),  # per-user leases; flags; ticks
        ),
        why="owns Composio profiles, MCP servers, deployments, the email outbox and the feature flags bucket",
    ),
}

SERVICES: tuple[str, ...] = tuple(GRANTS)


@dataclass(frozen=True)
class Permissions:
    publish: tuple[str, ...]
    subscribe: tuple[str, ...]
    allow_responses: bool = field(default=True)
    responses_per_request: int = 1
    publish_deny: tuple[str, ...] = ()


def reader_rights(stream: str) -> tuple[str, ...]:
    """Replay one stream with an ordered consumer (``cheatcode events``) and nothing else.

    The consumer's flow-control replies (``$JS.FC``) are part of reading: without them the
    server stops delivering after a few thousand messages.
    """
    api = "$JS.API"
    return (
        f"{api}.STREAM.INFO.{stream}",
        f"{api}.CONSUMER.CREATE.{stream}",
        f"{api}.CONSUMER.CREATE.{stream}.>",
        f"{api}.CONSUMER.INFO.{stream}.*",
        f"{api}.CONSUMER.DELETE.{stream}.*",
        f"$JS.FC.{stream}.>",
    )


def permissions_for(user: str) -> Permissions:
    if user == PROVISIONER:
        # Administers streams and KV buckets; never publishes application subjects.
        return Permissions(publish=("$JS.API.>",), subscribe=(INBOX,), allow_responses=False)
    if user == READER:
        rights = tuple(right for spec in ALL_STREAMS for right in reader_rights(spec.name))
        return Permissions(publish=rights, subscribe=(INBOX,), allow_responses=False)
    grant = GRANTS[user]
    key_value = tuple(right for bucket in grant.kv_buckets for right in key_value_rights(bucket))
    own_ping = ping_subject(user)
    return Permissions(
        publish=_unique((own_ping, *JETSTREAM_CLIENT_API, *key_value, *grant.publish)),
        subscribe=_unique((INBOX, own_ping, *grant.subscribe)),
        responses_per_request=grant.responses_per_request,
        publish_deny=grant.publish_deny,
    )


def _unique(items: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def all_users() -> tuple[str, ...]:
    return (PROVISIONER, READER, *SERVICES)


def load_passwords(secrets_dir: Path) -> dict[str, str]:
    """Each user's password from ``secrets_dir/nats-<user>.password``; created once, reused."""
    secrets_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    return {user: read_or_create_secret(secrets_dir / f"nats-{user}.password") for user in all_users()}


def render_config(store_dir: Path, passwords: dict[str, str]) -> str:
    """A nats-server config: JetStream store and one user per entry of ``passwords``.

    Listen ports stay on the command line: they are chosen free at each start.
    """
    return "\n".join(
        [
            "# Generated by cheatcode up; edit cheatcode_infra/nats_auth.py instead.",
            f"jetstream {{ store_dir: {json.dumps(str(store_dir))} }}",
            render_authorization(passwords),
        ]
    )


def render_authorization(passwords: dict[str, str]) -> str:
    """The ``authorization`` block alone: what a cluster's config includes (``k8s/nats.yaml``)."""
    users = [_render_user(user, password) for user, password in passwords.items()]
    return "\n".join(["authorization {", "  users = [", *users, "  ]", "}", ""])


def _render_user(user: str, password: str) -> str:
    rights = permissions_for(user)
    deny = f", deny: {json.dumps(list(rights.publish_deny))}" if rights.publish_deny else ""
    parts = [
        f"publish: {{ allow: {json.dumps(list(rights.publish))}{deny} }}",
        f"subscribe: {{ allow: {json.dumps(list(rights.subscribe))} }}",
    ]
    if rights.allow_responses:
        # Lets a responder answer the requests it received without a blanket _INBOX publish right.
        if rights.responses_per_request == 1:
            parts.append("allow_responses: true")
        else:  # no time limit, like ``true``; only the count grows
            parts.append(f"allow_responses: {{ max: {rights.responses_per_request} }}")
    credentials = f"user: {json.dumps(user)}, password: {json.dumps(password)}"
    return f"    {{ {credentials}, permissions: {{ {', '.join(parts)} }} }}"


def write_config(config_file: Path, store_dir: Path, secrets_dir: Path) -> dict[str, str]:
    """Write the server config (mode 0600: it holds passwords); returns the passwords."""
    passwords = load_passwords(secrets_dir)
    write_private(config_file, render_config(store_dir, passwords).encode())
    return passwords
