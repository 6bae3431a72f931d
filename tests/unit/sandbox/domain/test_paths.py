from __future__ import annotations

import pytest

from cheatcode_sandbox.domain.paths import UID_BASE, InvalidPathError, sandbox_path, sandbox_uid, workspace_parts


@pytest.mark.parametrize(
    ("path", "app_type", "parts"),
    [
        ("src/a.ts", "web", ("cheatcode-app", "src", "a.ts")),
        ("./src//a.ts", "web", ("cheatcode-app", "src", "a.ts")),
        ("App.tsx", "mobile", ("cheatcode-mobile", "App.tsx")),
        ("/workspace/other/x", "web", ("other", "x")),
        ("/workspace", "web", ()),
    ],
)
def test_paths_resolve_under_the_workspace(path: str, app_type: str, parts: tuple[str, ...]) -> None:
    assert workspace_parts(path, app_type) == parts


@pytest.mark.parametrize(
    "path", ["", "../x", "a/../../b", "/etc/passwd", "/workspace/../etc", "/workspacex/a", "a\x00b"]
)
def test_paths_leaving_the_workspace_are_refused(path: str) -> None:
    with pytest.raises(InvalidPathError):
        workspace_parts(path)


def test_sandbox_paths_and_uids() -> None:
    assert sandbox_path(("cheatcode-app", "a")) == "/workspace/cheatcode-app/a"
    assert sandbox_uid("s1") == sandbox_uid("s1") != sandbox_uid("s2")
    assert sandbox_uid("s1") >= UID_BASE
