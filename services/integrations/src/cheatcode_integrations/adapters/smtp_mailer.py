"""The mailer over SMTP with aiosmtplib: one kept connection, reopened when the server drops it.

Each message has both parts (``text/plain`` then ``text/html`` as ``multipart/alternative``).
Sends are serialised on the one connection; a dropped connection is reopened once per send.
"""

from __future__ import annotations

import asyncio
import logging
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formataddr, formatdate

import aiosmtplib

from cheatcode_integrations.ports.mailer import Mailer, MailerError, OutgoingEmail

logger = logging.getLogger("cheatcode.smtp")


def build_message(email: OutgoingEmail, *, sender: str, sender_name: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr((sender_name, sender))
    message["To"] = formataddr((email.to_name, email.to_address))
    message["Subject"] = email.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = email.message_id
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    return message


class SmtpMailer(Mailer):
    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        sender_name: str = "CheatCode AI Team",
        username: str | None = None,
        password: str | None = None,
        starttls: bool | None = None,  # None: upgrade when the server offers it
        use_tls: bool = False,
        timeout: float = 30.0,
    ) -> None:
        Address(addr_spec=sender)  # a bad sender fails at start, not at the first send
        self._sender, self._sender_name = sender, sender_name
        self._options = {
            "hostname": host,
            "port": port,
            "username": username or None,
            "password": password or None,
            "start_tls": starttls,
            "use_tls": use_tls,
            "timeout": timeout,
        }
        self._client: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is None or not self._client.is_connected:
            client = aiosmtplib.SMTP(**self._options)  # type: ignore[arg-type]
            await client.connect()
            self._client = client
        return self._client

    async def send(self, email: OutgoingEmail) -> None:
        message = build_message(email, sender=self._sender, sender_name=self._sender_name)
        async with self._lock:
            for attempt in (1, 2):
                try:
                    client = await self._connected()
                    await client.send_message(message)
                    return
                except aiosmtplib.SMTPRecipientsRefused as error:
                    raise MailerError(f"recipient refused: {error}", permanent=True) from error
                except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPConnectError, OSError) as error:
                    self._client = None
                    if attempt == 2:
                        raise MailerError(f"SMTP server unreachable: {error}") from error
                    logger.info("SMTP connection lost (%s); reconnecting", error)
                except aiosmtplib.SMTPException as error:
                    self._client = None
                    raise MailerError(f"SMTP error: {error}") from error

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except aiosmtplib.SMTPException:
                client.close()
