"""The Composio commands and the use case answering each (filled in by the profile handlers)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from cheatcode_contracts import Command, CommandReply
from cheatcode_integrations.handlers.composio_deps import ComposioDeps

Handler = Callable[[Any, ComposioDeps], Awaitable[CommandReply]]

HANDLERS: dict[type[Command], Handler] = {}
