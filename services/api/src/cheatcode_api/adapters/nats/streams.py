"""The API only checks that the JetStream streams exist; ``cheatcode provision`` creates them.

Updating a stream needs more rights than the API has (and racing replicas would each try),
so a missing stream is a deployment mistake that stops the start with the stream's name.
"""

from __future__ import annotations

from collections.abc import Iterable

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from cheatcode_contracts.streams import StreamSpec


class MissingStreamsError(RuntimeError):
    def __init__(self, names: list[str]) -> None:
        super().__init__(
            f"JetStream stream(s) missing: {', '.join(names)}. Streams are created by `cheatcode provision`"
            " (the supervisor runs it on `cheatcode up`); the API does not create or update them."
        )
        self.names = names


async def check_streams(js: JetStreamContext, specs: Iterable[StreamSpec]) -> None:
    missing = []
    for spec in specs:
        try:
            await js.stream_info(spec.name)
        except NotFoundError:
            missing.append(spec.name)
    if missing:
        raise MissingStreamsError(missing)
