"""The resume/splice logic of a run's feed and its clients, without any I/O."""

from __future__ import annotations

from cheatcode_api.streaming.client import SseClient
from cheatcode_api.streaming.feed import RunFeed
from cheatcode_api.streaming.frames import encode_frame
from cheatcode_api.streaming.replay import Frame


def frame(seq: int, terminal: bool = False) -> Frame:
    return seq, encode_frame(seq, b'{"n": %d}' % seq), terminal


def ids(client: SseClient) -> list[int]:
    chunk = client.take() if client.pending else b""
    return [int(line[4:]) for line in chunk.split(b"\n") if line.startswith(b"id: ")]


def new_client(after: int = 0, cap: int = 1 << 20) -> SseClient:
    return SseClient("r1", after, max_buffer_bytes=cap)


def test_client_dedupes_by_sequence_and_batches_pending_frames() -> None:
    client = new_client()
    for seq in (3, 5, 5, 4, 8):
        client.push(*frame(seq))
    assert ids(client) == [3, 5, 8]


def test_client_stops_queueing_after_the_terminal_frame() -> None:
    client = new_client()
    client.push(*frame(1))
    client.push(*frame(2, terminal=True))
    client.push(*frame(3))
    assert client.finished
    assert ids(client) == [1, 2]


def test_catch_up_parks_live_frames_and_releases_them_after_the_replay_without_duplicates() -> None:
    client = new_client(after=2)
    client.catching_up, client.held = True, [frame(9)]
    client.push(*frame(10))  # live while catching up
    assert client.pending == []
    client.release_held([frame(4), frame(7), frame(9)])  # replay overlaps the held frames
    assert ids(client) == [4, 7, 9, 10]


def test_a_client_that_stops_reading_is_dropped_past_its_buffer_cap() -> None:
    client = new_client(cap=100)
    for seq in range(1, 10):
        client.push(*frame(seq))
    assert client.closed
    assert client.pending == []


def test_feed_serves_a_resuming_client_from_its_window_when_it_reaches_back_far_enough() -> None:
    feed = RunFeed("r1", 0, window=10)
    for seq in (2, 4, 6, 8):
        feed.deliver(frame(seq))
    client = new_client(after=4)
    assert feed.attach(client) is None
    feed.deliver(frame(11))
    assert ids(client) == [6, 8, 11]


def test_feed_asks_for_a_jetstream_catch_up_when_the_window_was_trimmed() -> None:
    feed = RunFeed("r1", 0, window=2)
    for seq in range(1, 12):  # past window + slack (8): trimmed back to the newest two
        feed.deliver(frame(seq))
    assert feed.base == 9
    client = new_client(after=1)
    assert feed.attach(client) == 9  # must replay (1, 9] from JetStream
    assert client.catching_up
    feed.deliver(frame(12))
    client.release_held([frame(seq) for seq in range(2, 10)])
    assert ids(client) == list(range(2, 13))


def test_feed_ignores_redeliveries_and_anything_after_the_terminal_frame() -> None:
    feed = RunFeed("r1", 0, window=10)
    client = new_client()
    feed.attach(client)
    for item in (frame(1), frame(1), frame(2, terminal=True), frame(3)):
        feed.deliver(item)
    assert feed.terminal_seq == 2
    assert ids(client) == [1, 2]
    assert feed.detach(client)


def test_a_new_feed_adopts_the_first_replay_so_the_next_client_reads_memory() -> None:
    feed = RunFeed("r1", 50, window=10)  # created when the follower was at 50
    first = new_client()
    assert feed.attach(first) == 50
    feed.deliver(frame(52))
    replayed = [frame(3), frame(7), frame(51)]  # may read past 50: deduped
    feed.adopt(replayed, 0, 50)
    first.release_held(replayed)
    assert ids(first) == [3, 7, 51, 52]
    assert feed.base == 0
    second = new_client(after=3)
    assert feed.attach(second) is None
    assert ids(second) == [7, 52]  # 51 came from the replay beyond up_to, not kept


def test_adopting_a_replay_that_ended_the_run_marks_the_feed_terminal() -> None:
    feed = RunFeed("r1", 9, window=10)
    feed.attach(new_client())
    feed.adopt([frame(4), frame(9, terminal=True)], 0, 9)
    assert feed.terminal_seq == 9
