"""The mailer when no SMTP server is configured: every send fails (retried, then abandoned), loudly."""

from __future__ import annotations

from cheatcode_integrations.ports.mailer import Mailer, MailerError, OutgoingEmail


class UnconfiguredMailer(Mailer):
    async def send(self, email: OutgoingEmail) -> None:
        raise MailerError("SMTP is not configured (CHEATCODE_SMTP_HOST)")
