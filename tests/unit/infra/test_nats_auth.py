"""The permission table, checked as data (the server-side enforcement is an integration test)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cheatcode_infra import nats_auth


def _matches(pattern: str, subject: str) -> bool:
    """NATS wildcard matching: ``*`` one token, ``>`` one or more trailing tokens."""
    wanted, tokens = pattern.split("."), subject.split(".")
    for index, token in enumerate(wanted):
        if token == ">":
            return len(tokens) > index
        if index >= len(tokens) or (token != "*" and token != tokens[index]):
            return False
    return len(tokens) == len(wanted)


def may_publish(user: str, subject: str) -> bool:
    return any(_matches(pattern, subject) for pattern in nats_auth.permissions_for(user).publish)


def may_subscribe(user: str, subject: str) -> bool:
    return any(_matches(pattern, subject) for pattern in nats_auth.permissions_for(user).subscribe)


@pytest.mark.parametrize(
    ("user", "subject"),
    [
        ("agent", "cc.evt.project.p1"),
        ("agent", "cc.evt.thread.t1"),
        ("agent", "cc.run.r1"),
        ("agent", "cc.cmd.sandbox.workspace.create"),
        ("sandbox", "cc.evt.sandbox.s1"),
        ("billing", "cc.evt.account.u1"),
        ("integrations", "cc.evt.deployment.d1"),
        ("api", "cc.cmd.agent.project.create"),
        ("api", "cc.ping.billing"),
    ],
)
def test_owners_publish_their_subjects(user: str, subject: str) -> None:
    assert may_publish(user, subject)


@pytest.mark.parametrize(
    ("user", "subject"),
    [
        ("sandbox", "cc.evt.project.x"),
        ("sandbox", "cc.run.r1"),
        ("sandbox", "cc.cmd.billing.charge"),
        ("billing", "cc.evt.project.x"),
        ("api", "cc.evt.project.x"),
        ("integrations", "cc.ping.agent"),
        ("agent", "$JS.API.STREAM.CREATE.EVENTS"),
        ("agent", "$JS.API.STREAM.PURGE.EVENTS"),
        ("agent", "$JS.API.STREAM.DELETE.EVENTS"),
        ("agent", "$JS.API.STREAM.CREATE.KV_billing_quota"),
        ("provisioner", "cc.evt.project.x"),
    ],
)
def test_nobody_publishes_outside_their_grant(user: str, subject: str) -> None:
    assert not may_publish(user, subject)


def test_only_the_owner_receives_commands() -> None:
    owners = {user for user in nats_auth.SERVICES if may_subscribe(user, "cc.cmd.sandbox.exec")}
    assert owners == {"sandbox"}


def test_every_service_can_use_consumers_and_answer_pings() -> None:
    for user in nats_auth.SERVICES:
        assert may_publish(user, "$JS.API.CONSUMER.CREATE.EVENTS.c1.cc.evt.>")
        assert may_publish(user, "$JS.ACK.EVENTS.c1.1.1.1.1.0")
        assert may_subscribe(user, "_INBOX.abc")
        assert may_subscribe(user, f"cc.ping.{user}")
        assert nats_auth.permissions_for(user).allow_responses


def test_the_provisioner_administers_streams_only() -> None:
    assert may_publish("provisioner", "$JS.API.STREAM.CREATE.EVENTS")
    assert not nats_auth.permissions_for("provisioner").allow_responses


def test_the_reader_replays_streams_and_answers_their_flow_control_only() -> None:
    for stream in ("EVENTS", "RUN_OUTPUT"):
        assert may_publish("reader", f"$JS.API.STREAM.INFO.{stream}")
        assert may_publish("reader", f"$JS.API.CONSUMER.CREATE.{stream}")
        assert may_publish("reader", f"$JS.API.CONSUMER.DELETE.{stream}.c1")
        assert may_publish("reader", f"$JS.FC.{stream}.c1.abcd")
    for subject in ("cc.evt.project.x", "$JS.API.STREAM.CREATE.EVENTS", "$JS.API.STREAM.PURGE.EVENTS", "$JS.ACK.x"):
        assert not may_publish("reader", subject)
    assert may_subscribe("reader", "_INBOX.abc")
    assert not may_subscribe("reader", "cc.cmd.agent.run.start")
    assert not nats_auth.permissions_for("reader").allow_responses


def test_config_has_one_user_per_service_the_provisioner_and_the_reader() -> None:
    passwords = {user: f"secret-{user}" for user in nats_auth.all_users()}
    text = nats_auth.render_config(Path("/store"), passwords)
    assert set(passwords) == {"provisioner", "reader", "api", "agent", "sandbox", "billing", "integrations"}
    for user, password in passwords.items():
        assert f'user: "{user}", password: "{password}"' in text
    assert 'jetstream { store_dir: "/store" }' in text
