"""What the Composio use cases need: repositories, the Composio API, the toolkit cache, secrets."""

from __future__ import annotations

from dataclasses import dataclass

from cheatcode_integrations.config import ComposioSettings


@dataclass(frozen=True)
class ComposioDeps:
    settings: ComposioSettings
