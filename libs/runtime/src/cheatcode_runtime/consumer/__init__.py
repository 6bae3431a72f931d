"""Durable JetStream consumers, one way for every service (see :class:`DurableConsumer`).

Importing this package loads no NATS client: handlers depend on :class:`Delivery` and
:class:`ConsumerSpec` only; ``DurableConsumer`` (the JetStream driver) is imported on first
use, ``cheatcode_runtime.consumer.memory`` has deliveries for unit tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cheatcode_runtime.consumer.delivery import ConsumerSpec, Delivery, Handler, run_handler

if TYPE_CHECKING:
    from cheatcode_runtime.consumer.jetstream import DurableConsumer


def __getattr__(name: str) -> Any:
    if name == "DurableConsumer":
        from cheatcode_runtime.consumer.jetstream import DurableConsumer

        return DurableConsumer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["ConsumerSpec", "Delivery", "DurableConsumer", "Handler", "run_handler"]
