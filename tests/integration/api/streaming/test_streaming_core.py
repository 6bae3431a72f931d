"""JetStream → SSE against a real nats-server and a real uvicorn."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from nats.aio.client import Client

from cheatcode_api.streaming import RunStreamHub
from cheatcode_contracts.frames import content_frame, status_frame, tool_call_frame, tool_result_frame
from tests.integration.api.streaming.sse import SseReader, parse_events, publish


def new_run() -> str:
    return str(uuid.uuid4())


async def publish_run(client: Client, run_id: str, n_content: int, *, end: str | None = "completed") -> list[int]:
    js = client.jetstream()
    seqs = [await publish(js, run_id, status_frame(1, "running"))]
    seqs.append(await publish(js, run_id, tool_call_frame(2, "create_file", {"path": "a.txt"}, "t1")))
    seqs.append(await publish(js, run_id, tool_result_frame(3, "create_file", "ok", True, "t1")))
    for i in range(n_content):
        seqs.append(await publish(js, run_id, content_frame(4 + i, f"chunk {i}")))
    if end is not None:
        seqs.append(await publish(js, run_id, status_frame(4 + n_content, end, "done")))
    return seqs


async def test_an_ended_run_replays_every_frame_in_order_and_closes(base_url: str, nats_client: Client) -> None:
    run_id = new_run()
    seqs = await publish_run(nats_client, run_id, 20)
    async with httpx.AsyncClient(base_url=base_url) as http:
        response = await http.get(f"/runs/{run_id}/stream", timeout=5)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-cache, no-transform"
    events = [e for e in parse_events(response.text) if e.data["type"] != "ping"]
    assert [e.id for e in events] == seqs
    assert all(e.event == "message" for e in events)
    assert [e.data["sequence"] for e in events] == list(range(1, 25))
    assert events[-1].data["status"] == "completed"
    expected_body = (
        '{"type": "tool_call", "sequence": 2, "message_id": null, "tool": "create_file", '
        '"arguments": {"path": "a.txt"}, "tool_call_id": "t1"}'
    )
    assert events[1].raw_data == expected_body  # the publisher's exact bytes, never re-encoded


async def test_resume_from_a_middle_id_yields_exactly_the_remaining_frames(base_url: str, nats_client: Client) -> None:
    run_id = new_run()
    seqs = await publish_run(nats_client, run_id, 30)
    middle = seqs[len(seqs) // 2]
    async with httpx.AsyncClient(base_url=base_url) as http:
        by_header = await http.get(f"/runs/{run_id}/stream", headers={"Last-Event-ID": str(middle)}, timeout=5)
        by_query = await http.get(f"/runs/{run_id}/stream", params={"last_event_id": str(middle)}, timeout=5)
    for response in (by_header, by_query):
        ids = [e.id for e in parse_events(response.text) if e.id is not None]
        assert ids == [s for s in seqs if s > middle]


async def test_reconnecting_at_or_past_the_terminal_frame_gets_204(base_url: str, nats_client: Client) -> None:
    run_id = new_run()
    seqs = await publish_run(nats_client, run_id, 2, end="stopped")
    async with httpx.AsyncClient(base_url=base_url) as http:
        at_end = await http.get(f"/runs/{run_id}/stream", headers={"Last-Event-ID": str(seqs[-1])}, timeout=5)
        past = await http.get(f"/runs/{run_id}/stream", params={"last_event_id": str(seqs[-1] + 100)}, timeout=5)
        before = await http.get(f"/runs/{run_id}/stream", headers={"Last-Event-ID": str(seqs[-2])}, timeout=5)
    assert at_end.status_code == 204
    assert past.status_code == 204
    assert [e.id for e in parse_events(before.text)] == [seqs[-1]]


async def test_live_frames_reach_two_clients_of_one_run_and_the_terminal_frame_closes_both(
    base_url: str, nats_client: Client, hub: RunStreamHub
) -> None:
    run_id = new_run()
    js = nats_client.jetstream()
    first_seq = await publish(js, run_id, status_frame(1, "running"))
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=5) as http,
        http.stream("GET", f"/runs/{run_id}/stream") as one,
        http.stream("GET", f"/runs/{run_id}/stream") as two,
    ):
        readers = [SseReader(one), SseReader(two)]
        for reader in readers:
            first = await reader.next()
            assert first is not None and first.id == first_seq
        sent = [await publish(js, run_id, content_frame(i, f"live {i}")) for i in range(2, 7)]
        sent.append(await publish(js, run_id, status_frame(7, "failed", "boom")))
        for reader in readers:
            events = [e for e in await reader.until_closed() if e.id is not None]
            assert [e.id for e in events] == sent
            assert events[-1].data["status"] == "failed"
    await asyncio.sleep(0.05)
    assert run_id not in {client.run_id for feed in hub._feeds.values() for client in feed.clients}


async def test_a_late_client_is_caught_up_from_jetstream_then_spliced_into_the_live_feed(
    base_url: str, nats_client: Client
) -> None:
    """The window holds 4 frames; a client resuming further back replays from JetStream while frames keep coming."""
    run_id = new_run()
    js = nats_client.jetstream()
    sent = [await publish(js, run_id, content_frame(i, f"early {i}")) for i in range(1, 4)]
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=5) as http,
        http.stream("GET", f"/runs/{run_id}/stream") as live,
    ):
        watcher = SseReader(live)
        for _ in sent:
            assert await watcher.next() is not None
        sent += [await publish(js, run_id, content_frame(i, f"more {i}")) for i in range(4, 20)]

        async def keep_publishing() -> list[int]:
            return [await publish(js, run_id, content_frame(i, f"during {i}")) for i in range(20, 60)]

        publisher = asyncio.create_task(keep_publishing())
        async with http.stream("GET", f"/runs/{run_id}/stream", headers={"Last-Event-ID": str(sent[1])}) as late:
            sent += await publisher
            sent.append(await publish(js, run_id, status_frame(60, "completed", "ok")))
            events = await SseReader(late).until_closed()
    assert [e.id for e in events if e.id is not None] == sent[2:]


async def test_an_idle_stream_gets_heartbeats_without_ids(base_url: str, nats_client: Client) -> None:
    run_id = new_run()
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=5) as http,
        http.stream("GET", f"/runs/{run_id}/stream") as response,
    ):
        reader = SseReader(response)
        ping = await reader.next(timeout=2)
        assert ping is not None and ping.data == {"type": "ping"} and ping.id is None
        seq = await publish(nats_client.jetstream(), run_id, status_frame(1, "completed"))
        events = [e for e in await reader.until_closed() if e.id is not None]
    assert [e.id for e in events] == [seq]


async def test_a_client_that_disconnects_releases_the_feed(
    base_url: str, nats_client: Client, hub: RunStreamHub
) -> None:
    run_id = new_run()
    await publish(nats_client.jetstream(), run_id, status_frame(1, "running"))
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=5) as http,
        http.stream("GET", f"/runs/{run_id}/stream") as response,
    ):
        assert await SseReader(response).next() is not None
        assert run_id in hub._feeds
    for _ in range(100):
        if run_id not in hub._feeds:
            break
        await asyncio.sleep(0.02)
    assert run_id not in hub._feeds


async def test_the_follower_recreates_its_consumer_and_loses_nothing(
    base_url: str, nats_client: Client, hub: RunStreamHub
) -> None:
    from cheatcode_api.streaming.follower import OrderedFollower

    follower = hub._follower
    assert isinstance(follower, OrderedFollower)
    run_id = new_run()
    js = nats_client.jetstream()
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=10) as http,
        http.stream("GET", f"/runs/{run_id}/stream") as response,
    ):
        reader = SseReader(response)
        sent = [await publish(js, run_id, content_frame(1, "before"))]
        assert (await reader.next()) is not None
        resets = follower.resets
        assert follower._consumer is not None
        await js.delete_consumer("RUN_OUTPUT", follower._consumer)  # as if the server lost it
        sent += [await publish(js, run_id, content_frame(i, f"after {i}")) for i in range(2, 6)]
        sent.append(await publish(js, run_id, status_frame(6, "completed")))
        events = [e for e in await reader.until_closed(timeout=20) if e.id is not None]
    assert [e.id for e in events] == sent[1:]
    assert follower.resets == resets + 1
