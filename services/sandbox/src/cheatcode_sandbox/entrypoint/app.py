"""The sandbox service's subscribers, and the routing of per-sandbox requests to their host.

* ``cc.cmd.sandbox.<type>`` (queue group ``sandbox``): every command. File operations and
  ``EnsureSandbox`` are served by whichever replica takes them; host-bound commands (execute,
  sessions, preview, delete) are forwarded to the replica running the sandbox, or, if none is
  alive, the sandbox is taken over here.
* ``cc.cmd.sandbox.host.<me>.<type>``: host-bound commands addressed to this replica.
* ``cc.cmd.sandbox.host.<me>.ping``: liveness of this replica.

Subscribers run up to ``MAX_WORKERS`` handlers at once: a blocking command may take minutes.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from faststream.nats import NatsBroker
from nats.aio.client import Client
from nats.errors import NoRespondersError

from cheatcode_contracts import Command, CommandReply, sandbox as contracts, subject_for
from cheatcode_contracts.envelope import contract_headers, encode
from cheatcode_runtime.service import Late, execute
from cheatcode_sandbox.handlers import commands, files, lifecycle, placement, preview
from cheatcode_sandbox.handlers.deps import SandboxDeps

MAX_WORKERS = 64
C = TypeVar("C", bound=Command)
Handler = Callable[[Any, SandboxDeps], Awaitable[CommandReply]]

ANYWHERE: dict[type[Command], Handler] = {
    contracts.EnsureSandbox: lifecycle.ensure_sandbox,
    contracts.WriteFile: files.write_file,
    contracts.ReadFile: files.read_file,
    contracts.ListFiles: files.list_files,
    contracts.DeleteFile: files.delete_file,
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


def forward_time_limit(command: Command) -> float:
    if isinstance(command, contracts.ExecuteCommand) and command.blocking:
        return command.timeout + 30.0
    return 60.0


async def routed(command: contracts.SandboxRequest, handle: Handler, deps: SandboxDeps, nats: Client) -> CommandReply:
    """Handle here if this replica hosts the sandbox or none alive does; else ask the host."""
    if not (command.sandbox_id in deps.hosted and deps.runtime.is_running(command.sandbox_id)):
        loaded = await placement.load_existing(deps, command.sandbox_id)
        host = await placement.host_elsewhere(deps, loaded.state)
        if host is not None:
            subject = contracts.host_subject(host, command.type_name)
            try:
                answer = await nats.request(
                    subject, encode(command), timeout=forward_time_limit(command), headers=contract_headers(command)
                )
                return CommandReply.model_validate_json(answer.data)
            except NoRespondersError:
                pass  # the host died just now: take the sandbox over below
    return await handle(command, deps)


def _subscribe(broker: NatsBroker, subject: str, model: type[C], run: Callable[[C], Awaitable[CommandReply]], *,
               queue: str = "") -> None:  # fmt: skip
    async def subscriber(cmd: Command) -> CommandReply:
        return await execute(lambda: run(cmd), name=model.type_name)  # type: ignore[arg-type]

    # faststream parses and documents the payload from the signature: give it the real model.
    subscriber.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter("cmd", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=model)],
        return_annotation=CommandReply,
    )
    subscriber.__annotations__ = {"cmd": model, "return": CommandReply}
    subscriber.__name__ = f"{model.__name__}_{'shared' if queue else 'host'}"
    broker.subscriber(
        subject,
        queue=queue,
        max_workers=MAX_WORKERS,
        title=f"{subject}",
        description=(model.__doc__ or "").strip() or None,
    )(subscriber)


def register(broker: NatsBroker, deps: SandboxDeps, nats: Late[Client]) -> None:
    for model, handle in ANYWHERE.items():
        _subscribe(broker, subject_for(model), model, _bind(handle, deps), queue=contracts.QUEUE_GROUP)
    for model, handle in ON_HOST.items():
        _subscribe(broker, subject_for(model), model, _route(handle, deps, nats), queue=contracts.QUEUE_GROUP)
        _subscribe(broker, contracts.host_subject(deps.instance_id, model.type_name), model, _bind(handle, deps))


def _bind(handle: Handler, deps: SandboxDeps) -> Callable[[Any], Awaitable[CommandReply]]:
    return lambda command: handle(command, deps)


def _route(handle: Handler, deps: SandboxDeps, nats: Late[Client]) -> Callable[[Any], Awaitable[CommandReply]]:
    return lambda command: routed(command, handle, deps, nats.get())
