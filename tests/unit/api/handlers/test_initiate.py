from __future__ import annotations

import pytest

from cheatcode_api.handlers.initiate import (
    MAX_FILE_BYTES,
    MAX_FILES,
    InvalidInitiateError,
    Upload,
    check_request,
    project_name,
    upload_path,
)


def test_project_name_is_the_prompt_or_its_first_30_characters_and_dots() -> None:
    assert project_name("Build a todo app") == "Build a todo app"
    assert project_name("x" * 30) == "x" * 30
    assert project_name("y" * 31) == "y" * 30 + "..."


def test_uploads_land_flat_in_the_app_directory() -> None:
    assert upload_path("web", "logo.png") == "/workspace/cheatcode-app/logo.png"
    assert upload_path("mobile", "../etc/passwd") == "/workspace/cheatcode-mobile/.._etc_passwd"
    assert upload_path("web", "a\\b.txt") == "/workspace/cheatcode-app/a_b.txt"
    assert upload_path("web", "..") == "/workspace/cheatcode-app/upload"


@pytest.mark.parametrize(
    ("prompt", "uploads", "message"),
    [
        ("   ", [], "prompt must not be empty"),
        ("ok", [Upload("big.bin", b"x" * (MAX_FILE_BYTES + 1))], "big.bin: larger than"),
        ("ok", [Upload(f"f{i}", b"") for i in range(MAX_FILES + 1)], "at most"),
    ],
)
def test_bad_requests_are_refused_before_anything_is_created(prompt: str, uploads: list[Upload], message: str) -> None:
    with pytest.raises(InvalidInitiateError, match=message):
        check_request(prompt, uploads)


def test_a_good_request_keeps_its_prompt_trimmed() -> None:
    assert check_request("  make it blue \n", [Upload("a.txt", b"hi")]) == "make it blue"
