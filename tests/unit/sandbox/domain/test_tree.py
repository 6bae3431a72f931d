from __future__ import annotations

from pathlib import PurePosixPath

from cheatcode_sandbox.domain.tree import build_tree, keep

BASE = "/workspace/cheatcode-app"


def test_filters_follow_the_reference_lists() -> None:
    kept = ["src/a.tsx", "package.json", ".env.local", ".eslintrc", "Dockerfile", "docs/x.md"]
    dropped = ["node_modules/a/index.js", ".git/HEAD", "dist/app.js", "image.png", "binary", "src/.next/x.js"]
    assert all(keep(PurePosixPath(p)) for p in kept)
    assert not any(keep(PurePosixPath(p)) for p in dropped)


def test_directories_first_then_case_insensitive_names() -> None:
    files = [f"{BASE}/{p}" for p in ("b.ts", "A.ts", "src/z.ts", "lib/y.ts", "node_modules/x.js", "logo.png")]
    tree, total = build_tree(BASE, files)
    assert total == 4
    assert [n["name"] for n in tree] == ["lib", "src", "A.ts", "b.ts"]
    assert tree[1] == {
        "name": "src",
        "path": "src",
        "fullPath": f"{BASE}/src",
        "type": "directory",
        "children": [{"name": "z.ts", "path": "src/z.ts", "fullPath": f"{BASE}/src/z.ts", "type": "file"}],
    }
