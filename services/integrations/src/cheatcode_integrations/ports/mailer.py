"""Sending one email (no SMTP driver here)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass


@dataclass(frozen=True)
class OutgoingEmail:
    to_address: str
    to_name: str
    subject: str
    html: str
    text: str
    message_id: str  # RFC 5322 Message-ID, stable per outbox email


class MailerError(Exception):
    """The server refused or could not be reached. ``permanent``: retrying will not help (bad recipient)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Mailer(ABC):
    @abstractmethod
    async def send(self, email: OutgoingEmail) -> None: ...

    async def close(self) -> None:  # noqa: B027 (optional hook)
        """Release the connection."""
