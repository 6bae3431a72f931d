"""The ``cheatcode`` command registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from cheatcode_infra import cli


def test_up_and_dev_token_are_registered() -> None:
    assert {"up", "dev-token"} <= set(cli.command_names())


def test_dev_token_requires_a_user(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["dev-token"])
    assert exit_info.value.code == 2
    assert "--user" in capsys.readouterr().err


def test_up_parses_home_and_port() -> None:
    parser = cli.build_parser(cli.load_commands())
    args = parser.parse_args(["up", "--home", "/tmp/x", "--api-port", "9001"])
    assert (args.command, args.home, args.api_port) == ("up", "/tmp/x", 9001)


def test_a_listed_command_missing_from_this_checkout_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "COMMANDS", (*cli.COMMANDS, "cheatcode_infra.not_written_yet.command"))
    assert "up" in cli.load_commands()


def test_nats_config_prints_one_user_per_service_and_keeps_passwords(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secrets = f"{tmp_path}/secrets"
    assert cli.main(["nats-config", "--secrets-dir", secrets]) == 0
    first = capsys.readouterr().out
    assert first.startswith("authorization {")
    for user in ("provisioner", "api", "agent", "sandbox", "billing", "integrations"):
        assert f'user: "{user}"' in first
    assert cli.main(["nats-config", "--secrets-dir", secrets]) == 0
    assert capsys.readouterr().out == first  # the same passwords the second time
