"""Where the API's preview proxy connects to reach a port inside a sandbox."""

from __future__ import annotations

from cheatcode_contracts import CommandReply
from cheatcode_contracts.sandbox import GetPreviewTarget, PreviewTarget, reply_result
from cheatcode_sandbox.handlers import placement
from cheatcode_sandbox.handlers.deps import SandboxDeps


async def preview_target(command: GetPreviewTarget, deps: SandboxDeps) -> CommandReply:
    await placement.local_state(deps, command.sandbox_id, command.command_id)
    target = PreviewTarget(
        origin=deps.preview_origin.get(),
        path_prefix=f"/{command.sandbox_id}/{command.port}",
        host_instance_id=deps.instance_id,
    )
    return CommandReply.success(0, **reply_result(target))
