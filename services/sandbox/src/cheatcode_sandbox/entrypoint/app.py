"""The sandbox service's subscribers, and the routing of per-sandbox requests to their host.

* ``cc.cmd.sandbox.<type>`` (queue group ``sandbox``): every command. File operations and
  ``EnsureSandbox`` are served by whichever replica takes them; host-bound commands (execute,
  sessions, preview, delete) are forwarded to the replica running the sandbox, or, if none is
  alive, the sandbox is taken over here.
* ``cc.cmd.sandbox.host.<me>.<type>``: host-bound commands addressed to this replica.
* ``cc.cmd.sandbox.host.<me>.ping``: liveness of this replica (answered in ``bootstrap``).
* ``CleanAbandonedSandboxes`` on both: the replica that takes the shared one sweeps its own
  sandboxes and has every other host sweep its own through its host subject.

Every per-sandbox request handled here counts as a use of the sandbox (``domain.activity``).

Subscribers run up to ``MAX_WORKERS`` handlers at once: a blocking command may take minutes.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection
from typing import Any

from faststream.nats import NatsBroker

from cheatcode_contracts import Command, CommandReply, sandbox as contracts, subject_for
from cheatcode_runtime.nats.command_client import (
    CommandClient,
    CommandNotDeliveredError,
    CommandRejectedError,
    CommandUnavailableError,
)
from cheatcode_runtime.service import Late, Unavailable, register_command
from cheatcode_sandbox.handlers import commands, files, lifecycle, maintenance, placement, preview
from cheatcode_sandbox.handlers.deps import SandboxDeps
from cheatcode_sandbox.handlers.maintenance import Peers

logger = logging.getLogger("cheatcode.sandbox.app")

MAX_WORKERS = 64
FORWARD_SECONDS = 60.0  # the forward hop's default deadline (a contract may state a longer one)
FIRST_CONTACT_SECONDS = 10.0  # a host that has not started a long command by then is taken for dead
PEER_SWEEP_SECONDS = 30.0  # within CleanAbandonedSandboxes' own deadline
Handler = Callable[[Any, SandboxDeps], Awaitable[CommandReply]]

ANYWHERE: dict[type[Command], Handler] = {
    contracts.EnsureSandbox: lifecycle.ensure_sandbox,
    contracts.WriteFile: files.write_file,
    contracts.ReadFile: files.read_file,
    contracts.ListFiles: files.list_files,
    contracts.DeleteFile: files.delete_file,
    contracts.MoveFile: files.move_file,
    contracts.FileTree: files.file_tree,
    contracts.CreateArchive: files.create_archive,
    contracts.ReadArchive: files.read_archive,
}
ON_HOST: dict[type[Command], Handler] = {
    contracts.ExecuteCommand: commands.execute,
    contracts.GetSessionStatus: commands.session_status,
    contracts.ListSessions: commands.list_sessions,
    contracts.KillSession: commands.kill_session,
    contracts.GetPreviewTarget: preview.preview_target,
    contracts.DeleteSandbox: lifecycle.delete_sandbox,
}


async def routed(
    command: contracts.SandboxRequest, handle: Handler, deps: SandboxDeps, client: CommandClient
) -> CommandReply:
    """Handle here if this replica hosts the sandbox or none alive does; else ask the host."""
    if not (command.sandbox_id in deps.hosted and deps.runtime.is_running(command.sandbox_id)):
        loaded = await placement.load_existing(deps, command.sandbox_id)
        host = await placement.host_elsewhere(deps, loaded.state)
        if host is not None:
            try:
                return await client.request(command, subject=contracts.host_subject(host, command.type_name))
            except CommandNotDeliveredError:
                pass  # the host died just now, before it took the command: take the sandbox over below
            except CommandUnavailableError as error:
                # It took the command and then fell silent: it may have run part of it, so no rerun here.
                raise Unavailable(f"the sandbox's host {host} stopped answering ({error.reason})") from None
    return await handle(command, deps)


def register(broker: NatsBroker, deps: SandboxDeps, client: Late[CommandClient], peers: Peers) -> None:
    def serve(model: type[Command], run: Callable[[Any], Awaitable[CommandReply]], subject: str, queue: str) -> None:
        register_command(
            broker, model, run, service=contracts.SERVICE, subject=subject, queue=queue, max_workers=MAX_WORKERS
        )

    for model, handle in ANYWHERE.items():
        # EnsureSandbox names a project, not a sandbox: starting the sandbox touches it.
        used = _in_use(handle) if issubclass(model, contracts.SandboxRequest) else handle
        serve(model, _bind(used, deps), subject_for(model), contracts.QUEUE_GROUP)
    for model, handle in ON_HOST.items():
        serve(model, _route(_in_use(handle), deps, client), subject_for(model), contracts.QUEUE_GROUP)
        serve(model, _bind(_in_use(handle), deps), contracts.host_subject(deps.instance_id, model.type_name), "")

    async def sweep(command: contracts.CleanAbandonedSandboxes, deps: SandboxDeps) -> CommandReply:
        return await maintenance.clean_abandoned(command, deps, peers)

    clean = contracts.CleanAbandonedSandboxes
    serve(clean, _bind(sweep, deps), subject_for(clean), contracts.QUEUE_GROUP)
    serve(clean, _bind(sweep, deps), contracts.host_subject(deps.instance_id, clean.type_name), "")


def peers_over(client: Late[CommandClient], hosts: Callable[[], Collection[str]]) -> Peers:
    """Other hosts sweep their own sandboxes when asked on their host subject."""

    async def sweep(host: str, command: contracts.CleanAbandonedSandboxes) -> contracts.AbandonedCleanup | None:
        subject = contracts.host_subject(host, command.type_name)
        try:
            return await client.get().ask(command, contracts.AbandonedCleanup, subject=subject, wait=PEER_SWEEP_SECONDS)
        except (CommandUnavailableError, CommandRejectedError) as error:
            # A host that is gone: the host watch records its sandboxes stopped.
            logger.warning("host %s did not sweep its sandboxes: %s", host, error)
            return None

    return Peers(hosts=hosts, sweep=sweep)


def _in_use(handle: Handler) -> Handler:
    async def run(command: contracts.SandboxRequest, deps: SandboxDeps) -> CommandReply:
        with deps.activity.using(command.sandbox_id):
            return await handle(command, deps)

    return run


def _bind(handle: Handler, deps: SandboxDeps) -> Callable[[Any], Awaitable[CommandReply]]:
    return lambda command: handle(command, deps)


def _route(handle: Handler, deps: SandboxDeps, client: Late[CommandClient]) -> Callable[[Any], Awaitable[CommandReply]]:
    return lambda command: routed(command, handle, deps, client.get())
