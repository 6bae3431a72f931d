"""The agent's settings: the common service settings plus where its events live."""

from __future__ import annotations

from cheatcode_runtime.service import ServiceSettings


class Settings(ServiceSettings):
    """``CHEATCODE_*`` variables; see the configuration table in the README."""

    events_stream: str = "EVENTS"
    event_store_timeout: float = 5.0
