"""An outbox email: state folded from ``cc.evt.email.<email_id>`` (pure)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from cheatcode_contracts import Event
from cheatcode_contracts.email import EmailAbandoned, EmailRequested, EmailRetrying, EmailSent

EmailStatus = Literal["none", "pending", "sent", "abandoned"]


@dataclass(frozen=True)
class OutboxEmail:
    email_id: str
    status: EmailStatus = "none"
    to_address: str = ""
    to_name: str = ""
    template: str = "welcome"
    not_before: datetime | None = None
    attempts: int = 0  # failed attempts so far
    message_id: str | None = None

    def apply(self, event: Event) -> OutboxEmail:
        if isinstance(event, EmailRequested):
            return replace(
                self,
                status="pending",
                to_address=event.to_address,
                to_name=event.to_name,
                template=event.template,
                not_before=event.not_before,
            )
        if isinstance(event, EmailRetrying):
            return replace(self, attempts=event.attempt)
        if isinstance(event, EmailSent):
            return replace(self, status="sent", message_id=event.message_id)
        if isinstance(event, EmailAbandoned):
            return replace(self, status="abandoned", attempts=event.attempts)
        return self


def initial(email_id: str) -> OutboxEmail:
    return OutboxEmail(email_id=email_id)


def recipient_name(email: str, name: str | None) -> str:
    """§15: the given name, else the address's local part in Title Case."""
    if name and name.strip():
        return name.strip()
    return email.split("@", 1)[0].title()
