"""Outgoing email as an outbox: each email is an aggregate ``cc.evt.email.<email_id>``.

The request is an event (:class:`EmailRequested`); the integrations service's worker sends it
over SMTP at ``not_before`` at the earliest and records :class:`EmailSent` before it acks the
request, so a restart finds it sent and never sends it again. A failed attempt is
:class:`EmailRetrying`; after the last one :class:`EmailAbandoned`. The automatic welcome email
of a user has the fixed id :func:`welcome_email_id`, so it exists (and is sent) once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from cheatcode_contracts.base import Command, CommandReply, Event
from cheatcode_contracts.subjects import aggregate_kind_filter, aggregate_subject

EMAIL = "email"
EMAIL_EVENTS_FILTER = aggregate_kind_filter(EMAIL)
EmailTemplate = Literal["welcome"]


def email_subject(email_id: str) -> str:
    return aggregate_subject(EMAIL, email_id)


def welcome_email_id(user_id: str) -> str:
    """The one automatic welcome email of a user (a subject token: no dots)."""
    return "welcome-" + user_id.replace(".", "_")


class _EmailEvent(Event):
    aggregate_kind: ClassVar[str] = EMAIL
    aggregate_field: ClassVar[str] = "email_id"

    email_id: str


class EmailRequested(_EmailEvent):
    type_name: ClassVar[str] = "email.requested"

    template: EmailTemplate = "welcome"
    to_address: str
    to_name: str
    not_before: datetime
    user_id: str | None = None
    reason: str = "admin"  # "admin" (the HTTP route) or "subscription.created"


class EmailSent(_EmailEvent):
    type_name: ClassVar[str] = "email.sent"

    message_id: str  # the RFC 5322 Message-ID (stable per email: receivers may dedupe on it)
    attempt: int


class EmailRetrying(_EmailEvent):
    type_name: ClassVar[str] = "email.retrying"

    attempt: int
    error: str
    retry_in_seconds: float


class EmailAbandoned(_EmailEvent):
    type_name: ClassVar[str] = "email.abandoned"

    attempts: int
    error: str


class _Reply(BaseModel):
    model_config = ConfigDict(frozen=True)


class EmailQueued(_Reply):
    email_id: str
    duplicate: bool = False  # the email already existed (an automatic welcome sent before)


class SendWelcomeEmail(Command):
    """Queue the welcome email to ``email`` (recipient name: ``name`` or the local part, title-cased).
    Reply: :class:`EmailQueued`."""

    type_name: ClassVar[str] = "email.send_welcome"

    email: str = Field(min_length=3, max_length=320)
    name: str | None = Field(default=None, max_length=200)


REPLIES: dict[type[Command], type[BaseModel]] = {SendWelcomeEmail: EmailQueued}
COMMANDS: tuple[type[Command], ...] = tuple(REPLIES)
EVENTS: tuple[type[Event], ...] = (EmailRequested, EmailSent, EmailRetrying, EmailAbandoned)


def reply_result(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")


def parse_reply(command: type[Command] | Command, reply: CommandReply) -> Any:
    model = command if isinstance(command, type) else type(command)
    if not reply.ok:
        raise ValueError(f"{model.type_name} failed: {reply.error}")
    return REPLIES[model].model_validate(reply.result)
