"""`cheatcode events` audit filters (--user/--type/--kind/--since/--until) over a real log, as `reader`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cheatcode_contracts import Event
from cheatcode_contracts.billing import AccountOpened
from cheatcode_contracts.envelope import contract_headers, encode
from cheatcode_contracts.projects import ProjectCreated
from cheatcode_contracts.streams import EVENTS
from cheatcode_contracts.subjects import aggregate_subject
from cheatcode_contracts.threads import MessageAdded, ThreadCreated
from cheatcode_infra import nats_auth
from cheatcode_runtime.nats import ensure_streams
from tests.support.secured_nats import SecuredNats, connect_as, secured_nats_server

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)
NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredNats]:
    yield from secured_nats_server(Path(tmp_path_factory.mktemp("events-cli-audit")))


def _events(user: str, at: datetime) -> list[Event]:
    project, thread = uuid.uuid4().hex, uuid.uuid4().hex
    return [
        ProjectCreated(project_id=project, user_id=user, name="p", occurred_at=at),
        ThreadCreated(thread_id=thread, project_id=project, user_id=user, occurred_at=at),
        # names no user: attributed to the thread's owner, as the audit read model does
        MessageAdded(
            thread_id=thread,
            message_id=uuid.uuid4().hex,
            type="user",
            is_llm_message=True,
            content="hi",
            occurred_at=at,
        ),
    ]


@pytest.fixture(scope="module")
async def stored(secured: SecuredNats) -> AsyncIterator[dict[str, list[int]]]:
    """alice's events (old and new) and bob's, interleaved; yields each user's stream sequences."""
    server, passwords = secured
    provisioner = await connect_as(server, passwords, nats_auth.PROVISIONER)
    await ensure_streams(provisioner.jetstream(), [EVENTS])
    await provisioner.close()
    writers = {user: await connect_as(server, passwords, user) for user in ("agent", "billing")}
    plan = [
        ("alice-old", _events("alice", LONG_AGO)),
        ("bob", _events("bob", NOW)),
        ("bob", [AccountOpened(user_id="bob", quota_total=1, quota_remaining=1, resets_at=NOW, occurred_at=NOW)]),
        ("alice", _events("alice", NOW)),
    ]
    sequences: dict[str, list[int]] = {}
    for owner, events in plan:
        for event in events:
            writer = writers["billing" if event.aggregate_kind == "account" else "agent"]  # each kind's writer
            subject = aggregate_subject(event.aggregate_kind, event.aggregate_id)
            ack = await writer.jetstream().publish(subject, encode(event), headers=contract_headers(event))
            sequences.setdefault(owner, []).append(ack.seq)
    for writer in writers.values():
        await writer.close()
    yield sequences


def _cli(secured: SecuredNats, *args: str) -> list[dict[str, object]]:
    server, passwords = secured
    env = {
        **os.environ,
        "CHEATCODE_NATS_URL": server.url,
        "CHEATCODE_NATS_USER": nats_auth.READER,
        "CHEATCODE_NATS_PASSWORD": passwords[nats_auth.READER],
    }
    command = [sys.executable, "-m", "cheatcode_infra", "events", *args]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def _seqs(lines: list[dict[str, object]]) -> list[object]:
    return [line["seq"] for line in lines]


def test_user_and_time_filters_give_one_users_recent_events_only(
    secured: SecuredNats, stored: dict[str, list[int]]
) -> None:
    since = (NOW - timedelta(hours=1)).isoformat()
    assert _seqs(_cli(secured, "--user", "alice", "--since", since)) == stored["alice"]
    assert _seqs(_cli(secured, "--user", "alice")) == stored["alice-old"] + stored["alice"]
    assert _seqs(_cli(secured, "--user", "alice", "--until", since)) == stored["alice-old"]
    assert _seqs(_cli(secured, "--user", "bob")) == stored["bob"]  # the account event included


def test_type_and_kind_filters_and_limit_counts_printed_events(
    secured: SecuredNats, stored: dict[str, list[int]]
) -> None:
    messages = _cli(secured, "--type", "thread.message_added")
    assert {line["type"] for line in messages} == {"thread.message_added"} and len(messages) == 3
    threads = _cli(secured, "--kind", "thread")
    assert {str(line["subject"]).split(".")[2] for line in threads} == {"thread"} and len(threads) == 6
    assert _seqs(_cli(secured, "--kind", "thread", "--user", "alice", "--limit", "3")) == [
        stored["alice-old"][1],
        stored["alice-old"][2],
        stored["alice"][1],
    ]


def test_at_seq_without_fold_is_a_usage_error(secured: SecuredNats) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cheatcode_infra", "events", "--at-seq", "3"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and "--fold" in result.stderr
