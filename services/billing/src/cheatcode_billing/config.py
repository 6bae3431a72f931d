"""The billing service's settings: for now only the common ones (instance id, NATS)."""

from __future__ import annotations

from cheatcode_runtime.service import ServiceSettings


class Settings(ServiceSettings):
    """``CHEATCODE_*`` variables; see the configuration table in the README."""
