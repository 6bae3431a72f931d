"""One rule for app types: unknown values are web; each type has its directory and dev server port."""

import pytest

from cheatcode_contracts.projects import as_app_type, preview_port
from cheatcode_contracts.sandbox import app_dir


@pytest.mark.parametrize(
    ("value", "app_type", "directory", "port"),
    [
        ("web", "web", "/workspace/cheatcode-app", 3000),
        ("mobile", "mobile", "/workspace/cheatcode-mobile", 8081),
        ("Mobile", "web", "/workspace/cheatcode-app", 3000),
        ("", "web", "/workspace/cheatcode-app", 3000),
        (None, "web", "/workspace/cheatcode-app", 3000),
    ],
)
def test_app_type_rules(value: object, app_type: str, directory: str, port: int) -> None:
    assert (as_app_type(value), app_dir(value), preview_port(value)) == (app_type, directory, port)
