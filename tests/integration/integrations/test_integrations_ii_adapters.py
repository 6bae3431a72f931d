"""Adapters of issue 11 against the real thing: KV leases and the KV flag watch on nats-server,
the SMTP mailer on an aiosmtpd server, the Vercel client on the double over real HTTP."""

from __future__ import annotations

import asyncio
import email
import email.message
import email.policy
import time
import uuid
from pathlib import Path

import pytest
from nats.aio.client import Client

from cheatcode_api.adapters.nats.feature_flags import KvFeatureFlags
from cheatcode_contracts.flags import FlagValue
from cheatcode_infra.free_ports import free_port
from cheatcode_infra.mail_sink import start as start_mail_sink
from cheatcode_infra.vercel_double.app import VercelDouble, create_app
from cheatcode_integrations.adapters.kv_leases import KeyValueLeases
from cheatcode_integrations.adapters.smtp_mailer import SmtpMailer
from cheatcode_integrations.adapters.vercel_http import HttpVercel
from cheatcode_integrations.domain.workspace_files import encode_file
from cheatcode_integrations.ports.mailer import MailerError, OutgoingEmail
from cheatcode_integrations.ports.vercel import VercelError
from tests.support.http_thread import serve_in_thread


async def test_kv_leases_are_exclusive_and_lapse(nats_client: Client) -> None:
    bucket = f"leases_{uuid.uuid4().hex[:8]}"
    one = KeyValueLeases(nats_client.jetstream(), bucket, ttl=1.0)
    two = KeyValueLeases(nats_client.jetstream(), bucket, ttl=1.0)
    assert await one.acquire("user-1", "a")
    assert await one.acquire("user-1", "a")  # re-entrant for its holder
    assert not await two.acquire("user-1", "b")
    assert await one.renew("user-1", "a") and not await two.renew("user-1", "b")
    await one.release("user-1", "a")
    assert await two.acquire("user-1", "b")
    deadline = time.monotonic() + 5  # b dies without releasing: its lease lapses after the TTL
    while not await one.acquire("user-1", "a"):
        assert time.monotonic() < deadline
        await asyncio.sleep(0.2)


async def test_the_flag_watch_sees_every_change_quickly(nats_client: Client) -> None:
    bucket = f"flags_{uuid.uuid4().hex[:8]}"
    js = nats_client.jetstream()
    kv = await js.create_key_value(bucket=bucket, history=5)
    await kv.put("before", FlagValue(enabled=True, description="set earlier").model_dump_json().encode())
    flags = await KvFeatureFlags.open(js, bucket)
    try:
        assert flags.get("before") is not None and flags.all()["before"].enabled

        async def seen(check: object, within: float = 1.0) -> float:
            started = time.monotonic()
            while not check():  # type: ignore[operator]
                assert time.monotonic() - started < within
                await asyncio.sleep(0.005)
            return time.monotonic() - started

        await kv.put("beta", FlagValue(enabled=True).model_dump_json().encode())
        await seen(lambda: flags.get("beta") is not None)
        await kv.put("beta", FlagValue(enabled=False).model_dump_json().encode())
        await seen(lambda: flags.get("beta") is not None and not flags.get("beta").enabled)  # type: ignore[union-attr]
        await kv.delete("beta")
        await seen(lambda: flags.get("beta") is None)
    finally:
        await flags.close()


async def test_a_missing_bucket_means_no_flags_until_it_is_created(nats_client: Client) -> None:
    bucket = f"flags_{uuid.uuid4().hex[:8]}"
    js = nats_client.jetstream()
    flags = await KvFeatureFlags.open(js, bucket)
    try:
        assert flags.all() == {}
        kv = await js.create_key_value(bucket=bucket)
        await kv.put("late", FlagValue(enabled=True).model_dump_json().encode())
        deadline = time.monotonic() + 3
        while flags.get("late") is None:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
    finally:
        await flags.close()


def outgoing(index: int) -> OutgoingEmail:
    return OutgoingEmail(
        to_address=f"user{index}@example.com", to_name=f"User {index}", subject="Hello",
        html=f"<p>html {index}</p>", text=f"text {index}", message_id=f"<m{index}@cheatcode.test>",
    )  # fmt: skip


def read_mail(directory: Path) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for path in sorted(directory.glob("*.eml"))
    ]


async def test_the_smtp_mailer_sends_both_parts_and_reconnects(tmp_path: Path) -> None:
    port = free_port()
    sink = start_mail_sink(tmp_path, "127.0.0.1", port)
    mailer = SmtpMailer(host="127.0.0.1", port=port, sender="hello@cheatcode.test", starttls=False, timeout=5)
    try:
        await mailer.send(outgoing(1))
        await mailer.send(outgoing(2))  # the kept connection
        sink.stop()
        sink = start_mail_sink(tmp_path, "127.0.0.1", port)
        await mailer.send(outgoing(3))  # the server went away and came back: reconnected
        parsed = read_mail(tmp_path)
        assert sorted(str(m["Message-ID"]) for m in parsed) == [f"<m{i}@cheatcode.test>" for i in (1, 2, 3)]
        first = next(m for m in parsed if m["Message-ID"] == "<m1@cheatcode.test>")
        assert (
            first["From"] == "CheatCode AI Team <hello@cheatcode.test>" and first["To"] == "User 1 <user1@example.com>"
        )
        assert first.get_body(("plain",)).get_content().strip() == "text 1"  # type: ignore[union-attr]
        assert first.get_body(("html",)).get_content().strip() == "<p>html 1</p>"  # type: ignore[union-attr]
    finally:
        await mailer.close()
        sink.stop()
    with pytest.raises(MailerError):
        await SmtpMailer(host="127.0.0.1", port=free_port(), sender="a@b.test", timeout=2).send(outgoing(4))


async def test_the_vercel_client_against_the_double_over_http() -> None:
    double = VercelDouble(token="tok", build_seconds=0.0)
    with serve_in_thread(create_app(double)) as url:
        vercel = HttpVercel(token="tok", base_url=url, team_id="team_x", backoff=0.01)
        try:
            project = await vercel.ensure_project("my-app")
            again = await vercel.ensure_project("my-app")  # found by GET /v9 this time
            assert project == again and project.id.startswith("prj_")
            double.fail_next = 2  # two 500s: retried by the client
            created = await vercel.create_deployment(
                "my-app", [encode_file("a.txt", b"hi"), encode_file("b.png", b"\x89")]
            )
            assert created.id.startswith("dpl_") and created.url.endswith(".vercel.app")
            assert (await vercel.get_deployment(created.id)).ready_state == "READY"
            assert ("POST", "/v10/projects") in double.requests and double.deployments[created.id].team_id == "team_x"
            with pytest.raises(VercelError) as refused:
                await HttpVercel(token="wrong", base_url=url, backoff=0.01).ensure_project("x")
            assert refused.value.status == 403 and not refused.value.retryable
        finally:
            await vercel.close()
