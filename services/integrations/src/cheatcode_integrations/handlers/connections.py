"""A user's Composio connected accounts: status, list, delete, each checked for ownership first.

A connection is the user's when Composio says it belongs to their user id, or, when Composio
no longer knows it, when one of their profiles holds it (then a delete counts as done).
"""

from __future__ import annotations

from cheatcode_contracts import CommandReply
from cheatcode_contracts.composio import (
    ConnectionInfo,
    ConnectionList,
    ConnectionStatus,
    DeleteConnection,
    GetConnectionStatus,
    ListConnections,
    owner_key,
)
from cheatcode_integrations.handlers.composio_deps import ComposioDeps, composio_errors
from cheatcode_integrations.ports.composio import ConnectedAccount
from cheatcode_runtime.errors import NotFound

NOT_FOUND = "Connection not found"


async def _owned(deps: ComposioDeps, user_id: str, connection_id: str) -> ConnectedAccount | None:
    """The account if it is the user's; ``None`` if Composio lost it but a profile of theirs holds it."""
    with composio_errors():
        account = await deps.composio().get_connected_account(connection_id)
    if account is not None and account.user_id is not None:
        if account.user_id != user_id:
            raise NotFound(NOT_FOUND)
        return account
    loaded = await deps.profiles.load(owner_key(user_id))
    if not loaded.state.knows_account(connection_id):
        raise NotFound(NOT_FOUND)
    return account


async def connection_status(command: GetConnectionStatus, deps: ComposioDeps) -> CommandReply:
    account = await _owned(deps, command.user_id, command.connection_id)
    if account is None:
        raise NotFound(NOT_FOUND)
    status = ConnectionStatus(
        connection_id=account.id,
        status=account.status,
        connected_account_id=account.id if account.status == "ACTIVE" else None,
        error=account.error,
    )
    return CommandReply.success(0, **status.model_dump())


async def list_connections(command: ListConnections, deps: ComposioDeps) -> CommandReply:
    with composio_errors():
        accounts = await deps.composio().list_connected_accounts(command.user_id, command.app_name)
    connections = [
        ConnectionInfo(id=a.id, app_name=a.toolkit_slug, status=a.status, created_at=a.created_at)
        for a in accounts
        if a.user_id in (None, command.user_id)
    ]
    return CommandReply.success(0, **ConnectionList(connections=connections).model_dump())


async def delete_connection(command: DeleteConnection, deps: ComposioDeps) -> CommandReply:
    account = await _owned(deps, command.user_id, command.connection_id)
    if account is not None:
        with composio_errors():
            await deps.composio().delete_connected_account(command.connection_id)
    return CommandReply.success(0)
