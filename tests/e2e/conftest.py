"""The e2e suite drives one whole stack (``cheatcode up``) over HTTP, started once per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.stack import Stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """``base_url``, ``token(user_id, email=None)``, ``admin_api_key``, ``home``; logs shown on start failure."""
    running = Stack(Path(tmp_path_factory.mktemp("e2e")) / "home")
    running.start(timeout=90)
    yield running
    running.stop()
