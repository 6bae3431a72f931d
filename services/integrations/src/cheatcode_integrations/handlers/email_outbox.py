"""The email outbox: requests are events, a durable-consumer worker sends them once.

* ``send_welcome`` (the admin route's command) records ``EmailRequested`` at once;
* ``on_account_event`` turns billing's first ``subscription.created`` of a user into the automatic
  welcome email ``welcome-<user>`` (created once: a second request finds the subject taken),
  due ``welcome_delay`` after the subscription;
* ``OutboxWorker.handle`` (one durable consumer shared by every replica) sends a due email and
  appends ``EmailSent`` before the message is acked, so a restart, a redelivery or another replica
  finds it sent and does not send it again. Failures are retried with backoff (``EmailRetrying``),
  then given up (``EmailAbandoned``). The Message-ID is stable per email, so in the one window left
  (killed between the SMTP server's "250 OK" and the append) a receiver can still dedupe.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cheatcode_contracts import CommandReply, Event, utc_now
from cheatcode_contracts.billing import SubscriptionRecorded
from cheatcode_contracts.email import (
    EmailAbandoned,
    EmailQueued,
    EmailRequested,
    EmailRetrying,
    EmailSent,
    SendWelcomeEmail,
    reply_result,
    welcome_email_id,
)
from cheatcode_integrations.domain.email import OutboxEmail, recipient_name
from cheatcode_integrations.domain.welcome_email import render_welcome
from cheatcode_integrations.ports.mailer import Mailer, MailerError, OutgoingEmail
from cheatcode_runtime.consumer import Delivery
from cheatcode_runtime.eventstore import ConcurrencyError, Repository

logger = logging.getLogger("cheatcode.email")

STARTS = ("subscription.created", "subscription.active")  # billing starts the paid plan on either
_IDS = uuid.UUID("4b3c2d1e-0f9a-4e8b-8c7d-6e5f4a3b2c1d")


@dataclass(frozen=True)
class EmailTiming:
    welcome_delay_seconds: float = 3600.0  # after a subscription starts (§15: one hour)
    welcome_max_lateness_seconds: float = 86400.0  # a welcome this late is skipped (old history replayed)
    max_attempts: int = 5
    retry_backoff_seconds: tuple[float, ...] = (5.0, 30.0, 120.0, 600.0)

    def backoff(self, attempt: int) -> float:
        steps = self.retry_backoff_seconds or (1.0,)
        return steps[min(attempt - 1, len(steps) - 1)]


@dataclass(frozen=True)
class EmailDeps:
    repository: Repository[OutboxEmail]
    mailer: Mailer
    message_domain: str = "cheatcode.local"  # the right-hand side of our Message-IDs
    timing: EmailTiming = field(default_factory=EmailTiming)
    clock: Callable[[], datetime] = utc_now


def email_id_for(command_id: str) -> str:
    return str(uuid.uuid5(_IDS, command_id))


async def send_welcome(command: SendWelcomeEmail, deps: EmailDeps) -> CommandReply:
    email_id = email_id_for(command.command_id)
    requested = EmailRequested(
        email_id=email_id,
        to_address=command.email,
        to_name=recipient_name(command.email, command.name),
        not_before=deps.clock(),
        reason="admin",
    )
    loaded = await deps.repository.create(email_id, [requested], key=command.command_id)
    return CommandReply.success(loaded.position, **reply_result(EmailQueued(email_id=email_id)))


async def on_account_event(delivery: Delivery, deps: EmailDeps) -> None:
    """Billing's subscription facts → the automatic welcome email (once per user)."""
    event = delivery.event
    if not isinstance(event, SubscriptionRecorded) or event.event_type not in STARTS:
        return
    due = event.occurred_at + timedelta(seconds=deps.timing.welcome_delay_seconds)
    if deps.clock() - due > timedelta(seconds=deps.timing.welcome_max_lateness_seconds):
        return  # an old subscription replayed (the consumer's first start on an existing log): no welcome now
    if not event.customer_email:
        logger.warning("subscription %s of %s has no email: no welcome email", event.subscription_id, event.user_id)
        return
    email_id = welcome_email_id(event.user_id)
    requested = EmailRequested(
        email_id=email_id,
        to_address=event.customer_email,
        to_name=recipient_name(event.customer_email, None),
        not_before=due,
        user_id=event.user_id,
        reason="subscription.created",
    )
    try:
        await deps.repository.create(email_id, [requested], key=f"welcome:{event.user_id}")
    except ConcurrencyError:
        return  # this user's welcome email exists already


class OutboxWorker:
    def __init__(self, deps: EmailDeps) -> None:
        self._deps = deps

    async def handle(self, delivery: Delivery) -> None:
        event = delivery.event
        if not isinstance(event, EmailRequested):
            return
        deps = self._deps
        loaded = await deps.repository.load(event.email_id)
        email = loaded.state
        if email.status != "pending":
            return  # sent or abandoned already: a redelivery, a restart, or another replica
        if email.not_before is not None:
            wait = (email.not_before - deps.clock()).total_seconds()
            if wait > 0:
                await delivery.nak(wait)
                return
        message_id = f"<{email.email_id}@{deps.message_domain}>"
        rendered = render_welcome(email.to_name)
        outgoing = OutgoingEmail(
            to_address=email.to_address,
            to_name=email.to_name,
            subject=rendered.subject,
            html=rendered.html,
            text=rendered.text,
            message_id=message_id,
        )
        attempt = email.attempts + 1
        try:
            async with delivery.keep_alive():
                await deps.mailer.send(outgoing)
        except MailerError as error:
            await self._failed(email, attempt, str(error), delivery, permanent=error.permanent)
            return
        sent = EmailSent(email_id=email.email_id, message_id=message_id, attempt=attempt)
        await deps.repository.append(email.email_id, loaded, [sent], key=f"{email.email_id}:sent")
        logger.info("email %s sent to %s (attempt %d)", email.email_id, email.to_address, attempt)

    async def _failed(
        self, email: OutboxEmail, attempt: int, error: str, delivery: Delivery, *, permanent: bool
    ) -> None:
        deps = self._deps
        events: Sequence[Event]
        if permanent or attempt >= deps.timing.max_attempts:
            events = [EmailAbandoned(email_id=email.email_id, attempts=attempt, error=error[:500])]
            delay = None
        else:
            delay = deps.timing.backoff(attempt)
            events = [
                EmailRetrying(email_id=email.email_id, attempt=attempt, error=error[:500], retry_in_seconds=delay)
            ]
        await deps.repository.update(email.email_id, lambda state: events if state.status == "pending" else [],
                                     key=f"{email.email_id}:failed:{attempt}")  # fmt: skip
        logger.warning("email %s attempt %d failed: %s", email.email_id, attempt, error)
        if delay is not None:
            await delivery.nak(delay)
