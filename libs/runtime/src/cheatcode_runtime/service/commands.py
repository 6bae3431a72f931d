"""Running command handlers: domain errors become failure replies, conflicts are retried.

A handler loads its aggregate, decides, and appends with the position it loaded. When
another writer got in between, the append raises ``ConcurrencyError``; running the
whole handler again is safe because it reloads the aggregate and decides afresh.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from faststream.nats import NatsBroker, NatsMessage

from cheatcode_contracts import Command, CommandReply, ErrorCode, subject_for
from cheatcode_runtime.errors import DomainError
from cheatcode_runtime.eventstore import ConcurrencyError, EventStoreUnavailableError, TooManyConflictsError
from cheatcode_runtime.nats.heartbeats import heartbeats, requested_interval
from cheatcode_runtime.observability.context import from_headers
from cheatcode_runtime.observability.tracing import continued

logger = logging.getLogger("cheatcode.commands")

C = TypeVar("C", bound=Command)
CommandHandler = Callable[[C], Awaitable[CommandReply]]

DEFAULT_RETRIES = 5


async def execute(
    handle: Callable[[], Awaitable[CommandReply]], *, retries: int = DEFAULT_RETRIES, name: str = "command"
) -> CommandReply:
    """Run ``handle``; never raises. ``retries`` bounds the reruns after a concurrency conflict."""
    for attempt in range(retries + 1):
        try:
            return await handle()
        except ConcurrencyError:
            logger.info("%s: concurrent write, attempt %d of %d", name, attempt + 1, retries + 1)
        except DomainError as error:
            return CommandReply.failure(error.code, error.detail)
        except TooManyConflictsError:
            break
        except EventStoreUnavailableError:
            logger.warning("%s: event store unavailable", name, exc_info=True)
            return CommandReply.failure(ErrorCode.UNAVAILABLE, "event store unavailable, retry later")
        except Exception:
            # The subscriber must outlive any bug in one handler; the caller gets a reply.
            logger.exception("%s failed", name)
            return CommandReply.failure(ErrorCode.INTERNAL, "internal error")
    return CommandReply.failure(ErrorCode.CONFLICT, "too many concurrent changes, retry")


def register_command(
    broker: NatsBroker,
    command: type[C],
    handle: CommandHandler[C],
    *,
    service: str,
    retries: int = DEFAULT_RETRIES,
    subject: str | None = None,
    queue: str | None = None,
    max_workers: int | None = None,
) -> None:
    """Answer ``command`` on ``subject_for(command)`` with ``handle``'s reply.

    The instances of one service form a queue group, so each command is handled once.
    ``subject`` answers elsewhere (one replica's own subject, say; it is also the documented
    title), ``queue=""`` without a queue group, and ``max_workers`` handles that many at once
    (faststream's default is one at a time; commands that take minutes need more).
    """

    async def publish_heartbeat(reply: str, headers: dict[str, str]) -> None:
        await broker.publish(b"", subject=reply, headers=headers)

    async def subscriber(cmd: Command, message: NatsMessage) -> CommandReply:
        # A caller that asked for heartbeats hears one every interval while the handler runs.
        interval = requested_interval(message.headers)
        # The sender's actor, correlation id and trace go on to every event and command this causes.
        with from_headers(message.headers), continued(command.type_name, message.headers):
            async with heartbeats(publish_heartbeat, message.reply_to, interval):
                reply = await execute(lambda: handle(cmd), retries=retries, name=command.type_name)  # type: ignore[arg-type]
            logger.info("%s %s", command.type_name, "ok" if reply.ok else reply.error.code if reply.error else "failed")
            return reply

    # faststream parses and documents the payload from the signature: give it the real model.
    subscriber.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("cmd", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=command),
            inspect.Parameter("message", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=NatsMessage),
        ],
        return_annotation=CommandReply,
    )
    subscriber.__annotations__ = {"cmd": command, "message": NatsMessage, "return": CommandReply}
    subscriber.__name__ = command.__name__
    broker.subscriber(
        subject or subject_for(command),
        queue=service if queue is None else queue,
        title=subject or command.type_name,
        description=(command.__doc__ or "").strip() or None,
        max_workers=max_workers,
    )(subscriber)
