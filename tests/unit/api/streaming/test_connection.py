"""The streaming connection's raw path overrides a hook of the pinned nats-py (the header parser is
the runtime's: tests/unit/runtime/nats/test_connection.py)."""

from __future__ import annotations

from nats.aio.client import Client


def test_raw_subscriptions_replace_the_message_path_of_the_pinned_nats_py() -> None:
    """``_process_msg(sid, subject, reply, data, headers)`` is the hook the raw path overrides."""
    import inspect

    params = list(inspect.signature(Client._process_msg).parameters)
    assert params == ["self", "sid", "subject", "reply", "data", "headers"]
