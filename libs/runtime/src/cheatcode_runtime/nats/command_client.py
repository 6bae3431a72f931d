"""The client side of commands: one way for every service to send a command and read its reply.

The server side is ``cheatcode_runtime.service.register_command``. A command goes to
``subject_for(command)`` as a NATS request; the owner appends with ``Nats-Msg-Id =
command_id``, so sending the same command twice stores one event and retrying is safe.

* ``request`` returns the owner's reply as it is, success or failure (for forwarding).
* ``send`` returns a successful reply and raises :class:`CommandRejectedError` otherwise.
* ``ask`` is ``send`` plus the typed model of the reply's ``result``.

Deadlines come from the contract (``Command.reply_timeout``). "No responders" is retried with
a short backoff within that deadline (a service that is restarting subscribes a moment after
we send); a timeout is not retried (the owner may still be working on it, the deadline is spent).

A command that may run long states ``Command.heartbeat_seconds()``: it is sent with a
heartbeat request (:mod:`cheatcode_runtime.nats.heartbeats`) and fails with
:class:`CommandUnavailableError` as soon as its owner falls silent for a few heartbeats,
instead of at its work timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import (
    ConnectionClosedError,
    ConnectionReconnectingError,
    NoRespondersError,
    TimeoutError as NatsTimeoutError,
)
from pydantic import BaseModel, ValidationError

from cheatcode_contracts import Command, CommandReply, ErrorCode
from cheatcode_contracts.catalog import COMMAND_OWNERS, subject_for
from cheatcode_contracts.envelope import contract_headers, encode
from cheatcode_runtime.nats.heartbeats import HEARTBEAT_HEADER, MISSED_HEARTBEATS, is_heartbeat
from cheatcode_runtime.observability.context import outgoing_headers

M = TypeVar("M", bound=BaseModel)

NO_RESPONDER_BACKOFF = (0.02, 0.05, 0.1, 0.2, 0.4)
STATUS_HEADER, NO_RESPONDERS_STATUS = "Status", "503"  # what nats-server sends when no one is subscribed


class CommandRejectedError(Exception):
    """The owning service answered with an error reply."""

    def __init__(self, code: ErrorCode, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


class CommandUnavailableError(Exception):
    """Nobody answered in time: the owning service is down, overloaded, or NATS is unreachable."""

    def __init__(self, service: str, reason: str = "unavailable") -> None:
        super().__init__(f"{service} service {reason}")
        self.service = service
        self.reason = reason


class CommandNotDeliveredError(CommandUnavailableError):
    """No one was subscribed: the command never reached an owner, so doing it elsewhere is safe."""


def owner_of(command: Command) -> str:
    return COMMAND_OWNERS.get(type(command), "the owning")


class CommandClient:
    def __init__(
        self,
        client: Client,
        *,
        timeout: float = 10.0,
        backoff: tuple[float, ...] = NO_RESPONDER_BACKOFF,
        first_contact: float | None = None,
    ) -> None:
        """``first_contact``: how long a command with heartbeats may wait for the owner's first
        sign of life (it may be queued behind others); default ``timeout``."""
        self._client = client
        self._timeout = timeout
        self._backoff = backoff
        self._first_contact = timeout if first_contact is None else first_contact

    async def request(self, command: Command, *, subject: str | None = None, wait: float | None = None) -> CommandReply:
        """The reply as the owner sent it. ``subject`` overrides the owner's shared subject
        (a sandbox replica's own one, say); ``wait`` overrides the contract's deadline."""
        deadline = wait if wait is not None else command.reply_timeout(self._timeout)
        data = await self._request(subject or subject_for(command), command, deadline)
        try:
            return CommandReply.model_validate_json(data)
        except ValidationError as error:
            raise CommandRejectedError(ErrorCode.INTERNAL, f"malformed reply from {owner_of(command)}") from error

    async def send(self, command: Command, *, subject: str | None = None, wait: float | None = None) -> CommandReply:
        reply = await self.request(command, subject=subject, wait=wait)
        if not reply.ok:
            info = reply.error
            raise CommandRejectedError(
                info.code if info else ErrorCode.INTERNAL, info.detail if info else "command failed"
            )
        return reply

    async def ask(
        self, command: Command, reply_model: type[M], *, subject: str | None = None, wait: float | None = None
    ) -> M:
        """The typed ``result`` of a successful reply."""
        reply = await self.send(command, subject=subject, wait=wait)
        try:
            return reply_model.model_validate(reply.result)
        except ValidationError as error:
            raise CommandRejectedError(ErrorCode.INTERNAL, f"malformed reply from {owner_of(command)}") from error

    async def _request(self, subject: str, command: Command, deadline: float) -> bytes:
        interval = command.heartbeat_seconds()
        if interval is not None:
            return await self._request_watched(subject, command, deadline, interval)
        payload, headers = encode(command), outgoing_headers(contract_headers(command))
        ends = time.monotonic() + deadline
        for delay in (*self._backoff, None):
            left = ends - time.monotonic()
            if left <= 0:
                break
            try:
                msg = await self._client.request(subject, payload, timeout=left, headers=headers)
            except (NoRespondersError, ConnectionReconnectingError):
                if delay is None:
                    break
                await asyncio.sleep(min(delay, max(ends - time.monotonic(), 0)))
            except NatsTimeoutError:
                raise CommandUnavailableError(owner_of(command), f"did not answer within {deadline:g} s") from None
            except ConnectionClosedError:
                raise CommandUnavailableError(owner_of(command)) from None
            else:
                return bytes(msg.data)
        raise CommandNotDeliveredError(owner_of(command))

    async def _request_watched(self, subject: str, command: Command, deadline: float, interval: float) -> bytes:
        """``_request`` on a private inbox that also receives the owner's heartbeats."""
        payload = encode(command)
        headers = {**outgoing_headers(contract_headers(command)), HEARTBEAT_HEADER: f"{interval:g}"}
        silence = interval * MISSED_HEARTBEATS
        # Before the first heartbeat the owner may still be queueing the command: allow it longer.
        first_contact = max(silence, self._first_contact)
        ends = time.monotonic() + deadline
        for delay in (*self._backoff, None):
            if ends - time.monotonic() <= 0:
                break
            replies: asyncio.Queue[Msg] = asyncio.Queue()
            try:
                subscription = await self._client.subscribe(self._client.new_inbox(), cb=_put_into(replies))
                await self._client.publish(subject, payload, reply=subscription.subject, headers=headers)
            except ConnectionReconnectingError:
                msg = None
            except ConnectionClosedError:
                raise CommandUnavailableError(owner_of(command)) from None
            else:
                try:
                    msg = await self._await_reply(replies, command, ends, deadline, first_contact, silence)
                finally:
                    with contextlib.suppress(Exception):
                        await subscription.unsubscribe()
                if msg is not None:
                    return bytes(msg.data)
            if delay is None:
                break
            await asyncio.sleep(min(delay, max(ends - time.monotonic(), 0)))
        raise CommandNotDeliveredError(owner_of(command))

    async def _await_reply(
        self,
        replies: asyncio.Queue[Msg],
        command: Command,
        ends: float,
        deadline: float,
        first_contact: float,
        silence: float,
    ) -> Msg | None:
        """The reply (skipping heartbeats), or None if no one was subscribed."""
        patience = first_contact
        while True:
            left = ends - time.monotonic()
            try:
                if left <= 0:
                    raise TimeoutError
                msg = await asyncio.wait_for(replies.get(), timeout=min(left, patience))
            except TimeoutError:
                if ends - time.monotonic() <= 0:
                    raise CommandUnavailableError(owner_of(command), f"did not answer within {deadline:g} s") from None
                raise CommandUnavailableError(
                    owner_of(command), f"stopped answering (silent for {patience:g} s)"
                ) from None
            if msg.headers and msg.headers.get(STATUS_HEADER) == NO_RESPONDERS_STATUS and not msg.data:
                return None
            if not is_heartbeat(msg.headers):
                return msg
            patience = silence


def _put_into(queue: asyncio.Queue[Msg]) -> Callable[[Msg], Awaitable[None]]:
    async def put(msg: Msg) -> None:
        queue.put_nowait(msg)

    return put
