"""The billing service's subscribers, as registration functions listed in ``bootstrap.REGISTRATIONS``.

The ping responder comes with every service host; command subscribers join here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cheatcode_billing.config import Settings
from cheatcode_runtime.service import ServiceHost


@dataclass(frozen=True)
class Deps:
    """What handlers need; resources that need a live connection are ``Late`` values."""

    settings: Settings


Registration = Callable[[ServiceHost, Deps], None]
