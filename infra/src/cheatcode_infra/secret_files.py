"""Secrets generated once and kept as files readable only by their owner (mode 0600)."""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path


def write_private(path: Path, data: bytes) -> None:
    """Create ``path`` with mode 0600 from the start, so the secret is never world-readable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    path.chmod(0o600)


def read_or_create_encryption_key(path: Path) -> str:
    """The master key list (``CHEATCODE_ENCRYPTION_KEY``) at ``path``; one new key the first time.

    The format is a Fernet key (urlsafe base64 of 32 random bytes). To rotate, write
    ``NEW,OLD`` (newest first) into the file and restart; see cheatcode_runtime.secrets.
    """
    if path.exists():
        value = path.read_text().strip()
        if value:
            return value
    value = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    write_private(path, value.encode())
    return value


def read_or_create_secret(path: Path, nbytes: int = 24) -> str:
    """The secret stored at ``path``; a new random URL-safe one the first time."""
    if path.exists():
        value = path.read_text().strip()
        if value:
            return value
    value = secrets.token_urlsafe(nbytes)
    write_private(path, value.encode())
    return value
