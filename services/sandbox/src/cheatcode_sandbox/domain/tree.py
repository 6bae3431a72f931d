"""The file tree shown in the editor: which files count, and their nested, sorted shape (pure)."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

EXCLUDED_DIRS = frozenset(
    {
        "node_modules", ".next", "dist", "build", ".git", ".expo", "android", "ios", "coverage", "tmp",
        ".cache", "__pycache__", ".pytest_cache", ".turbo", ".vercel", "out", ".gradle", "target", "vendor",
        "bower_components", ".svelte-kit", ".nuxt", ".output", ".venv", "venv", ".idea", ".vscode",
    }
)  # fmt: skip
ARCHIVE_EXCLUDED_DIRS = frozenset(
    {
        "node_modules", ".next", ".git", "dist", "build", ".cache", "__pycache__", ".pytest_cache", "coverage",
        ".turbo", ".expo", "android", "ios", ".gradle", "target", "vendor", "bower_components",
    }
)  # fmt: skip
IMPORTANT_FILES = frozenset(
    {
        "package.json", "package-lock.json", "pnpm-lock.yaml", "yarn.lock", "bun.lockb", "tsconfig.json",
        "jsconfig.json", "next.config.js", "next.config.mjs", "next.config.ts", "vite.config.js", "vite.config.ts",
        "tailwind.config.js", "tailwind.config.ts", "postcss.config.js", "postcss.config.mjs", ".gitignore",
        "README.md", "Dockerfile", "app.json", "babel.config.js", "metro.config.js", "eas.json",
        "components.json", "eslint.config.js", "eslint.config.mjs", "requirements.txt", "pyproject.toml",
    }
)  # fmt: skip
ALLOWED_EXTENSIONS = frozenset(
    {
        "ts", "tsx", "js", "jsx", "mjs", "cjs", "json", "jsonc", "css", "scss", "sass", "less", "styl", "html",
        "htm", "xml", "svg", "md", "mdx", "txt", "rst", "yml", "yaml", "toml", "ini", "env", "py", "pyi", "sh",
        "bash", "zsh", "sql", "graphql", "gql", "prisma",
    }
)  # fmt: skip
MAX_DEPTH = 10


def is_config_dotfile(name: str) -> bool:
    if not name.startswith(".") or len(name) < 2:
        return False
    return name.startswith(".env") or "rc" in name or name in {".editorconfig", ".gitattributes", ".prettierignore"}


def keep(relative: PurePosixPath) -> bool:
    """Whether a file (relative to the tree's base) is shown."""
    if any(part in EXCLUDED_DIRS for part in relative.parts[:-1]):
        return False
    name = relative.name
    if name in IMPORTANT_FILES or is_config_dotfile(name):
        return True
    return "." in name and name.rsplit(".", 1)[1].lower() in ALLOWED_EXTENSIONS


def build_tree(base: str, files: list[str]) -> tuple[list[dict[str, Any]], int]:
    """Nested nodes (directories first, then case-insensitive names) and the number of files kept."""
    root: dict[str, Any] = {"children": {}}
    kept = 0
    base_path = PurePosixPath(base)
    for full in files:
        relative = PurePosixPath(full).relative_to(base_path)
        if not keep(relative):
            continue
        kept += 1
        node = root
        for depth, part in enumerate(relative.parts):
            is_file = depth == len(relative.parts) - 1
            children = node["children"]
            if part not in children:
                path = PurePosixPath(*relative.parts[: depth + 1])
                children[part] = {
                    "name": part,
                    "path": str(path),
                    "fullPath": str(base_path / path),
                    "type": "file" if is_file else "directory",
                    "children": {},
                }
            node = children[part]
    return _finish(root["children"]), kept


def _finish(children: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = sorted(children.values(), key=lambda n: (n["type"] != "directory", n["name"].lower()))
    finished = []
    for node in nodes:
        out = {key: value for key, value in node.items() if key != "children"}
        if node["type"] == "directory":
            out["children"] = _finish(node["children"])
        finished.append(out)
    return finished
