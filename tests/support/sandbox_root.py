"""A directory bubblewrap sandboxes can live under: traversable by their uids, removed afterwards."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


def traversable_root(prefix: str) -> Iterator[Path]:
    """For a fixture: ``yield from traversable_root("cc-...-")`` gives ``<new dir>/sandboxes``."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    root.chmod(0o711)  # sandbox uids must traverse it
    yield root / "sandboxes"
    shutil.rmtree(root, ignore_errors=True)
