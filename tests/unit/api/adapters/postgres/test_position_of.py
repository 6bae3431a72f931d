"""The runner reads a delivery's stream position from its ack subject, as nats-py's metadata does."""

from __future__ import annotations

import pytest
from nats.aio.msg import Msg

from cheatcode_api.adapters.postgres.runner import position_of

REPLIES = [
    "$JS.ACK.EVENTS.ordered_1.1.4242.17.1764662400000000000.3",  # nats-server's usual form
    "$JS.ACK.hub.AAAAHASH.EVENTS.ordered_1.1.4242.17.1764662400000000000.3.random",  # with domain, account
    "$JS.ACK.hub.AAAAHASH.EVENTS.ordered_1.1.4242.17.1764662400000000000.3",  # the same without the token
]


@pytest.mark.parametrize("reply", REPLIES)
def test_position_of_is_the_stream_sequence(reply: str) -> None:
    msg = Msg(None, subject="cc.evt.project.p1", reply=reply)  # type: ignore[arg-type]  # never replied to
    assert position_of(msg) == msg.metadata.sequence.stream == 4242


def test_a_reply_that_is_not_a_jetstream_delivery_is_refused() -> None:
    msg = Msg(None, subject="cc.evt.project.p1", reply="_INBOX.abc.1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a JetStream delivery"):
        position_of(msg)
