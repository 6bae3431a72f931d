"""The email outbox: requested once, sent once, retried on failure; the automatic welcome email."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cheatcode_contracts.billing import SubscriptionRecorded
from cheatcode_contracts.email import EmailRequested, SendWelcomeEmail, email_subject, welcome_email_id
from cheatcode_integrations.domain import email as domain
from cheatcode_integrations.domain.welcome_email import SUBJECT
from cheatcode_integrations.handlers.email_outbox import (
    EmailDeps,
    EmailTiming,
    OutboxWorker,
    on_account_event,
    send_welcome,
)
from cheatcode_integrations.ports.mailer import Mailer, MailerError, OutgoingEmail
from cheatcode_runtime.consumer.memory import deliver
from cheatcode_runtime.eventstore import InMemoryEventStore, Repository


class RecordingMailer(Mailer):
    def __init__(self) -> None:
        self.sent: list[OutgoingEmail] = []
        self.failures = 0

    async def send(self, email: OutgoingEmail) -> None:
        if self.failures:
            self.failures -= 1
            raise MailerError("421 try again later")
        self.sent.append(email)


NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def rig(clock: list[datetime] | None = None) -> tuple[InMemoryEventStore, RecordingMailer, EmailDeps]:
    store, mailer = InMemoryEventStore(), RecordingMailer()
    now = clock or [NOW]
    deps = EmailDeps(
        repository=Repository(store, "email", domain.initial),
        mailer=mailer,
        message_domain="cheatcode.test",
        timing=EmailTiming(welcome_delay_seconds=60, max_attempts=3, retry_backoff_seconds=(0.5,)),
        clock=lambda: now[0],
    )
    return store, mailer, deps


async def requested(store: InMemoryEventStore, email_id: str) -> EmailRequested:
    (first, *_) = (await store.load(email_subject(email_id))).events
    assert isinstance(first.event, EmailRequested)
    return first.event


async def test_a_welcome_email_is_sent_once_with_both_parts() -> None:
    store, mailer, deps = rig()
    reply = await send_welcome(SendWelcomeEmail(email="jane.doe@example.com"), deps)
    event = await requested(store, reply.result["email_id"])
    worker = OutboxWorker(deps)
    assert (await deliver(worker.handle, event)).settled == "ack"
    assert (await deliver(worker.handle, event, num_delivered=2)).settled == "ack"  # a redelivery sends nothing
    (sent,) = mailer.sent
    assert sent.subject == SUBJECT and sent.to_name == "Jane.Doe" and sent.to_address == "jane.doe@example.com"
    assert "Jane.Doe" in sent.html and "Jane.Doe" in sent.text and "<html>" in sent.html
    assert sent.message_id == f"<{event.email_id}@cheatcode.test>"
    types = [s.event.type_name for s in (await store.load(email_subject(event.email_id))).events]
    assert types == ["email.requested", "email.sent"]


async def test_the_given_name_wins_and_a_retried_command_is_one_email() -> None:
    store, _, deps = rig()
    command = SendWelcomeEmail(email="x@example.com", name="  Ada Lovelace ")
    first = await send_welcome(command, deps)
    again = await send_welcome(command, deps)
    assert first.result == again.result
    event = await requested(store, first.result["email_id"])
    assert event.to_name == "Ada Lovelace"


async def test_failures_are_retried_then_abandoned() -> None:
    store, mailer, deps = rig()
    mailer.failures = 1
    reply = await send_welcome(SendWelcomeEmail(email="a@example.com"), deps)
    event = await requested(store, reply.result["email_id"])
    worker = OutboxWorker(deps)
    failed = await deliver(worker.handle, event)
    assert failed.settled == "nak" and failed.nak_delay == 0.5
    assert (await deliver(worker.handle, event)).settled == "ack" and len(mailer.sent) == 1

    mailer.failures = 10
    reply = await send_welcome(SendWelcomeEmail(email="b@example.com"), deps)
    event = await requested(store, reply.result["email_id"])
    for _ in range(3):
        await deliver(worker.handle, event)
    state = (await deps.repository.load(event.email_id)).state
    assert state.status == "abandoned" and state.attempts == 3


async def test_a_subscription_queues_one_delayed_welcome_email() -> None:
    clock = [NOW]
    store, mailer, deps = rig(clock)
    subscription = SubscriptionRecorded(
        user_id="u1", provider="polar", subscription_id="sub_1", status="active", plan_id="pro",
        customer_email="pat@example.com", event_type="subscription.created", occurred_at=NOW,
    )  # fmt: skip
    for _ in range(2):  # a redelivered (or repeated) subscription event queues nothing more
        await deliver(lambda d: on_account_event(d, deps), subscription)
    await deliver(
        lambda d: on_account_event(d, deps), subscription.model_copy(update={"event_type": "subscription.active"})
    )
    history = (await store.load(email_subject(welcome_email_id("u1")))).events
    assert len(history) == 1
    event = history[0].event
    assert isinstance(event, EmailRequested) and event.not_before == NOW + timedelta(seconds=60)
    worker = OutboxWorker(deps)
    early = await deliver(worker.handle, event)
    assert early.settled == "nak" and early.nak_delay == 60 and not mailer.sent
    clock[0] = NOW + timedelta(seconds=61)
    await deliver(worker.handle, event)
    assert [m.to_name for m in mailer.sent] == ["Pat"]


async def test_an_old_subscription_replayed_gets_no_welcome_email() -> None:
    store, _, deps = rig([NOW + timedelta(days=3)])
    subscription = SubscriptionRecorded(
        user_id="u2", provider="polar", subscription_id="sub_2", status="active", plan_id="pro",
        customer_email="old@example.com", event_type="subscription.created", occurred_at=NOW,
    )  # fmt: skip
    await deliver(lambda d: on_account_event(d, deps), subscription)
    assert (await store.load(email_subject(welcome_email_id("u2")))).events == ()
