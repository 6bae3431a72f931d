"""`make up`/`make test` install bubblewrap when they can, else stop with the exact command."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from cheatcode_infra.system_deps import BUBBLEWRAP, MissingSystemPackageError, ensure


class FakeMachine:
    def __init__(self, *, installed: set[str], apt_works_after_update: bool = True) -> None:
        self.installed = installed
        self.commands: list[list[str]] = []
        self.updated = False
        self.apt_works_after_update = apt_works_after_update

    def which(self, name: str) -> str | None:
        return f"/usr/bin/{name}" if name in self.installed else None

    def run(self, command: Sequence[str]) -> int:
        self.commands.append(list(command))
        if command[:2] == ["apt-get", "update"]:
            self.updated = True
            return 0
        if command[:2] == ["apt-get", "install"] and self.updated and self.apt_works_after_update:
            self.installed.add("bwrap")
            return 0
        return 100  # a fresh image: no package lists yet


def test_present_means_nothing_to_do() -> None:
    machine = FakeMachine(installed={"bwrap", "apt-get"})
    assert ensure(BUBBLEWRAP, run=machine.run, which=machine.which, is_root=lambda: True) == "present"
    assert machine.commands == []


def test_root_with_apt_installs_it_updating_the_lists_when_needed() -> None:
    machine = FakeMachine(installed={"apt-get"})
    assert ensure(BUBBLEWRAP, run=machine.run, which=machine.which, is_root=lambda: True) == "installed"
    install = ["apt-get", "install", "-y", "-q", "bubblewrap"]
    assert machine.commands == [install, ["apt-get", "update", "-q"], install]


def test_a_failed_install_says_so() -> None:
    machine = FakeMachine(installed={"apt-get"}, apt_works_after_update=False)
    with pytest.raises(MissingSystemPackageError, match="did not install it"):
        ensure(BUBBLEWRAP, run=machine.run, which=machine.which, is_root=lambda: True)


def test_without_root_it_stops_with_the_exact_command() -> None:
    machine = FakeMachine(installed={"apt-get"})
    with pytest.raises(MissingSystemPackageError, match=r"Run: sudo apt-get install -y -q bubblewrap"):
        ensure(BUBBLEWRAP, run=machine.run, which=machine.which, is_root=lambda: False)
    assert machine.commands == []


def test_without_apt_it_names_the_package() -> None:
    machine = FakeMachine(installed=set())
    with pytest.raises(MissingSystemPackageError, match="install the bubblewrap package"):
        ensure(BUBBLEWRAP, run=machine.run, which=machine.which, is_root=lambda: True)
