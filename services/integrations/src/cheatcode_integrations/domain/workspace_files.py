"""Which workspace files a deployment uploads, and how each is encoded (§11 step 2; pure)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

EXCLUDED_DIRS = frozenset(
    {
        "node_modules", ".git", ".next", "dist", "build", ".cache", ".turbo", ".vercel", "__pycache__",
        ".pytest_cache", "coverage", ".nyc_output", ".expo", ".expo-shared", "android", "ios",
    }
)  # fmt: skip
EXCLUDED_FILES = frozenset({".DS_Store", "Thumbs.db", ".env", ".env.local", ".env.production"})
DEBUG_LOG_PREFIXES = ("npm-debug.log", "yarn-debug.log", "yarn-error.log", "pnpm-debug.log", "lerna-debug.log")
BINARY_EXTENSIONS = frozenset(
    {
        # images
        "png", "jpg", "jpeg", "gif", "webp", "ico", "bmp", "tif", "tiff", "avif", "heic", "psd",
        # fonts
        "woff", "woff2", "ttf", "otf", "eot",
        # documents and archives
        "pdf", "zip", "gz", "tgz", "tar", "rar", "7z", "bz2", "xz",
        # media
        "mp3", "mp4", "wav", "ogg", "webm", "mov", "avi", "flac", "m4a",
        # binaries
        "exe", "dll", "so", "dylib", "wasm", "bin", "node", "class", "jar",
    }
)  # fmt: skip

Encoding = Literal["utf-8", "base64"]


def excluded_dir(name: str) -> bool:
    return name in EXCLUDED_DIRS


def included(relative_path: str) -> bool:
    """Whether a file (relative to the app directory) is uploaded."""
    path = PurePosixPath(relative_path)
    if any(excluded_dir(part) for part in path.parts[:-1]):
        return False
    name = path.name
    if name in EXCLUDED_FILES:
        return False
    return not name.startswith(DEBUG_LOG_PREFIXES)  # npm-debug.log, npm-debug.log.1, ...


def binary_extension(relative_path: str) -> bool:
    name = PurePosixPath(relative_path).name
    return "." in name and name.rsplit(".", 1)[1].lower() in BINARY_EXTENSIONS


@dataclass(frozen=True)
class UploadFile:
    """One entry of Vercel's ``files`` array: ``{file, data, encoding}``."""

    file: str
    data: str
    encoding: Encoding
    size: int

    def as_json(self) -> dict[str, str]:
        return {"file": self.file, "data": self.data, "encoding": self.encoding}


def encode_file(relative_path: str, content: bytes) -> UploadFile:
    """Binary extensions and anything that is not valid UTF-8 go as base64; the rest as text."""
    if not binary_extension(relative_path):
        try:
            return UploadFile(relative_path, content.decode("utf-8"), "utf-8", len(content))
        except UnicodeDecodeError:
            pass
    return UploadFile(relative_path, base64.b64encode(content).decode("ascii"), "base64", len(content))
