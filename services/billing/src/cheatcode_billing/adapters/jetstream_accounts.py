"""The directory of accounts from the EVENTS stream's subject index (no state of our own)."""

from __future__ import annotations

from nats.js import JetStreamContext

from cheatcode_billing.ports.accounts import AccountDirectory
from cheatcode_contracts.billing import ACCOUNT_EVENTS_FILTER
from cheatcode_contracts.subjects import EVENTS_PREFIX

PREFIX = f"{EVENTS_PREFIX}.account."


class JetStreamAccountDirectory(AccountDirectory):
    def __init__(self, js: JetStreamContext, stream: str = "EVENTS") -> None:
        self._js = js
        self._stream = stream

    async def user_ids(self) -> list[str]:
        info = await self._js.stream_info(self._stream, subjects_filter=ACCOUNT_EVENTS_FILTER)
        subjects = info.state.subjects or {}
        return sorted(subject[len(PREFIX) :] for subject in subjects if subject.startswith(PREFIX))
