"""Whole batches of EVENTS through a pull consumer into a raw subscription (the rebuild's reader)."""

from __future__ import annotations

import asyncio

import pytest
from nats.aio.client import Client

from cheatcode_api.adapters.nats.pulled_events import PulledEvents, PullInterruptedError
from cheatcode_api.adapters.postgres.runner import position_of
from cheatcode_contracts.envelope import TYPE_HEADER
from cheatcode_contracts.streams import EVENTS
from cheatcode_runtime.nats import LeanHeaderClient
from tests.support.project_events import append_projects

pytestmark = pytest.mark.integration


@pytest.fixture
def nats_client(own_nats_client: Client) -> Client:
    """This module's own nats-server: its EVENTS stream holds only what these tests append."""
    return own_nats_client


def lean(client: Client) -> LeanHeaderClient:
    assert isinstance(client, LeanHeaderClient)
    return client


async def test_batches_come_in_stream_order_whole_and_stop_at_the_target(nats_client: Client) -> None:
    positions = await append_projects(nats_client.jetstream(), 23, user="pull-owner")
    target = positions[16]
    taken: list[int] = []
    async with PulledEvents(lean(nats_client), positions[0], 5, idle_timeout=5) as log:
        sizes = []
        while not taken or taken[-1] < target:
            batch, batch_positions = await log.next_batch(target)
            sizes.append(len(batch))
            assert [position_of(delivery) for delivery in batch] == batch_positions
            taken += batch_positions
        assert all(delivery.headers and delivery.headers[TYPE_HEADER] == "project.created" for delivery in batch)
        assert batch[0].subject.startswith("cc.evt.project.") and b'"pull-owner"' in batch[0].data
    assert taken == positions[:17]  # every event once, none past the target
    assert sizes == [5, 5, 5, 2]


async def test_no_more_than_two_batches_are_requested_ahead_of_what_was_taken(nats_client: Client) -> None:
    positions = await append_projects(nats_client.jetstream(), 60, user="pull-owner")
    async with PulledEvents(lean(nats_client), positions[0], 5, idle_timeout=5) as log:
        first, _ = await log.next_batch(positions[-1])
        assert len(first) == 5
        await asyncio.sleep(0.3)  # whatever was asked for has arrived by now
        info = await nats_client.jetstream().consumer_info(EVENTS.name, log._consumer or "")
        # Two batches were asked for before the first was taken; the next is asked for only
        # when the projector comes back for more.
        assert info.delivered.consumer_seq == 10
        assert info.num_pending == 60 - 10


async def test_silence_past_the_last_event_is_a_timeout(nats_client: Client) -> None:
    positions = await append_projects(nats_client.jetstream(), 2, user="pull-owner")
    async with PulledEvents(lean(nats_client), positions[-1] + 1, 5, idle_timeout=0.3) as log:
        with pytest.raises(TimeoutError):
            await log.next_batch(positions[-1] + 10)


async def test_a_missing_delivery_or_a_refused_request_interrupts_the_read(nats_client: Client) -> None:
    """What the server might send: the reader must stop rather than skip an event."""
    positions = await append_projects(nats_client.jetstream(), 1, user="pull-owner")
    async with PulledEvents(lean(nats_client), positions[0] + 1, 5, idle_timeout=5) as log:
        log._on_delivery(b"cc.evt.project.x", b"$JS.ACK.EVENTS.c.1.90.2.1764662400000000000.0", b"{}", None)
        with pytest.raises(PullInterruptedError, match="delivery 1 of the consumer went missing"):
            await log.next_batch(100)
    async with PulledEvents(lean(nats_client), positions[0] + 1, 5, idle_timeout=5) as log:
        log._on_delivery(b"_INBOX.x", b"", b"", b"NATS/1.0 409 Consumer Deleted\r\n\r\n")
        with pytest.raises(PullInterruptedError, match="409 Consumer Deleted"):
            await log.next_batch(100)


async def test_an_expired_request_is_asked_again(nats_client: Client) -> None:
    positions = await append_projects(nats_client.jetstream(), 3, user="pull-owner")
    async with PulledEvents(lean(nats_client), positions[0], 5, idle_timeout=5) as log:
        batch, _ = await log.next_batch(positions[0])  # one event: the target
        assert len(batch) == 1
        owed = log._owed
        log._on_delivery(b"_INBOX.x", b"", b"", b"NATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: 5\r\n\r\n")
        assert log._owed == owed - 5
        _, rest_positions = await log.next_batch(positions[-1])
        assert rest_positions == positions[1:]
