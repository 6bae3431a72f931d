"""Host liveness over NATS: a replica is alive if it answers a ping on its own host subject.

A dead process has no subscription, so NATS answers "no responders" at once; a hung one is
given ``time_limit`` seconds.
"""

from __future__ import annotations

from nats.aio.client import Client
from nats.errors import NoRespondersError, TimeoutError as NatsTimeoutError

from cheatcode_contracts.sandbox import host_ping_subject
from cheatcode_sandbox.ports.hosts import HostDirectory


class NatsHostDirectory(HostDirectory):
    def __init__(self, client: Client, *, time_limit: float = 1.0) -> None:
        self._client = client
        self._time_limit = time_limit

    async def is_alive(self, instance_id: str) -> bool:
        try:
            await self._client.request(host_ping_subject(instance_id), b"", timeout=self._time_limit)
        except (NoRespondersError, NatsTimeoutError):
            return False
        return True
